"""Every record must match the project's JSON Schema, or it becomes an error record.

Settings:
- VALIDATE_ENABLED (default True)
- VALIDATE_SCHEMA_DIR: a directory holding crawl-record.schema.json (else
  record.schema.json), crawl-attachment.schema.json (else attachment.schema.json)
  and crawl-error.schema.json (else error.schema.json), referring to each other
  by their `$id` (default: the shipped ones, crawler/schema/ extending the
  cleaner's cleaners/schema/).
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

from scrapy.exceptions import NotConfigured

from cleaners.validation import first_error, schema_path
from crawler.schema import SCHEMA_DIRS
from crawler.items import ArticleRecord, ErrorRecord

logger = logging.getLogger(__name__)

PROVENANCE_KEYS = ("url", "final_url", "site", "site_name", "site_type", "spider", "crawl_id",
                   "fetched_at", "http", "redirect_urls")


class ValidatePipeline:
    def __init__(self, crawler):
        settings = crawler.settings
        if not settings.getbool("VALIDATE_ENABLED", True):
            raise NotConfigured("VALIDATE_ENABLED is off")
        self.stats = crawler.stats
        given = settings.get("VALIDATE_SCHEMA_DIR")
        # package data, also inside an egg
        self.schema_dir = (Path(given),) if given else SCHEMA_DIRS
        # Records are checked against crawl-record.schema.json (record.schema.json when a
        # directory has only that), error records against crawl-error.schema.json when present.
        self.record_schema = self._first_schema("crawl-record", "record")
        if self.record_schema is None:
            raise FileNotFoundError(f"no record schema in {given or 'the shipped schemas'}")
        # Attachment records (kind "attachment") have their own schema.
        self.attachment_schema = self._first_schema("crawl-attachment", "attachment") or self.record_schema
        self.error_schema = self._first_schema("crawl-error", "error")
        if self.error_schema is None:
            logger.warning("no error schema in %s: error records are not validated", given)

    def _first_schema(self, *names: str) -> str | None:
        return next((name for name in names if schema_path(name, self.schema_dir) is not None), None)

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler)

    def process_item(self, item: Any) -> Any:
        if isinstance(item, ArticleRecord):
            schema = self.attachment_schema if item.get("kind") == "attachment" else self.record_schema
            problem = first_error(item, schema, self.schema_dir)
            if problem is None:
                self.stats.inc_value("records/valid")
                return item
            self.stats.inc_value("errors/validate")
            logger.warning("record for %s does not match the schema: %s", item.get("url"), problem)
            err = ErrorRecord(error="validate", reason=problem)
            err.update({k: item.get(k) for k in PROVENANCE_KEYS if k in item})
            return err
        if isinstance(item, ErrorRecord) and self.error_schema:
            problem = first_error(item, self.error_schema, self.schema_dir)
            if problem is not None:
                # Still written: an error record is never lost, only flagged.
                self.stats.inc_value("errors/invalid_error_record")
                logger.error("error record for %s does not match %s.schema.json: %s",
                             item.get("url"), self.error_schema, problem)
        return item
