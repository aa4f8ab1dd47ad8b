"""An article's attachments, fetched and read: each becomes a record of its own, linked both ways.

After cleaning, for an article of a site with attachments on, every entry of
`attachments` is fetched through the engine (so the downloader's politeness,
robots.txt, the address guard, replay and the WARC writer apply as to pages),
within a size cap per file and per article, and read by
`cleaners.documents.extract_document` in the cleaning processes (CLEAN_WORKERS;
the same pool machinery as pages, so a document that never finishes is cut off
after ATTACHMENTS_READ_TIMEOUT seconds and its process replaced). What comes of it:
- a record of kind "attachment" (`attachment_of` = the article's id), sent
  through the same pipelines as articles (dedup and versioning in the state
  store, validation, the feed), before the article itself;
- or an error record (stage: `fetch`, `http`, `too_large`, `not_a_document`,
  `needs_ocr`, `archive`, `encrypted`, `unsupported`, `document`, `empty`),
  with `kind: "attachment"` and `attachment_of`;
- and in the article's entry: `id`, `status` ("ok" or that stage), `sha256`,
  `bytes`, `content_type`, `format`. The article is emitted whatever its
  attachments did.
An attachment linked from several articles of the run is fetched once: the
later articles' entries point to the same record.

A document a list page links as one of its entries (a notice published as a
bare PDF/DOC/XLS, no article page in between) comes here too, as a DocumentItem
the spider fetched (crawler/spiders/base.py): it is read the same way into an
attachment record without `attachment_of`, with `list_url` (the list page), the
entry's title and its date as `published_at`; or it becomes an error record
with the same stages (`kind: "attachment"`, `list_url`). Read whatever
ATTACHMENTS_ENABLED says: it is a record of the list, not an article's extra.
A URL or bytes already read this run (as an article's attachment or another
entry) is a named drop, `document_already_read`: one document, one record.

Settings (per site: `attachments = true/false` in sites.toml):
- ATTACHMENTS_ENABLED (True): off = attachments are listed, never fetched;
- ATTACHMENTS_SITE_TYPES: the site types fetched by default (the official ones);
- ATTACHMENTS_MAX_FILE_BYTES (20 MiB), ATTACHMENTS_MAX_ARTICLE_BYTES (50 MiB),
  ATTACHMENTS_MAX_PER_ARTICLE (20): past a limit, entries say `too_large` or
  `skipped_limit`;
- ATTACHMENTS_READ_TIMEOUT (120 s, 0 = none): reading one document (stage `timeout`).
"""

from __future__ import annotations

import asyncio
import logging
import os
from functools import partial
from typing import Any
from urllib.parse import urlsplit

from scrapy import Request
from scrapy.exceptions import IgnoreRequest

from scrapy.exceptions import DropItem

from crawler.items import ArticleRecord, DocumentItem, ErrorRecord, PagePart
from crawler.emit.provenance import decode_headers, http_block, utc_now_iso

logger = logging.getLogger(__name__)

OFFICIAL_SITE_TYPES = ("provincial_portal", "quality_education", "university_party")


def read_document(job: tuple, timeout: float = 0.0) -> dict[str, Any]:
    """(body, url, headers, title) -> the document record's dict, or {"__error__": (stage, reason)}.
    Runs in a cleaning process (or in the crawler's, with CLEAN_WORKERS=0): plain values in and out."""
    from cleaners.documents import extract_document
    from cleaners.errors import CleanError
    from crawler.clean.timeout import time_limit

    body, url, headers, title = job
    try:
        with time_limit(timeout, url):
            return extract_document(body, url, headers, title).to_dict()
    except CleanError as exc:
        return {"__error__": (exc.stage, exc.reason)}
    except Exception as exc:  # a bug in a reader: reported with its traceback, the crawl goes on
        logger.exception("reading attachment %s crashed", url)
        return {"__error__": ("document", f"unexpected {type(exc).__name__}: {exc}"[:300])}


def reader_died(job: tuple, exc: BaseException) -> dict[str, Any]:
    if isinstance(exc, TimeoutError):
        return {"__error__": ("timeout", "reading the document did not finish (process replaced)")}
    return {"__error__": ("document", f"the reading process died: {type(exc).__name__}"[:300])}


def over_size_cap(exc: BaseException) -> bool:
    """A download Scrapy cut off at its `download_maxsize`: the file is over the cap (`too_large`)."""
    return "maxsize" in str(exc) or "larger than" in str(exc)


