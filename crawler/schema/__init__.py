"""The crawler's record schemas: the cleaner's (cleaners/schema/) extended with its provenance.

crawl-record, crawl-attachment and crawl-error.schema.json refer to the cleaner's
schemas by `$ref` to their `$defs`; a validator is built over both directories
(cleaners.validation), read as package data, so they are found inside an egg too.
"""

from __future__ import annotations

from importlib import resources

from cleaners import validation

SCHEMA_DIR = resources.files(__name__)
# The cleaner's schemas first, the crawler's extending them.
SCHEMA_DIRS = (validation.SCHEMA_DIR, SCHEMA_DIR)


def validator(name: str):
    """`crawl-record`, `crawl-attachment`, `crawl-error` (or a cleaner's schema by its name)."""
    return validation.validator(name, SCHEMA_DIRS)


def validation_errors(record: dict, name: str) -> list[str]:
    return validation.validation_errors(record, name, SCHEMA_DIRS)


def record_fields() -> dict:
    """The fields of a crawl record and their JSON Schemas, in order: the feed's columns."""
    return validation.record_fields("crawl-record", SCHEMA_DIRS)
