"""`scrapy shell URL|FILE` where the address the user typed is fetched, whatever it is.

The address guard refuses file:// URLs and loopback or private hosts found on
crawled pages; the URL given on the shell's own command line is the user's
choice, like a start URL, so it is allowed (ADDRESS_ALLOW_URLS), and only it.
Nothing is written: no pipelines (errors file), no summary, no feed.
"""

from __future__ import annotations

from typing import Any

from scrapy.commands.shell import Command as ScrapyShell
from scrapy.utils.url import guess_scheme

from crawler.fetch.middlewares.address_guard import split_list


class Command(ScrapyShell):
    def run(self, args: list[str], opts: Any) -> None:
        # Set before Scrapy's shell creates its crawler, which copies the settings.
        self.settings.set("ITEM_PIPELINES", {}, priority="cmdline")
        self.settings.set("SUMMARY_ENABLED", False, priority="cmdline")
        if args:
            allowed = split_list(self.settings.get("ADDRESS_ALLOW_URLS"))
            self.settings.set("ADDRESS_ALLOW_URLS", [*allowed, guess_scheme(args[0])], priority="cmdline")
        super().run(args, opts)
