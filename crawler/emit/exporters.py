"""Feed formats besides JSONL, with every field of the record in every row.

The columns come from one place, the crawl record's JSON Schema
(crawler/schema/crawl-record.schema.json: the cleaner's record extended with
the crawler's provenance, which every record validates against): the same columns, in the same order, with the same types, in every
run, whatever fields the first record happens to have.

- `-O out.csv` (CsvRecordExporter): one column per field; nested values
  (`http`, `encoding`, `cleaning`, `attachments`, `part_urls`, …) are JSON,
  UTF-8, Chinese unescaped; an absent field is an empty cell.
- `-O out.parquet` (ParquetRecordExporter, needs pyarrow: the `[parquet]`
  extra): one explicit Arrow schema derived from the JSON Schema, so any number
  of files load together, e.g. `datasets.load_dataset("parquet", data_files=[...])`.
  `published_at` and `fetched_at` stay ISO 8601 strings with their offset
  (`+08:00`): an Arrow timestamp column has one zone for all rows.
  Objects whose keys vary (`cleaning`, `warc`) are JSON strings.
  Parquet writes its footer last: a killed crawl leaves an unreadable file, so
  scheduled crawls keep the crash-safe JSONL (and convert it when they need to).
"""

from __future__ import annotations

import json
from functools import cache
from typing import Any

from scrapy.exporters import BaseItemExporter, CsvItemExporter

from crawler.schema import record_fields as crawl_record_fields


def record_properties() -> dict[str, dict[str, Any]]:
    """The record's fields and their JSON Schemas, in the schema's order."""
    return crawl_record_fields()


def record_fields() -> list[str]:
    return list(record_properties())


def to_json(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, sort_keys=True)


class CsvRecordExporter(CsvItemExporter):
    """CSV with a fixed header (every record field) and nested values as JSON."""

    def __init__(self, file: Any, **kwargs: Any):
        if kwargs.get("fields_to_export") is None:  # FEED_EXPORT_FIELDS / a feed's `fields` win
            kwargs["fields_to_export"] = record_fields()
        kwargs["encoding"] = kwargs.get("encoding") or "utf-8"
        super().__init__(file, **kwargs)

    def serialize_field(self, field: Any, name: str, value: Any) -> Any:
        if isinstance(value, (dict, list, tuple)):
            return to_json(value)
        if value is None:
            return ""
        return super().serialize_field(field, name, value)


def _arrow_type(spec: dict[str, Any]):
    """The Arrow type of a JSON Schema property (None: stored as a JSON string)."""
    import pyarrow as pa

    types = spec.get("type")
    if types is None and "enum" in spec:
        types = sorted({type(v).__name__ for v in spec["enum"] if v is not None})
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
    """One Arrow schema for every Parquet feed: a column per record field."""
    import pyarrow as pa

    return pa.schema([(name, _arrow_type(spec) or pa.string()) for name, spec in record_properties().items()])


def _json_columns() -> set[str]:
    return {name for name, spec in record_properties().items() if _arrow_type(spec) is None}


def _position(file: Any) -> int:
    try:
        return file.tell()
    except (AttributeError, OSError, ValueError):
        return 0


class ParquetRecordExporter(BaseItemExporter):
    """Parquet with arrow_schema(); rows are written in row groups of `batch_size`."""

    def __init__(self, file: Any, batch_size: int = 1000, **kwargs: Any):
        super().__init__(dont_fail=True, **kwargs)
        import pyarrow.parquet as pq

        if _position(file):
            # `-o` appends; a Parquet file cannot take rows after its footer.
            raise ValueError(f"cannot append to the Parquet file {getattr(file, 'name', file)!r}: "
                             "use -O (overwrite) or a new file name")
        self.file = file
        self.schema = arrow_schema()
        self.json_columns = _json_columns()
        self.batch_size = batch_size
        self.rows: list[dict[str, Any]] = []
        self.writer = pq.ParquetWriter(file, self.schema, compression="zstd")

    def export_item(self, item: Any) -> None:
        record = dict(self.get_serialized_fields(item))
        row = {}
        for name in self.schema.names:
            value = record.get(name)
            row[name] = to_json(value) if name in self.json_columns and value is not None else value
        self.rows.append(row)
        if len(self.rows) >= self.batch_size:
            self._flush()

    def _flush(self) -> None:
        import pyarrow as pa

        if self.rows:
            self.writer.write_table(pa.Table.from_pylist(self.rows, schema=self.schema))
            self.rows = []

    def finish_exporting(self) -> None:
        self._flush()
        self.writer.close()
