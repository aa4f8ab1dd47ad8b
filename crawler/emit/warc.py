"""Keep every fetched response in WARC files, so old crawls can be cleaned again.

`WarcWriterMiddleware` (a downloader middleware) writes each response, with
its request, to `<feed stem>.warc.gz` beside the JSONL feed (or in WARC_DIR),
one gzip member per WARC record (warcio). The body is stored as the crawler
received it after transfer and content decoding, so the headers written say
so (no Content-Encoding / Transfer-Encoding, Content-Length of the body).
Each response record also carries what the cleaner needs to redo its work
offline: the site, its site type and content XPath, what kind of page it was
(list / article / article_part) and, for a later page of a split article, the
first page's URL (`WARC-X-*` fields). A response served from saved files
(REPLAY_DIR) rather than the network says so (`WARC-X-Replayed-From`).

Every file opens with a `warcinfo` record: the software, the crawl id, the
spider and its sites, the operator's contact, the User-Agent, the robots.txt
policy, and for a replay the directory the responses came from.

`WarcPointerPipeline` puts `warc: {"file", "offset", "length"}` in each record:
where the response record of the article's (first) page starts in which file
and how many bytes it spans. The generic and mirror spiders learn that a page
is an article only after it was written (kind `page`): when its record comes
out, a `metadata` record referring to the response (`WARC-Refers-To`) says
`WARC-X-Page-Kind: article`, so a reclean finds it. `python -m crawler.reclean FILE.warc.gz` turns a
file back into records without the network.

Settings: WARC_ENABLED (default False), WARC_DIR (default: beside the feed),
WARC_MAX_SIZE (bytes per file before the next one is started; default 1 GiB).
"""

from __future__ import annotations

import logging
from collections import OrderedDict
from io import BytesIO
from pathlib import Path
from typing import Any

from scrapy import signals
from scrapy.exceptions import NotConfigured
from scrapy.http import Request, Response
from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

from cleaners.headers import header_text
from crawler.emit.feeds import main_feed_path
from crawler.items import ArticleRecord

logger = logging.getLogger(__name__)

# Headers that describe the transfer, not the body as stored.
TRANSFER_HEADERS = {"content-encoding", "transfer-encoding", "content-length", "connection", "keep-alive"}

FIELD_SITE = "WARC-X-Site"
FIELD_SITE_TYPE = "WARC-X-Site-Type"
FIELD_CONTENT_XPATH = "WARC-X-Content-XPath"
FIELD_KIND = "WARC-X-Page-Kind"
FIELD_PART_OF = "WARC-X-Part-Of"
FIELD_REQUESTED_URL = "WARC-X-Requested-URL"
FIELD_REPLAYED_FROM = "WARC-X-Replayed-From"
# Responses whose location is kept for the record that may follow: articles, documents
# (attachments and a list's entries), and the generic spider's pages (an article or not,
# decided after the write). Bounded: a page that never becomes a record is forgotten
# once this many came after it.
POINTED_KINDS = ("article", "page", "attachment", "document")
MAX_PENDING_LOCATIONS = 10_000


def warcinfo_fields(settings: Any, spider: Any) -> dict[str, str]:
    """What the warcinfo record that opens each file says about the crawl."""
    import scrapy

    from crawler import PROJECT_NAME, PROJECT_VERSION

    info = {
        "software": f"{PROJECT_NAME}/{PROJECT_VERSION} (Scrapy {scrapy.__version__}, warcio)",
        "format": "WARC File Format 1.0",
        "isPartOf": getattr(spider, "crawl_id", "") or "",
        "spider": getattr(spider, "name", "") or "",
        "sites": ", ".join(sorted(getattr(spider, "sites", {}) or {})),
        "operator": str(settings.get("CRAWLER_CONTACT") or ""),
        "http-header-user-agent": str(settings.get("USER_AGENT") or ""),
        "robots": "obey" if settings.getbool("ROBOTSTXT_OBEY") else "ignore",
    }
    if settings.get("REPLAY_DIR"):
        info["replay"] = f"responses served from the saved files in {settings.get('REPLAY_DIR')}, not fetched"
    return {k: v for k, v in info.items() if v}
