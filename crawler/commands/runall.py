"""`scrapy runall`: the same as `python -m crawler.run_all` (every registered site, one process)."""

from __future__ import annotations

from typing import Any

from scrapy.commands import ScrapyCommand


class Command(ScrapyCommand):
    requires_project = True
    requires_crawler_process = False  # run_all makes its own, one crawler per site

    def syntax(self) -> str:
        return "[--group NAME | --site NAME ...] [--list] [-v] [-s NAME=VALUE ...]"

    def short_desc(self) -> str:
        return "Crawl every registered site (or a group) in one process, as a scheduled job"

    def add_options(self, parser: Any) -> None:
        super().add_options(parser)
        parser.add_argument("--group", help="a site type, 'official' or 'mirrors'")
        parser.add_argument("--site", action="append", default=[], help="a registry site (repeatable)")
        parser.add_argument("--list", action="store_true", help="print the sites and spiders, crawl nothing")
        parser.add_argument("-v", "--verbose", action="store_true", help="Scrapy's log on the console too")

    def run(self, args: list[str], opts: Any) -> None:
        from crawler.run_all import main

        argv = [a for pair in opts.set for a in ("-s", pair)]
        if opts.logfile:
            argv += ["-s", f"LOG_FILE={opts.logfile}"]
        if opts.loglevel:
            argv += ["-s", f"LOG_LEVEL={opts.loglevel}"]
        if opts.group:
            argv += ["--group", opts.group]
        for site in opts.site:
            argv += ["--site", site]
        argv += ["--list"] * opts.list + ["-v"] * opts.verbose
        self.exitcode = main(argv)
