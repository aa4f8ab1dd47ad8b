"""Clean a WARC file again, into JSONL, without the network.

    python -m crawler.reclean output/provincial_portal/2026-01-01T00-00-00Z.warc.gz -o reclean.jsonl

Every HTML response of the file that was an article page (the crawler's
`WARC-X-Page-Kind: article`; in a WARC from elsewhere, every HTML response) is
run through `cleaners.clean_page`, every attachment (`WARC-X-Page-Kind:
attachment`, or `document`: a list's entry, with its `list_url`, and the entry's
title and date as the list gave them) through `cleaners.documents.extract_document`, with the site type and content XPath recorded
beside it; the later pages of a split article (`WARC-X-Part-Of`) are merged into
their first page as in the crawl. Each record carries the provenance the WARC
holds (url, final_url, site, site_type, fetched_at, http) and `warc` pointing
back to its response record. Pages that fail to clean are reported on stderr
(and with --errors FILE as error records). Without -o the records go to stdout.
"""

from __future__ import annotations

import argparse
import json
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterator

from warcio.archiveiterator import ArchiveIterator

from cleaners.headers import media_type
from crawler.clean.attachments import entry_published_at
from crawler.clean.pipeline import clean_item
from crawler.emit.provenance import http_block
from crawler.fetch.responses import HTML_TYPES, MAYBE_HTML_TYPES, looks_like_html
from crawler.items import PageItem, PagePart
from crawler.emit.warc import (
    FIELD_ATTACHMENT_OF,
    FIELD_CONTENT_XPATH,
    FIELD_KIND,
    FIELD_LIST_DATE,
    FIELD_LIST_TITLE,
    FIELD_LIST_URL,
    FIELD_PART_OF,
    FIELD_REQUESTED_URL,
    FIELD_SITE,
    FIELD_SITE_TYPE,
)


@dataclass
class WarcPage:
    url: str
    requested_url: str
    status: int
    headers: dict[str, str]
    body: bytes
    fetched_at: str
    kind: str | None
    site: str | None
    site_type: str | None
    content_xpath: str | None
    part_of: str | None
    file: str
    offset: int
    length: int
    parts: list["WarcPage"] = field(default_factory=list)
    attachment_of: str | None = None
    list_url: str | None = None  # a document a list linked as an entry
    list_title: str | None = None  # ... its title there
    list_date: str | None = None  # ... and its date there


def articles_marked_later(path: Path) -> set[str]:
    """Response record ids that a later `metadata` record marks as articles (pages
    of the generic and mirror spiders, classified after they were written)."""
    marked = set()
    with open(path, "rb") as fh:
        for record in ArchiveIterator(fh):
            h = record.rec_headers
            if record.rec_type == "metadata" and h.get_header(FIELD_KIND) == "article":
                marked.add(h.get_header("WARC-Refers-To"))
    return marked


def read_pages(path: Path) -> Iterator[WarcPage]:
    """Every response record of the file, in order, with where it lies."""
    marked = articles_marked_later(path)
    with open(path, "rb") as fh:
        it = ArchiveIterator(fh)
        for record in it:
            if record.rec_type != "response" or record.http_headers is None:
                continue
            h = record.rec_headers
            kind = "article" if h.get_header("WARC-Record-ID") in marked else h.get_header(FIELD_KIND)
            headers: dict[str, str] = {}
            for name, value in record.http_headers.headers:
                headers.setdefault(name, value)
            body = record.content_stream().read()
            offset = it.get_record_offset()
            it.read_to_end()  # so the length is known
            status = int((record.http_headers.get_statuscode() or "0"))
            yield WarcPage(
                url=h.get_header("WARC-Target-URI"),
                requested_url=h.get_header(FIELD_REQUESTED_URL) or h.get_header("WARC-Target-URI"),
                status=status, headers=headers, body=body,
                fetched_at=_utc_z(h.get_header("WARC-Date")),
                kind=kind, site=h.get_header(FIELD_SITE),
                site_type=h.get_header(FIELD_SITE_TYPE), content_xpath=h.get_header(FIELD_CONTENT_XPATH),
                part_of=h.get_header(FIELD_PART_OF), file=str(path), offset=offset,
                length=it.get_record_length(), attachment_of=h.get_header(FIELD_ATTACHMENT_OF),
                list_url=h.get_header(FIELD_LIST_URL), list_title=h.get_header(FIELD_LIST_TITLE),
                list_date=h.get_header(FIELD_LIST_DATE),
            )


def _utc_z(date: str | None) -> str:
    if not date:
        return ""
    return date[:19] + "Z"  # WARC/1.1 dates may carry microseconds; records use seconds


