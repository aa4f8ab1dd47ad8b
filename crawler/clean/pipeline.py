"""PageItem -> ArticleRecord through `cleaners.clean_page` (and `merge_parts` for
an article split over several pages), or an ErrorRecord when cleaning fails.

Settings:
- CLEAN_ENABLED (default True): False fetches without cleaning (raw-fetch runs,
  benchmarks): pages are counted (`pages/not_cleaned`) and dropped, since a
  page of raw bytes is no record.
- CLEAN_WORKERS (default: one per core): clean in a pool of this many
  processes (crawler/clean/pool.py), so the reactor keeps downloading while
  pages are cleaned; 0 cleans in the crawler's own process.
"""

from __future__ import annotations

import logging
import os
import traceback
from functools import partial
from typing import Any

from scrapy.exceptions import DropItem

from crawler.clean.pool import CleaningPool
from crawler.items import ArticleRecord, DocumentItem, ErrorRecord, PageItem
from crawler.emit.provenance import provenance

logger = logging.getLogger(__name__)


def clean_item(item: PageItem, timeout: float = 0.0) -> dict[str, Any]:
    """Clean every page of the item and merge them. Returns the record dict, or
    {"__error__": (stage, reason)} when cleaning failed; a bug in the cleaner
    (stage `bug`) also brings its "__traceback__", which the crawler's process
    logs once. Runs in a worker process when CLEAN_WORKERS > 0, so it takes and
    returns plain picklable values. `timeout` (CLEAN_TIMEOUT) bounds the whole
    item: see crawler/clean/timeout.py."""
    try:
        from cleaners import CleanError, CleanerBug, clean_page, merge_parts
    except ImportError as exc:  # the library itself is broken: every page fails alike
        return _bug(exc)
    from crawler.clean.timeout import time_limit

    try:
        with time_limit(timeout, item.page.final_url):
            records = []
            for part in [item.page, *item.parts]:
                # The spider sent the page as an article: its decision, not made twice.
                kwargs: dict[str, Any] = {"headers": part.headers, "site_type": item.site_type,
                                          "page_kind": "article"}
                if item.content_xpath:
                    kwargs["content_xpath"] = item.content_xpath
                if item.date_format:
                    kwargs["date_format"] = item.date_format
                if part.fetched_at:
                    kwargs["fetched_at"] = part.fetched_at
                records.append(clean_page(part.body, part.final_url, **kwargs))
            record = merge_parts(records) if len(records) > 1 else records[0]
            return record.to_dict()
    except CleanerBug as exc:
        return {"__error__": (exc.stage, exc.reason), "__traceback__": exc.traceback}
    except CleanError as exc:
        return {"__error__": (exc.stage, exc.reason)}
    except Exception as exc:  # outside clean_page (merging, to_dict): a bug all the same
        return _bug(exc)


def _bug(exc: BaseException) -> dict[str, Any]:
    reason = f"unexpected {type(exc).__name__} in the cleaner: {exc}"[:500]
    return {"__error__": ("bug", reason),
            "__traceback__": "".join(traceback.format_exception(type(exc), exc, exc.__traceback__))}


def worker_died(item: PageItem, exc: BaseException) -> dict[str, Any]:
    """The result for a page whose cleaning process died (killed, out of memory) or hung."""
    if isinstance(exc, TimeoutError):
        logger.error("cleaning %s never finished: its process was replaced", item.page.final_url)
        return {"__error__": ("timeout", "cleaning did not finish (process replaced)")}
    logger.error("cleaning worker died on %s: %s", item.page.final_url, exc)
    return {"__error__": ("clean", f"cleaning worker died: {type(exc).__name__}"[:500])}


def to_record(item: PageItem, cleaned: dict[str, Any]) -> ArticleRecord | ErrorRecord:
    prov = provenance(item)
    if "__error__" in cleaned:
        stage, reason = cleaned["__error__"]
        return error_for(item, stage, reason)
    record = ArticleRecord(cleaned)
    record.update(prov)  # url = the URL asked for; final_url = the one that answered
    if item.site_type:
        record["site_type"] = item.site_type
    return record


def error_for(item: PageItem, stage: str, reason: str) -> ErrorRecord:
    prov = provenance(item)
    rec = ErrorRecord(error=stage, reason=reason)
    rec.update(prov)
    rec["site_type"] = item.site_type
    return rec


class NotCleaned(DropItem):
    """Cleaning is switched off: the page was fetched and counted, there is no record."""

    def __init__(self, url: str):
        super().__init__(f"not cleaned (CLEAN_ENABLED is off): {url}", log_level="DEBUG")


class CleanPipeline:
    def __init__(self, crawler):
        self.enabled = crawler.settings.getbool("CLEAN_ENABLED", True)
        if not self.enabled:
            logger.warning("CLEAN_ENABLED is off: pages are fetched and counted, no records are written")
        self.stats = crawler.stats
        self.workers = crawler.settings.getint("CLEAN_WORKERS", os.cpu_count() or 1)
        self.pool: CleaningPool | None = None
        self.timeout = crawler.settings.getfloat("CLEAN_TIMEOUT", 0)  # seconds per item, 0 = none

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler)

    def open_spider(self) -> None:
        if self.enabled and self.workers > 0:
            # the in-worker limit interrupts Python code; hard_timeout also ends a stuck C call
            self.pool = CleaningPool(partial(clean_item, timeout=self.timeout), self.workers,
                                     on_broken=worker_died, hard_timeout=2 * self.timeout + 10 if self.timeout else 0)

    def close_spider(self) -> None:
        if self.pool is not None:
            self.pool.close()

    async def process_item(self, item: Any) -> Any:
        if not self.enabled and isinstance(item, (PageItem, DocumentItem)):  # a list's document is not read either
            self.stats.inc_value("pages/not_cleaned")
            raise NotCleaned(item.page.url)
        if not isinstance(item, PageItem):
            return item
        if self.pool is not None:
            cleaned = await self.pool.run(item)
        else:
            cleaned = clean_item(item, self.timeout)
        out = to_record(item, cleaned)
        if "__traceback__" in cleaned:  # a bug, not a bad page: the traceback is logged here, once
            logger.error("cleaner bug on %s: %s\n%s", item.page.url, out["reason"], cleaned["__traceback__"])
        if isinstance(out, ErrorRecord):
            self.stats.inc_value(f"errors/{out['error']}")
            logger.warning("cleaning failed for %s: %s (%s)", item.page.url, out["reason"], out["error"])
        else:
            self.stats.inc_value("records/cleaned")
        return out
