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

from . import article_end, boilerplate, floor, limits, pinyin_gloss, script, spam
from .encoding import decode_body
from .errors import CleanError, CleanerBug, NoContentError, NotHTMLError, PageLimitError, ParseError
from .extract import extract_bare, extract_text
from .fingerprint import canonicalize_url, content_sha256, raw_sha256, record_id, simhash
from .headers import plain_headers
from .htmltree import parse_html, visible_text
from .language import detect_language
from .metadata import extract_metadata, read_json_ld
from .page_kind import KINDS, page_kind as classify_page
from .profiles import PROFILES, SITE_TYPES, detect_site_type
from .prune import drop_invisible, prune_tree, unwrap_layout_tables
from .record import Record
from .sniff import binary_kind, looks_like_html
from .text_stats import text_stats
from .whitespace import normalise_whitespace

NON_HTML_TYPES = re.compile(r"^(?:image|audio|video|font)/|^application/(?:pdf|zip|octet-stream|msword|"
                            r"vnd\.|x-rar|gzip|x-gzip|x-tar|x-7z|json|javascript)", re.I)
CUT_NAMES = {"bytes_cut": "bytes", "elements_cut": "elements"}  # cleaning keys of cleaners.limits
TITLE_SEPARATORS = re.compile(r"[\s\u3000]+")


def clean_page(body: bytes, url: str, headers: Mapping | None = None, site_type: str | None = None,
               content_xpath: str | None = None, timings: dict | None = None,
               date_format: str | None = None, fetched_at=None, page_kind: str | None = None) -> Record:
    """Clean one page. Raises only CleanError subclasses (with `.stage` and `.reason`);
    an unexpected exception comes out as CleanerBug (stage `bug`, with `.traceback`).

    `date_format`: the site's strptime format of its date line (registry), tried first.
    `fetched_at`: when the page was fetched (ISO 8601 or datetime): relative dates
    ("3小时前") are read against it, and not at all without it.
    `page_kind`: what the caller already knows the page is (a spider sends only
    articles); None: decided here (cleaners/page_kind.py), into the record's `page_kind`.
    """
    cleaning: dict[str, int] = {}
    try:
        return _clean(body, url, headers, site_type, content_xpath, timings, cleaning, date_format, fetched_at,
                      page_kind)
    except CleanError as exc:
        cuts = [f"{cleaning[key]:,} {what}" for key, what in CUT_NAMES.items() if key in cleaning]
        if cuts:  # an error record says what was cut, as a record would
            exc.reason = f"{exc.reason} (the page was cut: {' and '.join(cuts)} past the limits)"
        raise
    except RecursionError as exc:
        raise ParseError(f"markup nested too deeply: {exc}") from exc
    except MemoryError as exc:
        raise PageLimitError("the page needs more memory than there is") from exc
    except Exception as exc:  # not a bad page but a bug: its own stage, with the traceback
        raise CleanerBug.from_exception(exc) from exc


