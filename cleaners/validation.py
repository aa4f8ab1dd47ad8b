"""JSON Schema validators for the records (schemas in cleaners/schema/).

The schemas refer to each other by `$id` (crawl-record.schema.json is
record.schema.json plus the crawler's provenance); another directory of
schemas with the same names can be given, e.g. by the crawler's
VALIDATE_SCHEMA_DIR setting. The shipped schemas are read as package data
(importlib.resources), so they are found inside a zipped egg too.
"""

from __future__ import annotations

import json
from functools import cache
from importlib import resources
from importlib.resources.abc import Traversable
from pathlib import Path

from jsonschema import validators
from jsonschema.exceptions import best_match
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012

SCHEMA_DIR: Traversable = resources.files("cleaners") / "schema"

SchemaDir = Traversable | Path | str


def _as_dir(schema_dir: SchemaDir) -> Traversable:
    return Path(schema_dir) if isinstance(schema_dir, str) else schema_dir


@cache
def schema_registry(schema_dir: SchemaDir = SCHEMA_DIR) -> Registry:
    """Every *.schema.json of the directory, under its file name and its $id."""
    named = []
    entries = sorted((p for p in _as_dir(schema_dir).iterdir() if p.name.endswith(".schema.json")),
                     key=lambda p: p.name)
    for path in entries:
        contents = json.loads(path.read_text(encoding="utf-8"))
        resource = Resource.from_contents(contents, default_specification=DRAFT202012)
        named.append((path.name, resource))
        if contents.get("$id") and contents["$id"] != path.name:
            named.append((contents["$id"], resource))
    return Registry().with_resources(named)


@cache
def validator(name: str, schema_dir: SchemaDir = SCHEMA_DIR):
    """`record` (the cleaner's output), `crawl-record` (what the crawler emits) or `error`.

    Raises FileNotFoundError when the directory has no such schema."""
    path = _as_dir(schema_dir) / f"{name}.schema.json"
    schema = json.loads(path.read_text(encoding="utf-8"))
    cls = validators.validator_for(schema)
    cls.check_schema(schema)
    return cls(schema, registry=schema_registry(schema_dir), format_checker=cls.FORMAT_CHECKER)


def validation_errors(record: dict, name: str, schema_dir: SchemaDir = SCHEMA_DIR) -> list[str]:
    """Human-readable problems, empty when the record is valid."""
    return [_describe(e) for e in sorted(validator(name, schema_dir).iter_errors(record),
                                         key=lambda e: list(e.absolute_path))]


def first_error(record: dict, name: str, schema_dir: SchemaDir = SCHEMA_DIR) -> str | None:
    """The most relevant problem, or None when the record is valid."""
    error = best_match(validator(name, schema_dir).iter_errors(record))
    return None if error is None else _describe(error)[:500]


def _describe(error) -> str:
    return f"{'/'.join(map(str, error.absolute_path)) or '(record)'}: {error.message}"
