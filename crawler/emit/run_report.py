"""What `python -m crawler.run_all` prints: a line per site as it ends, a totals table at the end.

Scrapy's own log (settings, enabled components, stats dumps: hundreds of lines
per site) goes to a log file beside the output, unless the user asked for it
on the console (`-v`) or named a LOG_FILE. The per-site figures come from the
crawl summary (crawler.emit.summary), the same numbers as the
`<feed>.summary.json` files.
"""

from __future__ import annotations

import sys
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, TextIO


def default_log_file(settings: Any) -> str:
    """`<output dir>/run_all-<UTC time>.log`, the output dir being where the feeds go."""
    template = str(settings.get("CRAWLER_OUTPUT") or "output/%(name)s/%(run)s.jsonl")
    prefix = template.split("%(", 1)[0]
    directory = Path(prefix) if prefix.endswith("/") else Path(prefix).parent
    stamp = datetime.now(timezone.utc).strftime("%Y-%m-%dT%H-%M-%SZ")
    return str(directory / f"run_all-{stamp}.log")


@dataclass
class SiteResult:
    site: str
    spider: str
    finish_reason: str = ""
    pages: int = 0
    articles: int = 0
    attachments: int = 0  # attachment records, in the same feed as the articles
    documents: int = 0  # records of documents linked straight from list pages
    errors: int = 0
    errors_by_stage: dict[str, int] = field(default_factory=dict)
    seconds: float | None = None
    feed: str = ""
    verdict: str = ""  # incremental crawls: "2 new, 0 changed, 5 unchanged"
    failure: str = ""  # the crawl itself failed (an exception, not a bad page)

    @property
    def ok(self) -> bool:
        return not self.failure and self.finish_reason == "finished"


def result_of(site: str, spider: str, crawler: Any, failure: str = "") -> SiteResult:
    summary = getattr(crawler, "crawl_summary", None) or {}
    stats = crawler.stats.get_stats() if getattr(crawler, "stats", None) else {}
    return SiteResult(
        site=site,
        spider=spider,
        finish_reason=summary.get("finish_reason") or stats.get("finish_reason") or "",
        pages=summary.get("pages_fetched", 0),
        articles=summary.get("articles_emitted", 0),
        attachments=summary.get("attachments_emitted", 0),
        documents=summary.get("documents_emitted", 0),
        errors=summary.get("errors", 0),
        errors_by_stage=dict(summary.get("errors_by_stage") or {}),
        seconds=summary.get("elapsed_seconds"),
        feed=summary.get("feed") or "",
        verdict=(summary.get("incremental") or {}).get("verdict", ""),
        failure=failure,
    )


def plural(n: int, word: str) -> str:
    return f"{n} {word}{'s' * (n != 1)}"


class RunReport:
    def __init__(self, total_sites: int, log_file: str | None, out: TextIO | None = None):
        self.total = total_sites
        self.log_file = log_file
        self.out = out or sys.stdout
        self.results: list[SiteResult] = []

    def _print(self, text: str) -> None:
        print(text, file=self.out, flush=True)

    def site_done(self, result: SiteResult) -> None:
        self.results.append(result)
        n = len(self.results)
        if result.failure:
            what = f"crawl failed: {result.failure}"
        else:
            what = (", ".join(filter(None, (plural(result.articles, "article"),
                                            result.attachments and plural(result.attachments, "attachment"),
                                            result.documents and plural(result.documents, "document"),
                                            plural(result.errors, "error"), plural(result.pages, "page"))))
                    + (f" in {result.seconds:.1f} s" if result.seconds is not None else "")
                    + (f" ({result.verdict})" if result.verdict else "")
                    + ("" if result.finish_reason == "finished" else f" [{result.finish_reason}]"))
        self._print(f"[{n}/{self.total}] {result.site} ({result.spider}): {what}")

    def totals(self) -> None:
        rows = self.results
        if not rows:
            return
        stages: Counter[str] = Counter()
        for r in rows:
            stages.update(r.errors_by_stage)
        width = max(len("site"), *(len(r.site) for r in rows))
        swidth = max(len("spider"), *(len(r.spider) for r in rows))
        header = (f"{'site':<{width}}  {'spider':<{swidth}}  {'pages':>6}  {'articles':>8}  {'attached':>8}  "
                  f"{'documents':>9}  {'errors':>6}  feed")
        lines = ["", header, "-" * len(header)]
        for r in rows:
            feed = f"crawl failed: {r.failure}" if r.failure else r.feed
            lines.append(f"{r.site:<{width}}  {r.spider:<{swidth}}  {r.pages:>6}  {r.articles:>8}  "
                         f"{r.attachments:>8}  {r.documents:>9}  {r.errors:>6}  {feed}")
        lines.append("-" * len(header))
        failed = [r.site for r in rows if not r.ok]
        lines.append(f"{'total':<{width}}  {str(len(rows)) + ' sites':<{swidth}}  {sum(r.pages for r in rows):>6}  "
                     f"{sum(r.articles for r in rows):>8}  {sum(r.attachments for r in rows):>8}  "
                     f"{sum(r.documents for r in rows):>9}  {sum(r.errors for r in rows):>6}")
        lines.append("errors by stage: " + (", ".join(f"{s} {n}" for s, n in stages.most_common()) or "none"))
        if failed:
            lines.append("not finished: " + ", ".join(failed))
        lines.append("beside each feed: <feed>.errors.jsonl (error records) and <feed>.summary.json")
        if self.log_file:
            lines.append(f"Scrapy's log: {self.log_file}")
        self._print("\n".join(lines))