def _clean(body, url, headers, site_type, content_xpath, timings, cleaning: dict[str, int],
           date_format=None, fetched_at=None, page_kind=None) -> Record:
    clock = _Clock(timings)
    if page_kind is not None and page_kind not in KINDS:
        raise CleanError(f"unknown page kind {page_kind!r}; one of {', '.join(KINDS)}", stage="input")
    if isinstance(body, str):
        body = body.encode("utf-8")
    body = bytes(body)
    headers = plain_headers(headers)
    if site_type is not None and site_type not in SITE_TYPES:
        raise CleanError(f"unknown site type {site_type!r}; one of {', '.join(SITE_TYPES)}", stage="input")
    content_type = headers.get("content-type", "")
    _refuse_binary(body, content_type)
    full_body = body
    body, n = limits.cut_body(body)  # bounded cost: what is cut is said in `cleaning`
    _count(cleaning, "bytes_cut", n)

    html, encoding = decode_body(body, headers)
    _refuse_non_html(html, content_type)
    html, n = limits.cut_elements(html)
    _count(cleaning, "elements_cut", n)
    clock("decode")
    root = parse_html(html)
    json_ld = read_json_ld(root)  # structured metadata lives in scripts, which drop_invisible removes
    drop_invisible(root)
    _count(cleaning, "ruby_glosses_removed", pinyin_gloss.strip_ruby(root))
    clock("parse")

    page_text = visible_text(root)
    lang = detect_language(page_text, root.get("lang") or root.get("xml:lang"))
    site_type = site_type or detect_site_type(html, page_text, url, lang)
    profile = PROFILES[site_type]
    meta = extract_metadata(root, page_text, url, lang, json_ld=json_ld, date_format=date_format,
                            fetched_at=fetched_at)
    clock("metadata")
    # One walk of the tree for what prune judges by and page kind's main block.
    stats = text_stats(root, main_block=page_kind is None)
    clock("prune")
    # On the whole page, before pruning.
    page_kind = page_kind or classify_page(root, html, url, meta.sources.get("published_at"), stats.main_block_chars)
    clock("page_kind")

    prune_counts, hidden_text, page_prose = prune_tree(root, profile, stats.elements)
    cleaning.update(prune_counts)
    unwrap_layout_tables(root)
    xpaths = ((content_xpath,) if content_xpath else ()) + profile.content_xpaths
    clock("prune")
    try:
        text, _method = extract_text(root, url, xpaths)
    except NoContentError as exc:  # the floor below may still find the article
        text, no_content = "", exc
    else:
        no_content = None
    clock("extract")

    title_signals: list[str] = []
    title = _clean_title(meta.title, title_signals)
    text, counts, signals = _scrub(text, lang, title)
    clock("scrub")
    if floor.worth_checking(text, page_prose):
        bare_root = parse_html(html)
        pinyin_gloss.strip_ruby(bare_root)
        bare = extract_bare(bare_root, url)
        if bare is not None:
            bare, bare_counts, bare_signals = _scrub(bare, lang, title)
            if floor.is_much_richer(bare, text):
                text, counts, signals = bare, bare_counts, bare_signals
                # Our pruning's counts no longer describe the text; the cuts still do.
                for key in [k for k in cleaning if k not in ("ruby_glosses_removed", *CUT_NAMES)]:
                    del cleaning[key]
                counts[floor.FLOOR_KEY] = 1
        clock("floor")
    for key, n in counts.items():
        _count(cleaning, key, n)
    signals += [s for s in title_signals if s not in signals]
    text, n, page_script = script.normalise_script(text) if lang == "zh" else (text, 0, None)
    _count(cleaning, "chars_converted_t2s", n)
    if title and page_script == "simplified":
        title, _, _ = script.normalise_script(title, force="simplified")
    text = normalise_whitespace(text)
    clock("normalise")
    if not text:
        raise no_content or NoContentError("nothing but boilerplate was left after cleaning")

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
        raw_sha256=raw_sha256(full_body), metadata_source=dict(meta.sources), page_kind=page_kind,
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


def _refuse_binary(body: bytes, content_type: str) -> None:
    if not body.strip():
        raise NotHTMLError("empty body")
    what = binary_kind(body)
    if what:
        raise NotHTMLError(f"body is {what}, not HTML (Content-Type: {content_type or 'none'})")


def _refuse_non_html(html: str, content_type: str) -> None:
    """The markup check runs on decoded text: UTF-16/32 pages have no ASCII tags in their bytes."""
    if looks_like_html(html):
        return
    if NON_HTML_TYPES.match(content_type.strip()):
        raise NotHTMLError(f"Content-Type {content_type} and no HTML markup in the body")
    raise NotHTMLError("no HTML markup in the first 64 KiB of the body")


def _clean_title(title: str | None, signals: list[str]) -> str | None:
    if not title:
        return None
    title, _ = pinyin_gloss.remove_glosses(title)
    title, title_signals = spam.spam_title(title)
    signals.extend(s for s in title_signals if s not in signals)
    title = normalise_whitespace(title).replace("\n", " ")
    return title or None


def _scrub(text: str, lang: str, title: str | None) -> tuple[str, dict[str, int], list[str]]:
    """The text steps after extraction: glosses, spam, the end of the article, boilerplate, title lines.

    Returns (text, counts by `cleaning` key, spam signals).
    """
    counts: dict[str, int] = {}
    text = normalise_whitespace(text)
    lesson = pinyin_gloss.is_lesson(f"{title or ''}\n{text}")
    text, counts["glosses_removed"] = pinyin_gloss.remove_glosses(text, lesson)
    text, signals, counts["spam_removed"] = spam.remove_spam(text)
    text, end_counts = article_end.cut_after_article(text)
    counts.update(end_counts)
    text, line_counts = boilerplate.scrub_boilerplate(text, lang)
    counts.update(line_counts)
    text, counts["title_lines"] = _drop_title_lines(text, title)
    return text, counts, signals


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
