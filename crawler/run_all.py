"""Crawl every registered site in one process: the scheduled job.

    python -m crawler.run_all                           # every site of crawler/sites.toml
    python -m crawler.run_all --group provincial_portal # the sites of one group
    python -m crawler.run_all --site sdjky --site chce  # chosen sites
    python -m crawler.run_all -s REPLAY_DIR=fixtures    # offline, from the saved sites
    python -m crawler.run_all --list                    # what would be crawled, and with which spider

Each site is crawled by its site type's spider (`scrapy crawl <site_type> -a
site=<name>`), all in one Scrapy process (CrawlerProcess), and leaves
`output/<spider>/<run>-<site>.jsonl` with its `.errors.jsonl` and
`.summary.json` beside it. Official sites are crawled first and mirror sites
after them, so that when a mirror copies an article, the official record is the
one seen first and the mirror's copy points to it (`mirror_of`).

A group is a site type (provincial_portal, quality_education, university_party,
mirror, generic), `official` (every site that is not a mirror) or `mirrors`.

The state store is on (STATE_ENABLED=1): a run emits only new and changed
articles (docs/scheduling.md). `-s STATE_ENABLED=0` emits everything, as
`scrapy crawl` does by default; so does an offline replay (REPLAY_DIR) unless
`-s STATE_ENABLED=1` is given too. `-s NAME=VALUE` sets any Scrapy setting.
Exit status: 0 when every crawl finished, 1 when one failed, 2 on bad arguments.

The console shows one line per site as it ends and a totals table (sites,
articles, errors by stage, where the files are: crawler.emit.run_report); Scrapy's
own log goes to `output/run_all-<time>.log`, or to the console with `-v`, or
wherever `-s LOG_FILE=...` says.
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
from pathlib import Path
from typing import Any

logger = logging.getLogger(__name__)

SPIDER_FOR_TYPE = {
    "provincial_portal": "provincial_portal",
    "quality_education": "quality_education",
    "university_party": "university_party",
    "mirror": "mirror",
    "generic": "generic",
}
# One feed per site and run: several crawls of one spider start in the same
# second, and so may two run_all processes (%(run)s is unique per run).
RUN_ALL_OUTPUT = "output/%(name)s/%(run)s-%(site_arg)s.jsonl"


def add_site_choice(parser: argparse.ArgumentParser, setting_help: str) -> None:
    """--group / --site (which sites, as select_sites reads them) and -s NAME=VALUE."""
    choose = parser.add_mutually_exclusive_group()
    choose.add_argument("--group", help="a site type, 'official' or 'mirrors'")
    choose.add_argument("--site", action="append", default=[], help="a registry site (repeatable)")
    parser.add_argument("-s", "--set", action="append", default=[], metavar="NAME=VALUE", help=setting_help)


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m crawler.run_all",
                                     description="Crawl every registered site (or a group) in one process.")
    add_site_choice(parser, setting_help="a Scrapy setting (repeatable)")
    parser.add_argument("--list", action="store_true", help="print the sites and spiders, crawl nothing")
    parser.add_argument("-v", "--verbose", action="store_true",
                        help="Scrapy's log on the console too (by default it goes to a log file beside the output)")
    return parser.parse_args(argv)


def select_sites(registry: Any, group: str | None, names: list[str]) -> list[Any]:
    sites = list(registry.sites.values())
    if names:
        return [registry.get(n) for n in names]
    if not group or group == "all":
        return sites
    if group == "official":
        return [s for s in sites if s.site_type != "mirror"]
    if group in ("mirrors", "mirror"):
        return [s for s in sites if s.site_type == "mirror"]
    chosen = [s for s in sites if s.site_type == group or group in getattr(s, "groups", ())]
    if not chosen:
        raise KeyError(f"no site in group {group!r} (a site type, 'official' or 'mirrors')")
    return chosen


def phases(sites: list[Any]) -> list[list[Any]]:
    """Official sites first, mirrors after (so originals are seen first)."""
    official = [s for s in sites if s.site_type != "mirror"]
    mirrors = [s for s in sites if s.site_type == "mirror"]
    return [p for p in (official, mirrors) if p]


def build_settings(pairs: list[str], verbose: bool = True) -> Any:
    os.environ.setdefault("SCRAPY_SETTINGS_MODULE", "crawler.settings")
    from scrapy.utils.project import get_project_settings

    settings = get_project_settings()
    given = set()
    for pair in pairs:
        name, sep, value = pair.partition("=")
        if not sep or not name:
            raise ValueError(f"-s {pair!r}: expected NAME=VALUE")
        settings.set(name.strip(), value, priority="cmdline")
        given.add(name.strip())
    if "STATE_ENABLED" not in given:
        # A scheduled job is incremental; an offline replay (the demo) emits everything every time.
        settings.set("STATE_ENABLED", not settings.get("REPLAY_DIR"), priority="cmdline")
    if "CRAWLER_OUTPUT" not in given and "FEEDS" not in given:
        settings.set("CRAWLER_OUTPUT", RUN_ALL_OUTPUT, priority="cmdline")
    if not verbose and "LOG_FILE" not in given:
        # One page of console output: Scrapy's dumps (five per site) go to the log file.
        from crawler.emit.run_report import default_log_file

        log_file = default_log_file(settings)
        Path(log_file).parent.mkdir(parents=True, exist_ok=True)
        settings.set("LOG_FILE", log_file, priority="cmdline")
    return settings


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    try:
        settings = build_settings(args.set, verbose=args.verbose or args.list)
        from crawler.discover.registry import Registry

        registry = Registry.load(settings.get("SITES_REGISTRY") or None)
        sites = select_sites(registry, args.group, args.site)
    except (KeyError, ValueError) as exc:
        print(f"run_all: {exc.args[0] if exc.args else exc}", file=sys.stderr)
        return 2
    plan = phases(sites)
    if args.list or not plan:
        for n, phase in enumerate(plan, 1):
            for site in phase:
                print(f"phase {n}: {site.name:<20} {SPIDER_FOR_TYPE[site.site_type]:<18} {' '.join(site.start_urls)}")
        if not plan:
            print("run_all: no sites to crawl", file=sys.stderr)
        return 0 if plan or args.list else 2

    from scrapy.crawler import CrawlerProcess
    from scrapy.utils.reactor import install_reactor
    from twisted.internet import defer

    # The reactor Scrapy wants, installed before anything imports the default one.
    if settings.get("TWISTED_REACTOR"):
        install_reactor(settings["TWISTED_REACTOR"])
    from twisted.internet import reactor

    from crawler.emit.run_report import RunReport, result_of

    process = CrawlerProcess(settings)
    report = RunReport(sum(len(p) for p in plan), settings.get("LOG_FILE") or None)
    failures: list[str] = []
    interrupted: list[bool] = []

    @defer.inlineCallbacks
    def run_phases():
        try:
            for phase in plan:
                if interrupted:
                    break
                crawls = []
                for site in phase:
                    crawler = process.create_crawler(SPIDER_FOR_TYPE[site.site_type])
                    d = process.crawl(crawler, site=site.name)
                    d.addErrback(lambda f, name=site.name: failures.append(f"{name}: {f.getErrorMessage()}")
                                 or f.getErrorMessage())
                    d.addBoth(lambda failure, name=site.name, c=crawler: report.site_done(result_of(
                        name, c.spidercls.name, c, failure if isinstance(failure, str) else "")))
                    crawls.append((site.name, crawler, d))
                yield defer.DeferredList([d for _, _, d in crawls])
                for name, crawler, _ in crawls:
                    reason = crawler.stats.get_value("finish_reason") if crawler.stats else None
                    if reason == "shutdown":
                        interrupted.append(True)
                    logger.info("site %s: %s", name, reason)
        finally:
            if reactor.running:
                reactor.stop()

    reactor.callWhenRunning(run_phases)
    process.start(stop_after_crawl=False)
    report.totals()
    for failure in failures:
        print(f"run_all: crawl failed: {failure}", file=sys.stderr)
    return 1 if failures else 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except BrokenPipeError:  # `--list | head`: stop quietly, as Unix tools do
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        sys.exit(141)
