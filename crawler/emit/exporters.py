"""Feed formats besides JSONL, with every field of the record in every row.

The columns come from one place, the crawl record's JSON Schema
(crawler/schema/crawl-record.schema.json: the cleaner's record extended with
the crawler's provenance, which every record validates against), turned into
one Arrow schema by crawler/emit/columns.py: the same columns, in the same
order, with the same types, in every run, whatever fields the first record
happens to have.

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

from typing import Any

from scrapy.exporters import BaseItemExporter, CsvItemExporter

# The columns and their Arrow types live in columns.py (no Scrapy there); imported
# here too because they are this module's public names.
from crawler.emit.columns import arrow_schema, record_fields, table_row, to_json  # noqa: F401


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
        self.batch_size = batch_size
        self.rows: list[dict[str, Any]] = []
        self.writer = pq.ParquetWriter(file, self.schema, compression="zstd")

    def export_item(self, item: Any) -> None:
        self.rows.append(table_row(dict(self.get_serialized_fields(item))))
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
