"""Entries of a list page that are not anchors in its HTML tree: a Hanweb JCMS
(大汉) column keeps its first entries as `<record><![CDATA[<li><a href=...>…</a>
<span>2021-02-13</span></li>]]></record>` in a `<script type="text/xml">
<datastore>` block, and script links (window.open('…'), javascript:fn('…')).

Pure functions on page text. The crawler follows these entries
(crawler/discover/list_sources.py); the page-kind decision (cleaners/page_kind.py)
counts them as a list's links.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass
from urllib.parse import urldefrag, urljoin

from lxml import html as lxml_html

NON_HTTP = re.compile(r"^(?:javascript|mailto|tel|ftp|data):", re.I)


@dataclass(frozen=True)
class Entry:
    """One item of a list: its link, its text, and the date the list gives it (as written)."""

    url: str
    text: str
    date: str | None = None


# --- dates written next to list items -------------------------------------------

LIST_DATE = re.compile(
    r"(?:19|20)\d{2}\s*[-/.年]\s*\d{1,2}\s*[-/.月]\s*\d{1,2}\s*日?(?:\s+\d{1,2}:\d{2}(?::\d{2})?)?"
    r"|\d{1,2}/\d{1,2}/(?:19|20)\d{2}"
)


def date_in(text: str) -> str | None:
    m = LIST_DATE.search(text or "")
    return m.group(0).strip() if m else None


# --- Hanweb datastore ------------------------------------------------------------

_RECORD = re.compile(r"<record\b[^>]*>(.*?)</record>", re.S | re.I)
_CDATA = re.compile(r"^\s*<!\[CDATA\[(.*?)\]\]>\s*$", re.S)
# Script links: window.open('…'), location.href = '…', javascript:fn('…/x.html').
_SCRIPT_URL = re.compile(
    r"(?:window\.open|location(?:\.href)?\s*=|location\.assign|location\.replace)\s*\(?\s*['\"]([^'\"]+)['\"]", re.I)
_JS_CALL_URL = re.compile(r"['\"]((?:https?://|/|\.\.?/)?[\w./%-]+\.(?:s?html?|jsp|aspx?|php)(?:\?[^'\"]*)?)['\"]", re.I)


def _record_html(raw: str) -> str:
    m = _CDATA.match(raw)
    return m.group(1) if m else html.unescape(raw)


def _fragment_entry(fragment: str, base_url: str) -> Entry | None:
    """The first link of a record's markup (an anchor, or a script link), with its text and date."""
    try:
        root = lxml_html.fragment_fromstring(fragment, create_parent="div")
    except Exception:  # lxml raises several types on junk; a record without markup has no link
        return None
    text_all = " ".join(root.text_content().split())
    for a in root.iter("a"):
        href = (a.get("href") or "").strip()
        url = None
        if href and not href.startswith("#") and not NON_HTTP.match(href):
            url = href
        else:
            url = script_url(f"{href} {a.get('onclick') or ''}")
        if url:
            text = " ".join(a.text_content().split()) or (a.get("title") or "").strip()
            return Entry(absolute_url(base_url, url), text, date_in(text_all.replace(text, " ", 1)))
    for el in root.iter():
        url = script_url(el.get("onclick") or "") if isinstance(el.tag, str) else None
        if url:
            return Entry(absolute_url(base_url, url), " ".join(el.text_content().split()), date_in(text_all))
    return None


def absolute_url(base_url: str, url: str) -> str:
    return urldefrag(urljoin(base_url, html.unescape(url.strip())))[0]


def has_datastore(text: str) -> bool:
    """Substring tests: asked of every list page (and, by the shell test, of script-heavy pages)."""
    return ("<datastore" in text or "<DATASTORE" in text) and ("<record" in text or "<RECORD" in text)


def datastore_entries(text: str, base_url: str) -> list[Entry]:
    """The entries of every XML datastore in `text` (a Hanweb list page, or a dataproxy answer)."""
    if not has_datastore(text):
        return []
    out: list[Entry] = []
    seen: set[str] = set()
    for raw in _RECORD.findall(text):
        entry = _fragment_entry(_record_html(raw), base_url)
        if entry and entry.url.startswith(("http://", "https://")) and entry.url not in seen:
            seen.add(entry.url)
            out.append(entry)
    return out


def script_url(code: str) -> str | None:
    """The page a bit of script opens: window.open('…'), location.href='…', or a
    javascript: call whose argument is a page URL."""
    m = _SCRIPT_URL.search(code)
    if m:
        return m.group(1)
    if code.strip().lower().startswith("javascript:") or "(" in code:
        m = _JS_CALL_URL.search(code)
        if m:
            return m.group(1)
    return None
