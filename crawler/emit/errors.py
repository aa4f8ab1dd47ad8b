"""Error records go to their own JSONL file beside the feed, never into it.

The file is `<feed>.errors.jsonl` beside the first local feed (the default
output/<spider>/<run>.jsonl, or whatever `-o`/`-O` named), or the path in the
ERRORS_URI setting. Each error record is written, counted by stage
(`errors_written/<stage>`), then dropped from the article feed with
`ErrorRecorded`, a DropItem logged at DEBUG level.
"""

from __future__ import annotations

import json
import logging
from pathlib import Path
from typing import Any

from scrapy.exceptions import DropItem

from crawler.emit.feeds import ERRORS_SUFFIX, beside_feed, local_feeds
from crawler.items import ErrorRecord

logger = logging.getLogger(__name__)


class ErrorRecorded(DropItem):
    """An error record: written to the errors file, kept out of the article feed."""

    def __init__(self, record: dict):
        self.record = record
        super().__init__(
            f"error record ({record.get('error')}: {record.get('reason')}) for {record.get('url')}",
            log_level="DEBUG",
        )


class ErrorRecordPipeline:
    def __init__(self, crawler):
        self.crawler = crawler
        self.stats = crawler.stats
        self.path: Path | None = None
        self.fh = None

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler)

    def open_spider(self) -> None:
        spider = self.crawler.spider
        self.path = beside_feed(self.crawler.settings, spider, ERRORS_SUFFIX, "ERRORS_URI")
        self.path.parent.mkdir(parents=True, exist_ok=True)
        # Appended like the feed it stands beside (-o, the default feeds), rewritten only
        # with it (-O): a second run must not erase the first run's error records.
        feeds = local_feeds(self.crawler.settings, spider)
        overwrite = bool(feeds) and feeds[0][1]
        self.fh = open(self.path, "w" if overwrite else "a", encoding="utf-8")
        spider.errors_path = str(self.path)
        logger.info("error records go to %s", self.path)

    def close_spider(self) -> None:
        if self.fh is not None:
            self.fh.close()
            self.fh = None

    def process_item(self, item: Any) -> Any:
        if not isinstance(item, ErrorRecord):
            return item
        self.fh.write(json.dumps(dict(item), ensure_ascii=False, default=str) + "\n")
        self.fh.flush()
        self.stats.inc_value(f"errors_written/{item.get('error')}")
        raise ErrorRecorded(item)
