"""Every record must match the project's JSON Schema, or it becomes an error record.

Settings:
- VALIDATE_ENABLED (default True)
- VALIDATE_SCHEMA_DIR: directory holding crawl-record.schema.json (the record
  as the crawler emits it: record.schema.json plus the crawler's required
  provenance), record.schema.json and error.schema.json (default: the cleaners
  package's schema/ directory). Schemas refer to each other by their `$id`.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

from scrapy.exceptions import NotConfigured

from cleaners.validation import SCHEMA_DIR, first_error
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
        self.schema_dir = Path(given) if given else SCHEMA_DIR  # package data, also inside an egg
        # Records are checked against crawl-record.schema.json (record.schema.json when a
        # directory has only that), error records against error.schema.json when present.
        self.record_schema = next((name for name in ("crawl-record", "record")
                                   if (self.schema_dir / f"{name}.schema.json").is_file()), None)
        if self.record_schema is None:
            raise FileNotFoundError(f"no record schema in {self.schema_dir}")
        # Attachment records (kind "attachment") have their own schema.
        self.attachment_schema = next((name for name in ("crawl-attachment", "attachment")
                                       if (self.schema_dir / f"{name}.schema.json").is_file()), self.record_schema)
        self.check_errors = (self.schema_dir / "error.schema.json").is_file()
        if not self.check_errors:
            logger.warning("no error.schema.json in %s: error records are not validated", self.schema_dir)

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
        if isinstance(item, ErrorRecord) and self.check_errors:
            problem = first_error(item, "error", self.schema_dir)
            if problem is not None:
                # Still written: an error record is never lost, only flagged.
                self.stats.inc_value("errors/invalid_error_record")
                logger.error("error record for %s does not match error.schema.json: %s",
                             item.get("url"), problem)
        return item
