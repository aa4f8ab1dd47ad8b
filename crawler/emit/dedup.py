"""New, changed, unchanged, duplicate: what a record is, against the state store.

For each clean record the store decides, atomically (crawler/emit/state/store.py):
- new: first time this article id is seen -> emitted with `version` 1;
- changed: the cleaned content's hash differs from the last emitted version ->
  emitted with `version` + 1 and `previous_content_sha256`;
- unchanged: same hash as last time -> not emitted, counted (`state/unchanged`);
- in flight: another live run holds this article right now -> not emitted here;
- duplicate: the same content (content hash) or nearly the same (simhash
  within DEDUP_NEAR_DISTANCE bits) was first seen under another id -> emitted
  with `dup_of` = that record's id; a copy from a mirror site (site_type
  "mirror", or a spam score of DEDUP_MIRROR_SPAM_SCORE or more) also gets
  `mirror_of`, and keeps its `spam` signals. An official copy is never marked a
  duplicate of a mirror: it becomes the original later copies point to.

Nothing is dropped silently: duplicates are marked, and dropped from the feed
only with DEDUP_DROP_DUPLICATES (counted, `DuplicateDropped`). A record the
store cannot decide on (StoreUnavailable: its Redis gone for longer than its
outage bound) becomes an error record with stage `state`.

Settings: STATE_ENABLED (the pipeline needs the store), DEDUP_ENABLED (True),
DEDUP_DROP_DUPLICATES (False), DEDUP_NEAR_DISTANCE (3), DEDUP_MIRROR_SPAM_SCORE (0.5).
"""

from __future__ import annotations

import logging
from typing import Any

from scrapy.exceptions import DropItem, NotConfigured

from crawler.items import ArticleRecord, ErrorRecord
from crawler.emit.provenance import utc_now_iso
from crawler.emit.state.runtime import state_for
from crawler.emit.state.store import StoreUnavailable

logger = logging.getLogger(__name__)


class Unchanged(DropItem):
    """Same content as the last emitted version: not emitted again."""

    def __init__(self, record: dict):
        super().__init__(f"unchanged since version {record.get('version')}: {record.get('url')}",
                         log_level="DEBUG")


class InFlight(DropItem):
    """Another live run is emitting this article right now."""

    def __init__(self, record: dict):
        super().__init__(f"being emitted by another run: {record.get('url')}", log_level="DEBUG")


class DuplicateDropped(DropItem):
    """A marked duplicate, dropped because DEDUP_DROP_DUPLICATES is on."""

    def __init__(self, record: dict):
        super().__init__(f"duplicate of {record.get('dup_of')}: {record.get('url')}", log_level="DEBUG")


def is_mirror_like(record: dict, spam_threshold: float) -> bool:
    if record.get("site_type") == "mirror":
        return True
    spam = record.get("spam") or {}
    try:
        return float(spam.get("score") or 0) >= spam_threshold
    except (TypeError, ValueError):
        return False


# What an error record keeps of the article it replaces (the error schema's provenance).
ERROR_PROVENANCE = ("url", "final_url", "site", "site_type", "spider", "crawl_id", "fetched_at", "http",
                    "raw_sha256", "cleaner_version", "id")


def store_error(item: dict, reason: str) -> ErrorRecord:
    """The error record of an article the state store could not decide on."""
    rec = ErrorRecord(error="state", reason=reason[:500])
    rec.update({k: item.get(k) for k in ERROR_PROVENANCE})
    return rec


class DedupPipeline:
    def __init__(self, crawler: Any):
        settings = crawler.settings
        if not settings.getbool("DEDUP_ENABLED", True):
            raise NotConfigured("DEDUP_ENABLED is off")
        self.state = state_for(crawler)
        if self.state is None:
            raise NotConfigured  # off by default: no warning
        self.stats = crawler.stats
        self.drop_duplicates = settings.getbool("DEDUP_DROP_DUPLICATES", False)

    @classmethod
    def from_crawler(cls, crawler: Any) -> "DedupPipeline":
        return cls(crawler)

    def process_item(self, item: Any) -> Any:
        if not isinstance(item, ArticleRecord) or not item.get("content_sha256") or not item.get("id"):
            return item
        state = self.state
        mirror_like = is_mirror_like(item, state.mirror_spam_score)
        try:
            decision = state.store.claim(dict(item), state.run_id, mirror_like, state.near_distance)
        except StoreUnavailable as exc:
            logger.error("%s: %s", item.get("url"), exc)
            return store_error(item, str(exc))
        self.stats.inc_value(f"state/{decision.outcome}")
        if decision.outcome == "unchanged":
            state.store.touch(item.get("url"), item.get("fetched_at") or utc_now_iso())
            raise Unchanged({**item, "version": decision.version})
        if decision.outcome == "in_flight":
            raise InFlight(item)
        item["version"] = decision.version
        item["previous_content_sha256"] = decision.previous_content_sha256
        item["dup_of"] = decision.dup_of
        item["mirror_of"] = decision.mirror_of
        if decision.dup_of:
            self.stats.inc_value("state/duplicate")
            self.stats.inc_value(f"state/duplicate_{decision.dup_kind}")
            if decision.mirror_of:
                self.stats.inc_value("state/mirror_copy")
            logger.info("%s is a %s duplicate of %s%s", item.get("url"), decision.dup_kind, decision.dup_of,
                        " (mirror copy)" if decision.mirror_of else "")
            if self.drop_duplicates:
                # Recorded as seen, so the next run does not offer it again.
                state.store.commit(dict(item), utc_now_iso())
                self.stats.inc_value("state/duplicate_dropped")
                raise DuplicateDropped(item)
        return item
