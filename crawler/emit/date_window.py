"""`-a since=` / `-a until=` once more, by the cleaned record's `published_at`.

The spiders skip what a list or a URL dates outside the window before fetching
it (crawler/discover/date_window.py); an article nothing dated beforehand is fetched and
cleaned, and when its own date is outside the window it is not emitted: it is
dropped as `OutsideDates`, a named drop of the summary's accounting
(`outside_dates`), counted `articles/outside_dates_after_cleaning`. A record
without a date is kept. Attachments records and error records pass.
"""

from __future__ import annotations

from typing import Any

from scrapy.exceptions import DropItem

from crawler.items import ArticleRecord


class OutsideDates(DropItem):
    """A cleaned article whose published_at is outside -a since/until."""

    def __init__(self, url: str, published_at: str):
        super().__init__(f"published {published_at}, outside -a since/until: {url}", log_level="DEBUG")


class DateWindowPipeline:
    def __init__(self, crawler: Any):
        self.crawler = crawler

    @classmethod
    def from_crawler(cls, crawler: Any) -> "DateWindowPipeline":
        return cls(crawler)

    def process_item(self, item: Any) -> Any:
        window = getattr(self.crawler.spider, "window", None)
        if not window or not isinstance(item, ArticleRecord) or item.get("kind") == "attachment":
            return item
        if window.published_outside(item.get("published_at")):
            self.crawler.stats.inc_value("articles/outside_dates_after_cleaning")
            raise OutsideDates(str(item.get("url")), str(item.get("published_at")))
        return item
