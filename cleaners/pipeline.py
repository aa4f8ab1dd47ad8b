"""clean_page: raw bytes of one page in, one clean and attributed Record out.

The steps (docs/ARCHITECTURE.md): decode, parse, metadata, prune, extract,
scrub, normalise, fingerprint. Each step that changes the text reports a count
into the record's `cleaning` field, so a reader can see what was done.
"""

from __future__ import annotations

import re
import time
from collections.abc import Mapping
from dataclasses import replace

from . import boilerplate, pinyin_gloss, script, spam
from .encoding import decode_body
from .errors import CleanError, NoContentError, NotHTMLError, ParseError
from .extract import extract_text
from .fingerprint import canonicalize_url, content_sha256, raw_sha256, record_id, simhash
from .htmltree import parse_html, visible_text
from .language import detect_language
from .metadata import extract_metadata, read_json_ld
from .profiles import PROFILES, SITE_TYPES, detect_site_type
from .prune import drop_invisible, prune_tree, unwrap_layout_tables
from .record import Record
from .whitespace import normalise_whitespace

# Bodies that announce a non-HTML format in their first bytes.
BINARY_SIGNATURES = {
    b"%PDF": "a PDF document", b"\x89PNG": "a PNG image", b"GIF8": "a GIF image",
    b"\xff\xd8\xff": "a JPEG image", b"PK\x03\x04": "a ZIP archive (or an Office document)",
    b"\x1f\x8b": "gzip-compressed data", b"\xd0\xcf\x11\xe0": "an OLE document (doc/xls)",
    b"RIFF": "a RIFF media file", b"\x00\x00\x01\x00": "an icon", b"BM": None,
}
NON_HTML_TYPES = re.compile(r"^(?:image|audio|video|font)/|^application/(?:pdf|zip|octet-stream|msword|"
                            r"vnd\.|x-rar|gzip|x-gzip|x-tar|x-7z|json|javascript)", re.I)
MARKUP = re.compile(rb"<\s*(?:!doctype|html|head|body|div|p|table|meta|title|a|span|br|text)\b", re.I)
TITLE_SEPARATORS = re.compile(r"[\s\u3000]+")


def clean_page(body: bytes, url: str, headers: Mapping | None = None, site_type: str | None = None,
               content_xpath: str | None = None, timings: dict | None = None,
               date_format: str | None = None, fetched_at=None) -> Record:
    """Clean one page. Raises only CleanError subclasses (with `.stage` and `.reason`).

    `date_format`: the site's strptime format of its date line (registry), tried first.
    `fetched_at`: when the page was fetched (ISO 8601 or datetime): relative dates
    ("3小时前") are read against it, and not at all without it.
    """
    try:
        return _clean(body, url, headers, site_type, content_xpath, timings, date_format, fetched_at)
    except CleanError:
        raise
    except RecursionError as exc:
        raise ParseError(f"markup nested too deeply: {exc}") from exc
    except Exception as exc:  # a bug must not cost the page: report it as this page's error
        raise CleanError(f"unexpected {type(exc).__name__}: {exc}", stage="clean") from exc


def _clean(body, url, headers, site_type, content_xpath, timings, date_format=None, fetched_at=None) -> Record:
    clock = _Clock(timings)
    if isinstance(body, str):
        body = body.encode("utf-8")
    body = bytes(body)
    headers = _plain_headers(headers)
    if site_type is not None and site_type not in SITE_TYPES:
        raise CleanError(f"unknown site type {site_type!r}; one of {', '.join(SITE_TYPES)}", stage="input")
    _refuse_non_html(body, headers.get("content-type", ""))

    html, encoding = decode_body(body, headers)
    clock("decode")
    root = parse_html(html)
    json_ld = read_json_ld(root)  # structured metadata lives in scripts, which drop_invisible removes
    drop_invisible(root)
    cleaning: dict[str, int] = {}
    _count(cleaning, "ruby_glosses_removed", pinyin_gloss.strip_ruby(root))
    clock("parse")

    page_text = visible_text(root)
    lang = detect_language(page_text, root.get("lang") or root.get("xml:lang"))
    site_type = site_type or detect_site_type(html, page_text, url, lang)
    profile = PROFILES[site_type]
    meta = extract_metadata(root, page_text, url, lang, json_ld=json_ld, date_format=date_format,
                            fetched_at=fetched_at)
    clock("metadata")

    prune_counts, hidden_text = prune_tree(root, profile)
    cleaning.update(prune_counts)
    unwrap_layout_tables(root)
    xpaths = ((content_xpath,) if content_xpath else ()) + profile.content_xpaths
    clock("prune")
    text, _method = extract_text(root, url, xpaths)
    clock("extract")

    text = normalise_whitespace(text)
    text, n = pinyin_gloss.remove_glosses(text)
    _count(cleaning, "glosses_removed", n)
    text, signals, n = spam.remove_spam(text)
    _count(cleaning, "spam_removed", n)
    text, counts = boilerplate.scrub_boilerplate(text, lang)
    for key, n in counts.items():
        _count(cleaning, key, n)
    title = _clean_title(meta.title, signals)
    text, n = _drop_title_lines(text, title)
    _count(cleaning, "title_lines", n)
    text, n, page_script = script.normalise_script(text) if lang == "zh" else (text, 0, None)
    _count(cleaning, "chars_converted_t2s", n)
    if title and page_script == "simplified":
        title, _, _ = script.normalise_script(title, force="simplified")
    text = normalise_whitespace(text)
    clock("scrub")
    if not text:
        raise NoContentError("nothing but boilerplate was left after cleaning")

    hidden_signals = spam.remove_spam(hidden_text)[1] if hidden_text else []
    all_signals = sorted(set(signals) | {f"hidden:{s}" for s in hidden_signals})
    canonical = meta.canonical_url or url
    record = Record(
        id=record_id(canonical), url=url, canonical_url=canonicalize_url(canonical), site_type=site_type,
        title=title, published_at=meta.published_at, source=meta.source, author=meta.author,
        editor=meta.editor, lang=lang, script=page_script, text=text, attachments=list(meta.attachments),
        encoding=encoding, cleaning=cleaning, content_sha256=content_sha256(text), simhash=simhash(text),
        spam={"score": spam.spam_score(all_signals, cleaning.get("hidden_blocks", 0), len(text)),
              "signals": all_signals},
        raw_sha256=raw_sha256(body), metadata_source=dict(meta.sources),
    )
    clock("fingerprint")
    return record


