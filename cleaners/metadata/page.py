"""One pass over the page tree: what every metadata field reads (meta tags, headings, links, ...).

The tree is read, never modified. Helpers for element text and URLs live here too.
"""

from __future__ import annotations

from lxml import etree

import re
from dataclasses import dataclass, field
from urllib.parse import urljoin, urlsplit

from .. import dates

HEAD_CHARS = 20_000
TAIL_CHARS = 5_000
MAX_HEADING_CANDIDATES = 200
MAX_TITLE_CHARS = 200
MAX_BYLINES = 20
MAX_BYLINE_CHARS = 120
# Markup that names the author: the name itself (rank 0), or a byline box around it (rank 1).
AUTHOR_NAME_CLASS_RE = re.compile(r"(?:^|[-_])(?:author|byline)(?:[-_]+[a-z]+)*[-_]*(?:name|link)$|^(?:author|fn)$",
                                  re.I)
BYLINE_CLASS_RE = re.compile(r"byline|(?<![a-z])author(?![a-z-]*(?:bio|desc|info|avatar|image|img|photo|box|about|"
                             r"title|list|more|social|follow|card|profile))", re.I)
HEADING_TAGS = ("h1", "h2", "h3")
NEVER_TITLE_TAGS = ("html", "body", "ul", "ol", "table", "tbody", "form", "a", "img")
TITLE_CLASS_RE = re.compile(r"title|biaoti|headline|^(?:tit|bt|wzbt|xwbt|btm|tit_?con|art_?tit)$", re.I)
META_SITE_NAMES = ("og:site_name", "sitename", "site_name", "application-name")
SKIP_HREF_RE = re.compile(r"^\s*(?:javascript:|mailto:|tel:|#|data:)", re.I)

SPACE_TAGS = {"br", "p", "div", "td", "th", "li", "tr", "h1", "h2", "h3", "h4", "h5", "h6", "dd", "dt",
              "section", "article", "header", "footer", "table", "ul", "ol", "blockquote", "hr"}


@dataclass
class Page:
    """What one pass over the tree collects."""

    title_tag: str | None = None
    meta: dict[str, list[str]] = field(default_factory=dict)
    headings: list[tuple[str, str]] = field(default_factory=list)  # (kind, text) in document order
    times: list[str] = field(default_factory=list)
    anchors: list[tuple[str, object]] = field(default_factory=list)  # (href, <a> element)
    canonical: str | None = None
    base_href: str | None = None
    bylines: list[tuple[int, str]] = field(default_factory=list)  # (0 named author / 1 byline box, text)


def root_of(tree):
    try:
        if hasattr(tree, "getroot"):
            tree = tree.getroot()
        return tree if tree is not None and hasattr(tree, "iter") else None
    except (AttributeError, ValueError, etree.LxmlError):  # not a tree lxml can walk
        return None


def local(tag) -> str:
    if not isinstance(tag, str):
        return ""
    return tag.rsplit("}", 1)[-1].lower()


def norm(s: str | None) -> str:
    return " ".join(s.split()) if s else ""


def element_text(el, limit: int = 2000) -> str:
    """Text of an element with <br> and block children as spaces, normalised."""
    out: list[str] = []
    size = 0

    def walk(node, depth: int) -> None:
        nonlocal size
        if depth > 40 or size > limit:
            return
        tag = local(node.tag)
        if tag in SPACE_TAGS:
            out.append(" ")
        if tag and node.text:
            out.append(node.text)
            size += len(node.text)
        for child in node:
            walk(child, depth + 1)
            if child.tail:
                out.append(child.tail)
                size += len(child.tail)
        if tag in SPACE_TAGS:
            out.append(" ")

    walk(el, 0)
    return norm("".join(out))


