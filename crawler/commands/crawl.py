"""`scrapy crawl`, whose exit status says when the crawl could not finish.

Scrapy exits 0 whatever the reason the spider closed for. A distributed worker
that stops because Redis lost the crawl's data (`redis_data_lost`) or stayed
unreachable past DISTRIBUTED_REDIS_OUTAGE (`redis_unavailable`) has not
finished the crawl, and a scheduler (cron, systemd, Scrapyd) must see it: the
command then exits with INCOMPLETE_EXIT (3). The reason is in the log and in
the summary's `finish_reason`.
"""

from __future__ import annotations

from typing import Any

from scrapy.commands.crawl import Command as ScrapyCrawl

INCOMPLETE_REASONS = frozenset({"redis_data_lost", "redis_unavailable"})
INCOMPLETE_EXIT = 3


class Command(ScrapyCrawl):
    _crawler: Any = None

    def _create_crawler(self, spidercls: Any) -> Any:
        self._crawler = super()._create_crawler(spidercls)
        return self._crawler

    def run(self, args: list[str], opts: Any) -> None:
        super().run(args, opts)
        stats = getattr(self._crawler, "stats", None)
        if self.exitcode == 0 and stats is not None and stats.get_value("finish_reason") in INCOMPLETE_REASONS:
            self.exitcode = INCOMPLETE_EXIT