FIELD_ATTACHMENT_OF = "WARC-X-Attachment-Of"  # an attachment's response: the id of the article linking it
FIELD_LIST_URL = "WARC-X-List-URL"  # a document a list linked as an entry (kind `document`): that list page
FIELD_LIST_TITLE = "WARC-X-List-Title"  # ... the entry's title as the list shows it
FIELD_LIST_DATE = "WARC-X-List-Date"  # ... and the date beside it, as written there


def warc_path_for(settings: Any, spider: Any) -> Path:
    feed = main_feed_path(settings, spider)
    stem = feed.name
    for ext in (".jsonl", ".jl", ".json"):
        if stem.endswith(ext):
            stem = stem[: -len(ext)]
            break
    directory = Path(settings.get("WARC_DIR") or feed.parent)
    return directory / f"{stem}.warc.gz"


def _http_headers(response: Response) -> list[tuple[str, str]]:
    out = []
    for key, values in response.headers.items():
        name = header_text(key)
        if name.lower() in TRANSFER_HEADERS:
            continue
        for value in values:
            out.append((name, header_text(value)))
    out.append(("Content-Length", str(len(response.body))))
    return out


def _status_line(response: Response) -> str:
    from http import HTTPStatus

    try:
        reason = HTTPStatus(response.status).phrase
    except ValueError:
        reason = ""
    return f"{response.status} {reason}".strip()


class WarcFile:
    """An append-only .warc.gz that rolls over to a new file past max_size."""

    def __init__(self, path: Path, max_size: int, info: dict[str, str] | None = None):
        self.base = path
        self.max_size = max_size
        self.info = info or {}
        self.serial = 0
        self.fh = None
        self.path = path

    def _open(self) -> None:
        self.path = self.base if self.serial == 0 else self.base.with_name(
            self.base.name.replace(".warc.gz", f"-{self.serial:05d}.warc.gz"))
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.fh = open(self.path, "ab")
        self.writer = WARCWriter(self.fh, gzip=True)
        if self.fh.tell() == 0:  # a new file opens with its warcinfo record
            self.writer.write_record(self.writer.create_warcinfo_record(self.path.name, self.info))

    def write(self, records: list) -> tuple[str, int, int]:
        """Write records; return (file, offset, length) of the first."""
        if self.fh is None:
            self._open()
        elif self.fh.tell() >= self.max_size:
            self.fh.close()
            self.serial += 1
            self._open()
        first = None
        for record in records:
            offset = self.fh.tell()
            self.writer.write_record(record)
            if first is None:
                first = (str(self.path), offset, self.fh.tell() - offset)
        self.fh.flush()
        return first

    def close(self) -> None:
        if self.fh is not None:
            self.fh.close()
            self.fh = None