class AttachmentRecord(ArticleRecord):
    """A document's record (`kind: "attachment"`); an ArticleRecord so the store, dedup and feed treat it alike."""


class DocumentAlreadyRead(DropItem):
    """A list's document whose URL or bytes were already read this run: its one record exists."""

    def __init__(self, url: str, record_id: str | None):
        super().__init__(f"document already read this run (record {record_id}): {url}", log_level="DEBUG")


class AttachmentPipeline:
    def __init__(self, crawler: Any):
        settings = crawler.settings
        self.crawler = crawler
        self.stats = crawler.stats
        self.enabled = settings.getbool("ATTACHMENTS_ENABLED", True)
        self.site_types = set(settings.getlist("ATTACHMENTS_SITE_TYPES", list(OFFICIAL_SITE_TYPES)))
        self.max_file = settings.getint("ATTACHMENTS_MAX_FILE_BYTES", 20 * 1024 * 1024)
        self.max_article = settings.getint("ATTACHMENTS_MAX_ARTICLE_BYTES", 50 * 1024 * 1024)
        self.max_count = settings.getint("ATTACHMENTS_MAX_PER_ARTICLE", 20)
        self.timeout = settings.getfloat("ATTACHMENTS_READ_TIMEOUT", 120)
        self.workers = settings.getint("CLEAN_WORKERS", os.cpu_count() or 1)
        self.pool = None  # started with the first document: crawls without attachments pay nothing
        # URL -> the entry fields it got this run (a future while it is being fetched), so an
        # attachment linked from several articles is fetched and emitted once.
        self.done: dict[str, asyncio.Future] = {}
        self.by_sha256: dict[str, dict[str, Any]] = {}  # the same bytes under another URL: one document

    @classmethod
    def from_crawler(cls, crawler: Any) -> "AttachmentPipeline":
        return cls(crawler)

    def open_spider(self) -> None:
        if self.workers > 0:  # lists' documents are read even with ATTACHMENTS_ENABLED off
            from crawler.clean.pool import CleaningPool  # lazy: its processes start on first use

            self.pool = CleaningPool(partial(read_document, timeout=self.timeout), self.workers,
                                     on_broken=reader_died,
                                     hard_timeout=2 * self.timeout + 10 if self.timeout else 0)

    def close_spider(self) -> None:
        if self.pool is not None:
            self.pool.close()

    async def extract(self, part: PagePart, title: str | None) -> dict[str, Any]:
        job = (part.body, part.final_url, part.headers, title)
        if self.pool is not None:
            return await self.pool.run(job)
        return read_document(job, self.timeout)

    def wanted(self, item: ArticleRecord) -> bool:
        if not self.enabled:
            return False
        registry = getattr(self.crawler.spider, "registry", None)
        site = None
        if registry is not None and item.get("site"):
            try:
                site = registry.get(item["site"])
            except (KeyError, LookupError, ValueError):
                site = None
        if site is not None and site.attachments is not None:
            return site.attachments
        return item.get("site_type") in self.site_types

    async def process_item(self, item: Any) -> Any:
        if isinstance(item, DocumentItem):
            return await self.list_document(item)
        if type(item) is not ArticleRecord or not item.get("attachments"):
            return item
        if not self.wanted(item):
            return item
        budget = self.max_article
        for n, entry in enumerate(item["attachments"]):
            url = entry.get("url") or ""
            if url in self.done:
                entry.update(await asyncio.shield(self.done[url]))
                self.stats.inc_value("attachments/already_fetched")
                continue
            if n >= self.max_count:
                entry["status"] = "skipped_limit"
                self.stats.inc_value("attachments/skipped_limit")
                continue
            if budget <= 0:
                entry["status"] = "skipped_limit"
                self.stats.inc_value("attachments/skipped_limit")
                continue
            self.done[url] = future = asyncio.get_running_loop().create_future()
            fields: dict[str, Any] = {"status": "fetch"}
            try:
                fields = await self.fetch_one(item, entry, min(self.max_file, budget))
            finally:
                future.set_result(fields)
            budget -= fields.get("bytes") or 0
            entry.update(fields)
        return item

    async def fetch_one(self, article: ArticleRecord, entry: dict, cap: int) -> dict[str, Any]:
        url = entry["url"]
        if urlsplit(url).scheme.lower() not in ("http", "https"):  # ftp:, file:, mailto: are never fetched
            return await self.fail(article, entry, "refused", "not an http(s) URL")
        # never rendered, even on a site that needs the browser for its pages: a document
        # is downloaded as it is (Chromium would show its viewer, not the bytes)
        request = Request(url, meta={"download_maxsize": cap, "attachment_of": article.get("id"),
                                     "kind": "attachment", "site": article.get("site"),
                                     "dont_merge_cookies": True, "playwright": False},
                          headers={"Referer": article.get("final_url") or article.get("url")},
                          dont_filter=True, priority=10)
        self.stats.inc_value("attachments/requested")
        try:
            response = await self.crawler.engine.download_async(request)
        except IgnoreRequest as exc:
            return await self.fail(article, entry, "refused", f"not fetched: {exc or type(exc).__name__}"[:300])
        except Exception as exc:  # timeouts, resets, a body over the cap: the download failed
            stage = "too_large" if over_size_cap(exc) else "fetch"
            return await self.fail(article, entry, stage, f"{type(exc).__name__}: {exc}"[:300])
        self.stats.inc_value("pages/attachment")
        part = PagePart(url=url, final_url=response.url, status=response.status,
                        headers=decode_headers(response), body=response.body,
                        redirect_urls=list(response.request.meta.get("redirect_urls", [])) if response.request else [],
                        fetched_at=utc_now_iso())
        if response.status == 304:
            self.stats.inc_value("attachments/not_modified")
            return {"status": "not_modified", "id": _id_of(url)}  # the record an earlier run emitted
        if response.status != 200:
            return await self.fail(article, entry, "http", f"HTTP {response.status}", part)
        if len(part.body) > cap:  # replayed or chunked answers are not cut by the downloader
            return await self.fail(article, entry, "too_large",
                                   f"{len(part.body)} bytes, over the limit of {cap}", part)
        return await self.read(article, entry, part)

    async def read(self, article: ArticleRecord, entry: dict, part: PagePart) -> dict[str, Any]:
        from cleaners.documents import document_format
        from cleaners.fingerprint import raw_sha256

        basics = {"sha256": raw_sha256(part.body), "bytes": len(part.body), "content_type": part.content_type}
        fmt = document_format(part.body, part.final_url, part.headers, entry.get("title"))
        same = self.by_sha256.get(basics["sha256"])
        if same is not None:  # already read this run from another URL: point to that record
            self.stats.inc_value("attachments/same_bytes")
            return {**basics, **same}
        if fmt is None:
            return await self.fail(article, entry, "not_a_document",
                                   f"the answer is no document ({part.content_type or 'no Content-Type'})",
                                   part, basics)
        read = await self.extract(part, entry.get("title"))
        if "__error__" in read:
            stage, reason = read["__error__"]
            return await self.fail(article, entry, stage, reason, part, {**basics, "format": fmt})
        record = self.record_of(read, part, article, attachment_of=article.get("id"))
        self.by_sha256[basics["sha256"]] = {"id": record["id"], "status": "ok", "format": record["format"]}
        await self.crawler.engine.scraper.start_itemproc_async(record, response=None)
        return {**basics, "id": record["id"], "status": "ok", "format": record["format"]}

    def record_of(self, read: dict[str, Any], part: PagePart, owner: Any, **links: Any) -> AttachmentRecord:
        """The attachment record of a document read from `part`, with the provenance of `owner`
        (the article that links it, or the list entry) and what links it (`attachment_of` or `list_url`)."""
        record = AttachmentRecord(read)
        record.update({
            "id": read["id"] if part.final_url == part.url else _id_of(part.url),
            "url": part.url, "final_url": part.final_url, "redirect_urls": part.redirect_urls,
            **links,
            "site": owner.get("site"), "site_name": owner.get("site_name"),
            "site_type": owner.get("site_type"), "spider": owner.get("spider"),
            "crawl_id": owner.get("crawl_id"), "fetched_at": part.fetched_at, "http": http_block(part),
        })
        self.stats.inc_value(f"attachments/read/{record['format']}")
        return record

    async def list_document(self, item: DocumentItem) -> AttachmentRecord | ErrorRecord:
        """A document a list linked as an entry: its record (to the pipelines after this one), an
        error record, or DocumentAlreadyRead when this run has its record already."""
        part = item.page
        url = part.url
        if url in self.done:  # an article's attachment, or another list's entry, read it already
            fields = await asyncio.shield(self.done[url])
            self.stats.inc_value("documents/already_read")
            raise DocumentAlreadyRead(url, fields.get("id"))
        self.done[url] = future = asyncio.get_running_loop().create_future()
        fields: dict[str, Any] = {"status": "document"}
        try:
            out, fields = await self.read_list_document(item)
        finally:
            future.set_result(fields)
        if out is None:  # the same bytes under another URL: one document, one record
            self.stats.inc_value("documents/already_read")
            raise DocumentAlreadyRead(url, fields.get("id"))
        if isinstance(out, AttachmentRecord):
            self.stats.inc_value("documents/read")
        return out

    async def read_list_document(self, item: DocumentItem) -> tuple[Any, dict[str, Any]]:
        """(the record, an error record or None when its bytes were read already, and the
        fields an article's entry for the same URL gets)."""
        from cleaners.documents import document_format
        from cleaners.fingerprint import raw_sha256

        part = item.page
        url = part.url
        owner = {"site": item.site, "site_name": item.site_name, "site_type": item.site_type,
                 "spider": item.spider, "crawl_id": item.crawl_id, "list_url": item.list_url}
        basics = {"sha256": raw_sha256(part.body), "bytes": len(part.body), "content_type": part.content_type}

        def failed(stage: str, reason: str, fmt: str | None = None) -> tuple[ErrorRecord, dict[str, Any]]:
            self.stats.inc_value(f"documents/failed/{stage}")
            logger.warning("document %s of list %s: %s (%s)", url, item.list_url, reason, stage)
            err = ErrorRecord(error=stage, reason=reason, url=url, kind="attachment", **owner,
                              final_url=part.final_url, fetched_at=part.fetched_at, http=http_block(part),
                              raw_sha256=basics["sha256"])
            return err, {**basics, "status": stage, **({"format": fmt} if fmt else {})}

        if len(part.body) > self.max_file:  # replayed or chunked answers are not cut by the downloader
            return failed("too_large", f"{len(part.body)} bytes, over the limit of {self.max_file}")
        same = self.by_sha256.get(basics["sha256"])
        if same is not None:
            return None, {**basics, **same}
        fmt = document_format(part.body, part.final_url, part.headers, item.title)
        if fmt is None:
            return failed("not_a_document", f"the answer is no document ({part.content_type or 'no Content-Type'})")
        read = await self.extract(part, item.title)
        if "__error__" in read:
            stage, reason = read["__error__"]
            return failed(stage, reason, fmt)
        record = self.record_of(read, part, owner, list_url=item.list_url)
        published = entry_published_at(item.list_date, url)
        if published is not None:
            record["published_at"] = published
        self.by_sha256[basics["sha256"]] = {"id": record["id"], "status": "ok", "format": record["format"]}
        return record, {**basics, "id": record["id"], "status": "ok", "format": record["format"]}

    async def fail(self, article: ArticleRecord, entry: dict, stage: str, reason: str,
                   part: PagePart | None = None, fields: dict | None = None) -> dict[str, Any]:
        self.stats.inc_value(f"attachments/failed/{stage}")
        logger.warning("attachment %s of %s: %s (%s)", entry.get("url"), article.get("url"), reason, stage)
        err = ErrorRecord(error=stage, reason=reason, url=entry.get("url"), kind="attachment",
                          attachment_of=article.get("id"), site=article.get("site"),
                          site_type=article.get("site_type"), spider=article.get("spider"),
                          crawl_id=article.get("crawl_id"))
        if part is not None:
            err.update(final_url=part.final_url, fetched_at=part.fetched_at, http=http_block(part),
                       raw_sha256=(fields or {}).get("sha256"))
        await self.crawler.engine.scraper.start_itemproc_async(err, response=None)
        return {**(fields or {}), "status": stage}


def entry_published_at(list_date: str | None, url: str) -> str | None:
    """A list document's date: the one its list gives the entry, else the one in its URL
    (/2025/03/10/); a bare document has no other (the two the date window judged it by)."""
    from cleaners.dates import date_from_url, parse_date, to_iso

    published = (parse_date(list_date.strip()) if list_date else None) or date_from_url(url)
    return to_iso(published) if published is not None else None


def _id_of(url: str) -> str:
    from cleaners.fingerprint import record_id

    return record_id(url)
