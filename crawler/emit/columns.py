"""The feed's columns: one Arrow schema derived from the crawl record's JSON Schema.

One source for every table-shaped view of the records: the Parquet and CSV
feeds (crawler/emit/exporters.py) and the HuggingFace `datasets` view of JSONL
feeds (crawler/emit/hf_datasets.py). The columns come from
crawler/schema/crawl-record.schema.json, then crawl-attachment's own fields (an
attachment record shares the feed): the same columns, in the same order,
with the same types, in every run, whatever fields the first record happens to
have. `published_at` and `fetched_at` stay ISO 8601 strings with their offset
(`+08:00`): an Arrow timestamp column has one zone for all rows. Objects whose
keys vary (`cleaning`, `warc`) are JSON strings.

No Scrapy here: reading feeds needs pyarrow (the `[parquet]` extra), not the crawler.
"""

from __future__ import annotations

import json
from functools import cache
from typing import Any

from crawler.schema import SCHEMA_DIRS
from cleaners.validation import record_fields as schema_fields


@cache
def record_properties() -> dict[str, dict[str, Any]]:
    """Every field of the records a feed holds, with its JSON Schema: the article
    record's in its schema's order, then the fields only attachment records have
    (`kind`, `attachment_of`, `format`...), so no format drops them."""
    fields = dict(schema_fields("crawl-record", SCHEMA_DIRS))
    for name, spec in schema_fields("crawl-attachment", SCHEMA_DIRS).items():
        fields.setdefault(name, spec)
    return fields


def record_fields() -> list[str]:
    return list(record_properties())


def to_json(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, sort_keys=True)


def _arrow_type(spec: dict[str, Any]):
    """The Arrow type of a JSON Schema property (None: stored as a JSON string)."""
    import pyarrow as pa

    types = spec.get("type")
    values = spec.get("enum", [spec["const"]] if "const" in spec else None)
    if types is None and values is not None:
        types = sorted({type(v).__name__ for v in values if v is not None})
        types = ["string" if t == "str" else t for t in types]
    types = [types] if isinstance(types, str) else [t for t in (types or []) if t != "null"]
    if types == ["string"]:
        return pa.string()
    if types == ["integer"]:
        return pa.int64()
    if types == ["number"]:
        return pa.float64()
    if types == ["boolean"]:
        return pa.bool_()
    if types == ["array"]:
        item = _arrow_type(spec.get("items", {}))
        return pa.list_(item) if item is not None else None
    if types == ["object"] and spec.get("properties") and spec.get("additionalProperties") is False:
        fields = [(name, _arrow_type(sub)) for name, sub in spec["properties"].items()]
        if any(t is None for _, t in fields):
            return None
        return pa.struct(fields)
    if types == ["object"] and spec.get("properties") and "additionalProperties" not in spec:
        return pa.struct([(name, _arrow_type(sub) or pa.string()) for name, sub in spec["properties"].items()])
    return None  # objects with free keys, unions: JSON text


@cache
def arrow_schema():
    """One Arrow schema for every table of records: a column per record field."""
    import pyarrow as pa

    return pa.schema([(name, _arrow_type(spec) or pa.string()) for name, spec in record_properties().items()])


@cache
def json_columns() -> frozenset[str]:
    """The columns whose values are stored as JSON text."""
    return frozenset(name for name, spec in record_properties().items() if _arrow_type(spec) is None)


def table_row(record: dict[str, Any]) -> dict[str, Any]:
    """A record as a row of arrow_schema(): every column, absent fields None,
    the JSON columns' values as JSON text."""
    as_json = json_columns()
    row = {}
    for name in arrow_schema().names:
        value = record.get(name)
        row[name] = to_json(value) if name in as_json and value is not None else value
    return row