def collect(root) -> Page:
    """One pass over the tree. Per element only dict lookups and substring tests: regexes run
    on the few elements whose class or id could name a title or an author."""
    page = Page()
    for el in root.iter():
        tag = el.tag
        if type(tag) is not str:  # comments, processing instructions
            continue
        if "}" in tag:
            tag = tag.rsplit("}", 1)[1]
        tag = tag.lower()
        attrib = el.attrib
        if tag == "meta":
            key = (attrib.get("property") or attrib.get("name") or attrib.get("itemprop")
                   or attrib.get("http-equiv") or "")
            content = attrib.get("content")
            if key and content and content.strip():
                page.meta.setdefault(key.strip().lower(), []).append(content.strip())
            continue
        if tag == "title":
            parent = el.getparent()
            if page.title_tag is None and (parent is None or local(parent.tag) != "svg"):
                page.title_tag = element_text(el) or None
            continue
        if tag == "link":
            if page.canonical is None and "canonical" in (attrib.get("rel") or "").lower().split():
                page.canonical = (attrib.get("href") or "").strip() or None
            continue
        if tag == "base":
            if page.base_href is None and attrib.get("href"):
                page.base_href = attrib.get("href").strip()
            continue
        if not attrib and tag not in HEADING_TAGS and tag != "time":
            continue  # nothing below applies to a bare element
        if tag == "a":
            href = attrib.get("href")
            if href:
                page.anchors.append((href, el))
        itemprop = (attrib.get("itemprop") or "").lower()
        if tag == "time" or itemprop == "datepublished":
            value = attrib.get("datetime") or attrib.get("content") or element_text(el, 100)
            if value:
                page.times.append(value)
        elif "title" in attrib and el.text and dates.is_relative_date(el.text):
            page.times.append(attrib["title"])  # <span title="2/21/2024 5:00 AM">2 years ago</span>
        names = f"{attrib.get('class') or ''} {attrib.get('id') or ''}"
        lowered = names.lower()
        if len(page.bylines) < MAX_BYLINES and (itemprop == "author" or "author" in lowered or "byline" in lowered
                                                 or (tag == "a" and "rel" in attrib)):
            rank = _byline_rank(el, tag, itemprop, names)
            if rank is not None and tag not in ("html", "body"):
                text = element_text(el, MAX_BYLINE_CHARS * 2)
                if text and len(text) <= MAX_BYLINE_CHARS:
                    page.bylines.append((rank, text))
        if len(page.headings) >= MAX_HEADING_CANDIDATES:
            continue
        kind = "h" + tag[1] if tag in HEADING_TAGS else None
        # Every name TITLE_CLASS_RE accepts contains one of these: cheap tests before the regex.
        if (kind is None and tag not in NEVER_TITLE_TAGS
                and ("tit" in lowered or "bt" in lowered or "headline" in lowered or "biaoti" in lowered)
                and any(TITLE_CLASS_RE.search(n) for n in names.split())):
            kind = "class"
        if kind:
            text = element_text(el, MAX_TITLE_CHARS * 2)
            if 2 <= len(text) <= MAX_TITLE_CHARS:
                page.headings.append((kind, text))
    return page


def _byline_rank(el, tag: str, itemprop: str, names: str) -> int | None:
    if itemprop == "author" or (tag == "a" and "author" in (el.get("rel") or "").lower().split()):
        return 0
    tokens = names.split()
    if any(AUTHOR_NAME_CLASS_RE.search(t) for t in tokens):
        return 0
    if any(BYLINE_CLASS_RE.search(t) for t in tokens):
        return 1
    return None


def meta_value(page: Page, names) -> str | None:
    for name in names:
        for value in page.meta.get(name, ()):
            value = norm(value)
            if value:
                return value
    return None


def site_name_from_meta(page: Page) -> str | None:
    value = meta_value(page, META_SITE_NAMES)
    return value if value and len(value) <= 60 else None


def base_url(page: Page, url: str) -> str:
    if page.base_href and not SKIP_HREF_RE.match(page.base_href):
        return urljoin(url, page.base_href)
    return url


def absolute_url(href: str, base: str) -> str | None:
    href = href.strip()
    if not href or SKIP_HREF_RE.match(href):
        return None
    try:
        return urljoin(base, href) if base else href
    except ValueError:
        return None


def canonical(page: Page, base: str) -> str | None:
    for href in (page.canonical, meta_value(page, ("og:url",))):
        if href:
            link = absolute_url(href, base)
            if link and urlsplit(link).scheme in ("http", "https"):
                return link
    return None

