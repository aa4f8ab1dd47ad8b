"""JSON Schema validators for the records (schemas in cleaners/schema/)."""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path

from jsonschema import Draft202012Validator
from referencing import Registry, Resource

SCHEMA_DIR = Path(__file__).parent / "schema"
SCHEMAS = ("record", "crawl-record", "error")


@cache
def _registry() -> Registry:
    resources = []
    for name in SCHEMAS:
        schema = json.loads((SCHEMA_DIR / f"{name}.schema.json").read_text("utf-8"))
        resources.append((schema["$id"], Resource.from_contents(schema)))
    return Registry().with_resources(resources)


@cache
def validator(name: str) -> Draft202012Validator:
    """`record` (the cleaner's output), `crawl-record` (what the crawler emits) or `error`."""
    schema = _registry().get_or_retrieve(f"{name}.schema.json").value.contents
    return Draft202012Validator(schema, registry=_registry())


def validation_errors(record: dict, name: str) -> list[str]:
    """Human-readable problems, empty when the record is valid."""
    return [f"{'/'.join(map(str, e.absolute_path)) or '(record)'}: {e.message}"
            for e in sorted(validator(name).iter_errors(record), key=lambda e: list(e.absolute_path))]
