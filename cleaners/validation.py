"""JSON Schema validators for the records (schemas in cleaners/schema/).

The cleaner's schemas describe exactly what the library returns (record,
attachment, error) and refuse any other field. A schema may extend another by
`$ref` to its `$defs` (the crawler's, in crawler/schema/, do), so a validator is
built over one or more schema directories: the named schema is the last
directory's that has it, and every directory's schemas are in the registry
under their file name and their `$id` (no network). The shipped schemas are read
as package data (importlib.resources), so they are found inside a zipped egg too.

Every record is checked on its way out, so the check is made by fastjsonschema
(the schema compiled to Python code; a valid record costs microseconds), over
the schema with its `$ref`s and `allOf` merged into one closed object (the view
`record_fields` gives); a record it refuses is judged again, and described, by
jsonschema over the schema as written, whose messages the error records carry.
"""

from __future__ import annotations

import json
from functools import cache
from importlib import resources
from importlib.resources.abc import Traversable
from pathlib import Path
from typing import Any

import fastjsonschema
from jsonschema import validators
from jsonschema.exceptions import best_match
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012

SCHEMA_DIR: Traversable = resources.files("cleaners") / "schema"

SchemaDir = Traversable | Path | str
# One directory, or several: later ones extend (and may override) earlier ones.
SchemaDirs = SchemaDir | tuple[SchemaDir, ...]


def _as_dirs(schema_dirs: SchemaDirs) -> tuple[Traversable, ...]:
    given = schema_dirs if isinstance(schema_dirs, tuple) else (schema_dirs,)
    return tuple(Path(d) if isinstance(d, str) else d for d in given)


def schema_path(name: str, schema_dirs: SchemaDirs = SCHEMA_DIR) -> Traversable | None:
    """The file of schema `name` (e.g. `record`): the last directory's that has it, else None."""
    for directory in reversed(_as_dirs(schema_dirs)):
        path = directory / f"{name}.schema.json"
        if path.is_file():
            return path
    return None


@cache
def schema_registry(schema_dirs: SchemaDirs = SCHEMA_DIR) -> Registry:
    """Every *.schema.json of the directories, under its file name and its $id."""
    named = []
    entries = [p for d in _as_dirs(schema_dirs)
               for p in sorted((p for p in d.iterdir() if p.name.endswith(".schema.json")), key=lambda p: p.name)]
    for path in entries:
        contents = json.loads(path.read_text(encoding="utf-8"))
        resource = Resource.from_contents(contents, default_specification=DRAFT202012)
        named.append((path.name, resource))
        if contents.get("$id") and contents["$id"] != path.name:
            named.append((contents["$id"], resource))
    return Registry().with_resources(named)


@cache
def validator(name: str, schema_dir: SchemaDirs = SCHEMA_DIR):
    """`record` (what clean_page returns), `attachment` (extract_document) or `error` (the CLI's);
    the crawler's schemas with its directories (crawler.schema.validator).

    Raises FileNotFoundError when no directory has such a schema."""
    schema = _schema(name, schema_dir)
    cls = validators.validator_for(schema)
    cls.check_schema(schema)
    return cls(schema, registry=schema_registry(schema_dir), format_checker=cls.FORMAT_CHECKER)


@cache
def _fast_validator(name: str, schema_dir: SchemaDirs = SCHEMA_DIR):
    """Schema `name`, merged (`_flat_schema`: no `$ref`, `unevaluatedProperties` read as
    `additionalProperties`, so draft 7 says the same), compiled by fastjsonschema: a
    function that raises on an invalid record. None when a `$ref` stays unresolved
    (then only `validator`)."""
    flat = _flat_schema(name, schema_dir)
    if '"$ref"' in json.dumps(flat):
        return None
    return fastjsonschema.compile({**flat, "$schema": "http://json-schema.org/draft-07/schema#"})


def _valid_fast(record: dict, name: str, schema_dir: SchemaDirs) -> bool:
    check = _fast_validator(name, schema_dir)
    if check is None:
        return False
    try:
        check(record)
    except fastjsonschema.JsonSchemaException:
        return False
    return True