# Responses read as documents: an article's attachments, and the documents lists link as entries.
DOCUMENT_KINDS = ("attachment", "document")


def is_html(page: WarcPage) -> bool:
    ctype = media_type(page.headers) or ""  # "": none declared
    return 200 <= page.status < 300 and (ctype in HTML_TYPES or (ctype in MAYBE_HTML_TYPES and looks_like_html(page.body)))


def articles(pages: Iterator[WarcPage]) -> list[WarcPage]:
    """Article pages with their later parts attached, in the order of the file."""
    firsts: dict[str, WarcPage] = {}
    order: list[WarcPage] = []
    crawler_warc = False
    pending_parts: list[WarcPage] = []
    for page in pages:
        if page.kind:
            crawler_warc = True
        if page.kind in DOCUMENT_KINDS and 200 <= page.status < 300:
            order.append(page)
            continue
        if not is_html(page):
            continue
        if page.kind == "article_part" and page.part_of:
            pending_parts.append(page)
        elif page.kind in ("article", None) or not crawler_warc:
            firsts[page.url] = page
            order.append(page)
    for part in pending_parts:
        if part.part_of in firsts:
            firsts[part.part_of].parts.append(part)
    if crawler_warc:
        order = [p for p in order if p.kind in ("article", *DOCUMENT_KINDS)]
    return order


def _part(page: WarcPage) -> PagePart:
    return PagePart(url=page.requested_url, final_url=page.url, status=page.status, headers=page.headers,
                    body=page.body, fetched_at=page.fetched_at)


def clean(page: WarcPage) -> dict[str, Any]:
    """The record of an archived article (through the crawl's own `clean_item`) or
    attachment, with the provenance the WARC holds; an error record when it fails."""
    from cleaners import CleanError
    from cleaners.documents import extract_document

    part = _part(page)
    if page.kind in DOCUMENT_KINDS:
        try:
            record = extract_document(page.body, page.url, page.headers, page.list_title).to_dict()
        except CleanError as exc:
            return _error(page, exc.stage, exc.reason)
        if page.attachment_of:
            record["attachment_of"] = page.attachment_of
        if page.list_url:
            record["list_url"] = page.list_url
            published = entry_published_at(page.list_date, page.requested_url)
            if published is not None:
                record["published_at"] = published
    else:
        # The same cleaning as the crawl's pipeline: the crawl sent it as an article.
        item = PageItem(page=part, site=page.site or "", site_name=None,
                        site_type=page.site_type if page.site_type and page.site_type != "generic" else None,
                        spider="reclean", crawl_id="", content_xpath=page.content_xpath,
                        parts=[_part(p) for p in page.parts])
        record = clean_item(item)
        if "__error__" in record:
            if record.get("__traceback__"):
                sys.stderr.write(f"cleaner bug on {page.url} (please report it):\n{record['__traceback__']}")
            return _error(page, *record["__error__"])
    record.update({
        "url": page.requested_url,
        "final_url": page.url,
        "site": page.site,
        "fetched_at": page.fetched_at,
        "http": http_block(part),
        "warc": {"file": page.file, "offset": page.offset, "length": page.length},
    })
    if page.site_type:
        record["site_type"] = page.site_type
    return record


def _error(page: WarcPage, stage: str, reason: str) -> dict[str, Any]:
    return {"error": stage, "reason": reason, "url": page.requested_url, "final_url": page.url,
            "site": page.site, "site_type": page.site_type, "fetched_at": page.fetched_at}


def reclean(path: Path) -> Iterator[dict[str, Any]]:
    for page in articles(read_pages(path)):
        yield clean(page)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m crawler.reclean", description=__doc__.split("\n\n")[0])
    parser.add_argument("warc", nargs="+", type=Path, help="WARC file(s) written by the crawler (WARC_ENABLED)")
    parser.add_argument("-o", "--output", type=Path, help="JSONL file to write (default: stdout)")
    parser.add_argument("--errors", type=Path, help="JSONL file for the pages that failed to clean")
    args = parser.parse_args(argv)
    out = open(args.output, "w", encoding="utf-8") if args.output else sys.stdout
    errs = open(args.errors, "w", encoding="utf-8") if args.errors else None
    n_ok = n_err = 0
    try:
        for path in args.warc:
            for record in reclean(path):
                line = json.dumps(record, ensure_ascii=False) + "\n"
                if "error" in record:
                    n_err += 1
                    print(f"{record['url']}: {record['reason']} ({record['error']})", file=sys.stderr)
                    if errs:
                        errs.write(line)
                else:
                    n_ok += 1
                    out.write(line)
    finally:
        if args.output:
            out.close()
        if errs:
            errs.close()
    print(f"reclean: {n_ok} records, {n_err} errors", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
