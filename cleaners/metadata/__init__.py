"""Step 6 of clean_page: title, publication date, source, author, editor, attachments.

Reads the page tree (never modifies it) once (page.collect) and the page's
visible text (block elements on separate lines), then takes each field from
every source the page offers, in a documented order: the site's own
date_format, labelled lines (发布时间, 来源, 作者 ...: Chinese CMSs print their
metadata as text more reliably than as tags), JSON-LD (structured.py), <meta>
conventions, <time>/itemprop, bylines, the URL, htmldate. `Metadata.sources`
records which source gave each value. Never raises: a field that cannot be
read is None.
"""

from __future__ import annotations

from lxml import etree

from dataclasses import dataclass, field
from datetime import datetime, timezone

from ..htmltree import visible_text
from ..record import Attachment
from .attachments import attachments
from .bylines import (AGENCY_RE, CJK_RE, NO_AUTHOR, by_line, element_byline, labelled_fields, meta_author,
                      meta_source, name_line, reporter_byline)
from .page import HEAD_CHARS, TAIL_CHARS, Page, base_url, canonical, collect, root_of, site_name_from_meta
from .published import MAX_TITLE_PLACES, find_title, published_at
from .structured import article_data, read_json_ld
from .title import choose_title, strip_site_suffix

__all__ = ["Metadata", "extract_metadata", "read_json_ld", "strip_site_suffix"]


@dataclass
class Metadata:
    title: str | None = None
    published_at: str | None = None  # ISO 8601 with offset
    source: str | None = None
    author: str | None = None
    editor: str | None = None
    attachments: list[Attachment] = field(default_factory=list)
    canonical_url: str | None = None
    site_name: str | None = None
    sources: dict[str, str] = field(default_factory=dict)  # field -> where its value came from


def extract_metadata(tree, page_text: str, url: str, lang: str | None = None, json_ld: list[str] | None = None,
                     date_format: str | None = None, fetched_at=None) -> Metadata:
    """Metadata of one page; every field None (attachments empty) when the page does not give it.

    `json_ld`: the page's JSON-LD texts when the caller has already dropped the scripts
    from the tree (structured.read_json_ld); read from the tree otherwise.
    `date_format`: a site's strptime format of its date line (the registry's `date_format`).
    `fetched_at`: when the page was fetched (aware datetime or ISO string); relative dates
    ("3小时前", "2 hours ago") are read only against it.
    `Metadata.sources` says where each value came from: json-ld, meta, label (a labelled
    line), byline, time, text (the date under the headline), title-tag, heading, url, date_format,
    modified, htmldate.
    """
    md = Metadata()
    root = root_of(tree)
    page = _guard(collect, root, default=Page()) if root is not None else Page()
    if not page_text and root is not None:
        page_text = _guard(visible_text, root, default="")
    page_text = page_text if isinstance(page_text, str) else ""
    url = url if isinstance(url, str) else ""
    scan = page_text if len(page_text) <= HEAD_CHARS + TAIL_CHARS else (
        page_text[:HEAD_CHARS] + "\n" + page_text[-TAIL_CHARS:])
    if json_ld is None and root is not None:
        json_ld = _guard(read_json_ld, root, default=[])
    structured = _guard(article_data, json_ld, default=None) if json_ld else None
    # Chinese bylines are read on Chinese pages: the detected language, else the page's own characters.
    english = (lang or "").startswith("en") or (lang is None and not CJK_RE.search(scan[:HEAD_CHARS]))

    md.site_name = _guard(site_name_from_meta, page)
    md.title, suffix_site, where = _guard(choose_title, page, scan, md.site_name,
                                          structured.headline if structured else None, default=(None, None, None))
    _note(md, "title", where)
    md.site_name = md.site_name or suffix_site
    fetched = _guard(_fetch_time, fetched_at)
    md.published_at, where = _guard(published_at, page, scan, url, md.title, structured, date_format, root, fetched,
                                    default=(None, None))
    _note(md, "published_at", where)

    fields = _guard(labelled_fields, scan, lang, default={})
    md.source = fields.get("source")
    _note(md, "source", "label")
    if md.source is None:
        md.source = _guard(meta_source, page)
        _note(md, "source", "meta")
    md.editor = fields.get("editor")
    _note(md, "editor", "label")
    md.author = fields.get("author")
    _note(md, "author", "label")
    reporters, agency = None, None
    if not english:
        places = _guard(find_title, scan, md.title, default=[])
        reporters, agency = _guard(reporter_byline, scan, places[0][0] if places else 0, default=(None, None))
    if md.source is None and agency:
        md.source = agency  # "新华社北京1月8日电（记者 王五）"
        _note(md, "source", "byline")
    if md.author is None and "author" not in fields:  # "作者：佚名" says there is none
        md.author, where = _guard(_author, page, scan, md, structured, english, reporters, default=(None, None))
        _note(md, "author", where)
    base = _guard(base_url, page, url, default=url) or url
    md.canonical_url = _guard(canonical, page, base)
    md.attachments = _guard(attachments, page, base, default=[])
    return md


def _author(page: Page, scan: str, md: Metadata, structured, english: bool,
            reporters: str | None) -> tuple[str | None, str | None]:
    """The author when no labelled line names one: JSON-LD people, <meta>, bylines (Chinese reporter
    lines, byline markup, "By …" lines), and last an organisation JSON-LD names as the author."""
    # An agency named as the author ("新华社") is where the report came from: not an author.
    authors = [a for a in (structured.authors if structured else [])
               if a.lower() not in NO_AUTHOR and not AGENCY_RE.fullmatch(a)]
    if authors and not structured.authors_are_organisations:
        return ", ".join(authors[:4]), "json-ld"
    value = _guard(meta_author, page, md.site_name)
    if value:
        return value, "meta"
    if not english and reporters:
        return reporters, "byline"
    places = _guard(find_title, scan, md.title, MAX_TITLE_PLACES, default=[])
    value = _guard(element_byline, page) or (_guard(by_line, scan, places[0][1] if places else 0) if english else None)
    if value:
        return value, "byline"
    if authors:
        return ", ".join(authors[:4]), "json-ld"
    # Last, on Chinese pages: a name alone under the headline (where the article prints it, the
    # last place); on English pages such a line is a product or a section ("Sneakers", "Content").
    value = _guard(name_line, scan, places[-1][1]) if places and not english else None
    return (value, "byline") if value else (None, None)


def _fetch_time(value):
    """An aware datetime from a datetime or an ISO 8601 string ("...Z" allowed), else None."""
    if isinstance(value, str) and value.strip():
        value = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=timezone.utc)
    return None


def _note(md: Metadata, name: str, where: str | None) -> None:
    if getattr(md, name) is not None and where and name not in md.sources:
        md.sources[name] = where


def _guard(fn, *args, default=None):
    # One malformed field (a date out of range, a URL that does not parse) must not
    # cost the page its other fields. Anything else is a bug and surfaces as one.
    try:
        return fn(*args)
    except (ValueError, OverflowError, etree.LxmlError):
        return default