def merge_parts(records: list[Record]) -> Record:
    """One record for an article split over several pages, in page order."""
    if not records:
        raise CleanError("no parts to merge", stage="merge")
    first = records[0]
    if len(records) == 1:
        return first
    text = "\n".join(r.text for r in records)
    cleaning: dict[str, int] = {}
    for r in records:
        for key, n in r.cleaning.items():
            cleaning[key] = cleaning.get(key, 0) + n
    seen, attachments = set(), []
    for r in records:
        for a in r.attachments:
            if a.url not in seen:
                seen.add(a.url)
                attachments.append(a)
    signals = sorted({s for r in records for s in r.spam["signals"]})
    return replace(first, text=text, cleaning=cleaning, attachments=attachments,
                   content_sha256=content_sha256(text), simhash=simhash(text),
                   spam={"score": max(r.spam["score"] for r in records), "signals": signals},
                   extra={**first.extra, "part_urls": [r.url for r in records]})


def _refuse_non_html(body: bytes, content_type: str) -> None:
    if not body.strip():
        raise NotHTMLError("empty body")
    head = body[:16]
    for signature, what in BINARY_SIGNATURES.items():
        if what and head.startswith(signature):
            raise NotHTMLError(f"body is {what}, not HTML (Content-Type: {content_type or 'none'})")
    sample = body[:65536]
    if NON_HTML_TYPES.match(content_type.strip()) and not MARKUP.search(sample):
        raise NotHTMLError(f"Content-Type {content_type} and no HTML markup in the body")
    if not MARKUP.search(sample):
        raise NotHTMLError("no HTML markup in the first 64 KiB of the body")


def _plain_headers(headers) -> dict[str, str]:
    """Lower-cased names, str values; accepts Scrapy's Headers (lists of bytes) as well."""
    out: dict[str, str] = {}
    if not headers:
        return out
    for name, value in headers.items():
        if isinstance(name, bytes):
            name = name.decode("latin-1")
        if isinstance(value, (list, tuple)):
            value = value[0] if value else b""
        if isinstance(value, bytes):
            value = value.decode("latin-1")
        out[str(name).lower()] = str(value)
    return out


def _clean_title(title: str | None, signals: list[str]) -> str | None:
    if not title:
        return None
    title, _ = pinyin_gloss.remove_glosses(title)
    title, title_signals = spam.spam_title(title)
    signals.extend(s for s in title_signals if s not in signals)
    title = normalise_whitespace(title).replace("\n", " ")
    return title or None


def _drop_title_lines(text: str, title: str | None) -> tuple[str, int]:
    """Remove leading lines that repeat the title (or parts of it, as a two-line headline)."""
    if not title:
        return text, 0
    key = TITLE_SEPARATORS.sub("", title)
    lines = text.split("\n")
    dropped = 0
    while dropped < len(lines) and dropped < 3:
        line = TITLE_SEPARATORS.sub("", lines[dropped])
        if line and len(line) >= 4 and line in key:
            dropped += 1
        else:
            break
    return "\n".join(lines[dropped:]), dropped


def _count(cleaning: dict[str, int], key: str, n: int) -> None:
    if n:
        cleaning[key] = cleaning.get(key, 0) + n


class _Clock:
    """Per-stage wall times into `timings` (seconds, summed), when the caller asks for them."""

    def __init__(self, timings: dict | None):
        self.timings = timings
        self.last = time.perf_counter()

    def __call__(self, stage: str) -> None:
        if self.timings is None:
            return
        now = time.perf_counter()
        self.timings[stage] = self.timings.get(stage, 0.0) + now - self.last
        self.last = now