def validation_errors(record: dict, name: str, schema_dir: SchemaDirs = SCHEMA_DIR) -> list[str]:
    """Human-readable problems, empty when the record is valid."""
    if _valid_fast(record, name, schema_dir):
        return []
    return [_describe(e) for e in sorted(validator(name, schema_dir).iter_errors(record),
                                         key=lambda e: list(e.absolute_path))]


def first_error(record: dict, name: str, schema_dir: SchemaDirs = SCHEMA_DIR) -> str | None:
    """The most relevant problem, or None when the record is valid."""
    if _valid_fast(record, name, schema_dir):
        return None
    error = best_match(validator(name, schema_dir).iter_errors(record))
    return None if error is None else _describe(error)[:500]


def _describe(error) -> str:
    return f"{'/'.join(map(str, error.absolute_path)) or '(record)'}: {error.message}"


@cache
def record_fields(name: str, schema_dir: SchemaDirs = SCHEMA_DIR) -> dict[str, dict[str, Any]]:
    """Every field a record of schema `name` may have, with its JSON Schema, in the schema's order
    (the `$ref`s and `allOf` of an extending schema followed, nested objects merged too): one flat
    view of a composed schema, e.g. for the columns of a table. `unevaluatedProperties: false`
    reads as `additionalProperties: false` (a closed object)."""
    return _flat_schema(name, schema_dir)["properties"]


@cache
def _schema(name: str, schema_dir: SchemaDirs = SCHEMA_DIR) -> dict[str, Any]:
    """Schema `name` as written; FileNotFoundError when no directory has it."""
    path = schema_path(name, schema_dir)
    if path is None:
        raise FileNotFoundError(f"no {name}.schema.json in {', '.join(map(str, _as_dirs(schema_dir)))}")
    return json.loads(path.read_text(encoding="utf-8"))


@cache
def _flat_schema(name: str, schema_dir: SchemaDirs = SCHEMA_DIR) -> dict[str, Any]:
    """Schema `name` with its `$ref`s and `allOf` merged in (`_flat`)."""
    schema = _schema(name, schema_dir)
    base = schema.get("$id", schema_path(name, schema_dir).name)
    return _flat(schema, schema_registry(schema_dir).resolver(base_uri=base))


def _flat(schema: dict[str, Any], resolver) -> dict[str, Any]:
    """`schema` with its `$ref`s and `allOf` merged in: properties in order of appearance
    (a referenced schema's first), nested properties and items merged the same way."""
    out: dict[str, Any] = {}
    parts: list[tuple[dict[str, Any], Any]] = []
    if "$ref" in schema:
        resolved = resolver.lookup(schema["$ref"])
        parts.append((resolved.contents, resolved.resolver))
    parts += [(sub, resolver) for sub in schema.get("allOf", [])]
    for sub, sub_resolver in parts:
        _merge(out, _flat(sub, sub_resolver))
    own = {k: v for k, v in schema.items() if k not in ("$ref", "allOf", "$defs", "$id", "$schema")}
    if "properties" in own:
        own["properties"] = {k: _flat(v, resolver) for k, v in own["properties"].items()}
    if isinstance(own.get("items"), dict):
        own["items"] = _flat(own["items"], resolver)
    if own.pop("unevaluatedProperties", None) is False:
        own["additionalProperties"] = False
    _merge(out, own)
    return out


def _merge(into: dict[str, Any], more: dict[str, Any]) -> None:
    for key, value in more.items():
        if key == "properties":
            props = into.setdefault("properties", {})
            for name, spec in value.items():
                props[name] = {**props[name]} if name in props else {}
                _merge(props[name], spec)
        elif key == "items" and isinstance(into.get("items"), dict):
            _merge(into["items"], value)
        elif key == "required":
            into["required"] = list(dict.fromkeys([*into.get("required", []), *value]))
        else:
            into[key] = value
