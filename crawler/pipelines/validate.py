"""Every record must match the project's JSON Schema, or it becomes an error record.

Settings:
- VALIDATE_ENABLED (default True)
- VALIDATE_SCHEMA_DIR: directory holding crawl-record.schema.json (the record
  as the crawler emits it: record.schema.json plus the crawler's required
  provenance), record.schema.json and error.schema.json (default: the cleaners
  package's schema/ directory). Schemas refer to each other by their `$id`.
"""

from __future__ import annotations

import json
import logging
from pathlib import Path
from typing import Any

from jsonschema import validators
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012
from jsonschema.exceptions import best_match
from scrapy.exceptions import NotConfigured

from crawler.items import ArticleRecord, ErrorRecord

logger = logging.getLogger(__name__)

PROVENANCE_KEYS = ("url", "final_url", "site", "site_name", "site_type", "spider", "crawl_id",
                   "fetched_at", "http", "redirect_urls")


def default_schema_dir() -> Path:
    return Path(__file__).resolve().parents[2] / "cleaners" / "schema"


def schema_registry(schema_dir: Path) -> Registry:
    """Every *.schema.json of the directory, under its $id and its file name."""
    resources = []
    for path in sorted(schema_dir.glob("*.schema.json")):
        contents = json.loads(path.read_text(encoding="utf-8"))
        resource = Resource.from_contents(contents, default_specification=DRAFT202012)
        resources.append((path.name, resource))
        if contents.get("$id") and contents["$id"] != path.name:
            resources.append((contents["$id"], resource))
    return Registry().with_resources(resources)


def load_validator(path: Path, registry: Registry | None = None):
    with open(path, encoding="utf-8") as fh:
        schema = json.load(fh)
    cls = validators.validator_for(schema)
    cls.check_schema(schema)
    return cls(schema, registry=registry or schema_registry(path.parent),
               format_checker=cls.FORMAT_CHECKER)


def record_validator(schema_dir: Path | None = None):
    """The validator for emitted records (crawl-record.schema.json when present)."""
    schema_dir = schema_dir or default_schema_dir()
    registry = schema_registry(schema_dir)
    for name in ("crawl-record.schema.json", "record.schema.json"):
        if (schema_dir / name).exists():
            return load_validator(schema_dir / name, registry)
    raise FileNotFoundError(f"no record schema in {schema_dir}")


def error_validator(schema_dir: Path | None = None):
    schema_dir = schema_dir or default_schema_dir()
    path = schema_dir / "error.schema.json"
    return load_validator(path, schema_registry(schema_dir)) if path.exists() else None


def first_error(validator, instance: dict) -> str | None:
    error = best_match(validator.iter_errors(instance))
    if error is None:
        return None
    where = "/".join(str(p) for p in error.absolute_path) or "(record)"
    return f"{where}: {error.message}"[:500]


class ValidatePipeline:
    def __init__(self, crawler):
        settings = crawler.settings
        if not settings.getbool("VALIDATE_ENABLED", True):
            raise NotConfigured("VALIDATE_ENABLED is off")
        self.stats = crawler.stats
        schema_dir = Path(settings.get("VALIDATE_SCHEMA_DIR") or default_schema_dir())
        self.record_validator = record_validator(schema_dir)
        self.error_validator = error_validator(schema_dir)
        if self.error_validator is None:
            logger.warning("no error.schema.json in %s: error records are not validated", schema_dir)

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler)

    def process_item(self, item: Any) -> Any:
        if isinstance(item, ArticleRecord):
            problem = first_error(self.record_validator, item)
            if problem is None:
                self.stats.inc_value("records/valid")
                return item
            self.stats.inc_value("errors/validate")
            logger.warning("record for %s does not match the schema: %s", item.get("url"), problem)
            err = ErrorRecord(error="validate", reason=problem)
            err.update({k: item.get(k) for k in PROVENANCE_KEYS if k in item})
            return err
        if isinstance(item, ErrorRecord) and self.error_validator is not None:
            problem = first_error(self.error_validator, item)
            if problem is not None:
                # Still written: an error record is never lost, only flagged.
                self.stats.inc_value("errors/invalid_error_record")
                logger.error("error record for %s does not match error.schema.json: %s",
                             item.get("url"), problem)
        return item