class WarcWriterMiddleware:
    def __init__(self, crawler: Any):
        settings = crawler.settings
        if not settings.getbool("WARC_ENABLED", False):
            raise NotConfigured  # off by default: no warning
        self.crawler = crawler
        self.stats = crawler.stats
        self.max_size = settings.getint("WARC_MAX_SIZE", 1024 ** 3)
        self.file: WarcFile | None = None
        # final URL -> where its response record is; read (and forgotten) by the pipeline
        self.locations: OrderedDict[str, dict[str, Any]] = OrderedDict()
        crawler.warc_writer = self

    @classmethod
    def from_crawler(cls, crawler: Any) -> "WarcWriterMiddleware":
        mw = cls(crawler)
        crawler.signals.connect(mw.spider_closed, signal=signals.spider_closed)
        return mw

    def process_response(self, request: Request, response: Response) -> Response:
        spider = self.crawler.spider
        if self.file is None:
            self.file = WarcFile(warc_path_for(self.crawler.settings, spider), self.max_size,
                                 warcinfo_fields(self.crawler.settings, spider))
            logger.info("raw responses go to %s", self.file.base)
        meta = request.meta
        fields = {FIELD_KIND: meta.get("kind") or "other"}
        site = getattr(spider, "sites", {}).get(meta.get("site"))
        if site is not None:
            fields[FIELD_SITE] = site.name
            fields[FIELD_SITE_TYPE] = site.site_type
            if site.content_xpath:
                fields[FIELD_CONTENT_XPATH] = site.content_xpath
        state = meta.get("article")
        if meta.get("kind") == "article_part" and state is not None:
            fields[FIELD_PART_OF] = state["first"].final_url
        if meta.get("attachment_of"):
            fields[FIELD_ATTACHMENT_OF] = meta["attachment_of"]
        if meta.get("kind") == "document":
            for name, key in ((FIELD_LIST_URL, "list_url"), (FIELD_LIST_TITLE, "list_title"),
                              (FIELD_LIST_DATE, "list_date")):
                if meta.get(key):
                    fields[name] = " ".join(str(meta[key]).split())  # one line: a WARC header
        redirects = meta.get("redirect_urls") or []
        fields[FIELD_REQUESTED_URL] = redirects[0] if redirects else response.url
        if "replay" in response.flags:
            fields[FIELD_REPLAYED_FROM] = str(self.crawler.settings.get("REPLAY_DIR") or "saved files")
        writer = WARCWriter(BytesIO(), gzip=True)  # only builds records here; WarcFile writes them
        http = StatusAndHeaders(_status_line(response), _http_headers(response), protocol="HTTP/1.1")
        resp_rec = writer.create_warc_record(response.url, "response", payload=BytesIO(response.body),
                                             length=len(response.body), http_headers=http,
                                             warc_headers_dict=fields)
        req_headers = [(header_text(k), header_text(v))
                       for k, vs in request.headers.items() for v in vs]
        path = request.url.split("/", 3)[3] if request.url.count("/") >= 3 else ""
        req_http = StatusAndHeaders(f"{request.method} /{path} HTTP/1.1", req_headers, is_http_request=True)
        req_rec = writer.create_warc_record(response.url, "request", http_headers=req_http,
                                            warc_headers_dict={"WARC-Concurrent-To":
                                                               resp_rec.rec_headers.get_header("WARC-Record-ID")})
        try:
            file, offset, length = self.file.write([resp_rec, req_rec])
        except OSError as exc:
            self.stats.inc_value("warc/write_error")
            logger.error("cannot write WARC record for %s: %s", response.url, exc)
            return response
        self.stats.inc_value("warc/responses")
        if fields[FIELD_KIND] in POINTED_KINDS and 200 <= response.status < 300:
            self.locations[response.url] = {"file": file, "offset": offset, "length": length,
                                            "kind": fields[FIELD_KIND],
                                            "record_id": resp_rec.rec_headers.get_header("WARC-Record-ID")}
            while len(self.locations) > MAX_PENDING_LOCATIONS:
                self.locations.popitem(last=False)
        return response

    def location(self, final_url: str | None) -> dict[str, Any] | None:
        """Where the article's response record is: {file, offset, length}."""
        where = self.locations.pop(final_url, None) if final_url else None
        if where is None:
            return None
        if where["kind"] == "page" and self.file is not None:  # a generic page that became a record
            self._mark_article(final_url, where["record_id"])
        return {k: where[k] for k in ("file", "offset", "length")}

    def _mark_article(self, url: str, record_id: str) -> None:
        """A page written as kind `page` turned out to be an article: say so in the WARC."""
        writer = WARCWriter(BytesIO(), gzip=True)
        record = writer.create_warc_record(
            url, "metadata", payload=BytesIO(f"{FIELD_KIND}: article\r\n".encode()),
            warc_headers_dict={"WARC-Refers-To": record_id, FIELD_KIND: "article",
                               "Content-Type": "application/warc-fields"})
        try:
            self.file.write([record])
        except OSError as exc:
            self.stats.inc_value("warc/write_error")
            logger.error("cannot write WARC metadata for %s: %s", url, exc)

    def spider_closed(self, spider: Any) -> None:
        if self.file is not None:
            self.file.close()


class WarcPointerPipeline:
    """Adds `warc` (file, offset, length of the response record) to article records."""

    def __init__(self, crawler: Any):
        if not crawler.settings.getbool("WARC_ENABLED", False):
            raise NotConfigured  # off by default: no warning
        self.crawler = crawler
        self.stats = crawler.stats

    @classmethod
    def from_crawler(cls, crawler: Any) -> "WarcPointerPipeline":
        return cls(crawler)

    def process_item(self, item: Any) -> Any:
        if not isinstance(item, ArticleRecord):
            return item
        writer = getattr(self.crawler, "warc_writer", None)
        where = writer.location(item.get("final_url")) if writer is not None else None
        if where is None:
            self.stats.inc_value("warc/record_without_response")
        item["warc"] = where
        return item
