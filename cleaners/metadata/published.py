"""The publication date: which of the dates a page shows is the article's (cleaners.dates reads them)."""

from __future__ import annotations

from lxml import etree

import re

from htmldate import find_date

from .. import dates
from .page import HEAD_CHARS, Page, site_name_from_meta

NEAR_TITLE_CHARS = 200  # an unlabelled date this close after the headline is its date...
NEAR_TITLE_CHARS_LATIN = 400  # ...or this close on pages in alphabetic scripts (a dek and a byline take more)
_CJK = re.compile(r"[\u3040-\u30ff\u3400-\u9fff]")
HEADER_CHARS = 600  # labelled dates up to this far below the headline belong to the article
MAX_TITLE_PLACES = 3  # the headline printed in a header bar, a breadcrumb, then above the article
MAX_DATELINE_CHARS = 40  # "Saturday, November 21, 2025" above a headline
# A date line or byline is short and no sentence; the lede is one.
MAX_HEADER_LINE_CHARS = 200
MIN_SENTENCE_WORDS, MIN_SENTENCE_CJK = 8, 20
SENTENCE_END_RE = re.compile(r"[.!?。！？][\"'”’)）]*$")
MIN_H1_WORDS, MIN_H1_CJK = 3, 6
MIN_SHARED_WORDS = 0.5  # an <h1> shorter than this is a logo, not a headline
STRUCTURED_SOURCES = ("json-ld", "meta", "time")
# A date under one of these labels is someone's or something else's, never the article's:
# a forum poster's join date under the thread title, an offer's or an application's deadline.
OTHER_DATE_LABEL_RE = re.compile(
    r"(?:\b(?:joined|member\s+since|registered(?:\s+on)?|ends|expires|until|through|deadline|due(?:\s+date)?|"
    r"closes|closing\s+date)|注册时间|注册日期|加入时间|截止日期|截止时间|截止|截至)"
    r"[ \t\u3000]*[:：]?[ \t\u3000]*(?:[A-Za-z]{3,9}\.?,?[ \t]*)?$", re.I)
# "Updated on March 7, 2025" under the headline: the article was first published before that day.
UPDATE_LABEL_RE = re.compile(r"\b(?:last\s+)?(?:updated|modified|revised)(?:\s+(?:on|at))?[ \t]*:?[ \t]*$", re.I)

# Date labels by priority tier: publication, then generic/updated, then document dates.
DATE_LABEL_RE = re.compile(
    # "本帖由大卫于2005年8月12日发表": a forum's own line names the poster and the day.
    r"(?P<label>本[帖贴文]由[^\s于]{1,12}于|发布时间|发布日期|发表时间|发表日期|发稿时间|发稿日期|发布于|发表于|發布時間|發佈時間|發表時間|發布日期|"
    r"更新时间|更新日期|上传时间|上传日期|录入时间|添加时间|发帖时间|"
    r"发文日期|成文日期|印发日期|时间|日期|時間|发布|發布|"
    # "This article was originally published on\n26 Sep 2019": the value may be on the next line.
    r"(?:originally|first)\s+published(?:\s+(?:on|in))?\s*|"
    r"published(?:\s+on)?|publish(?:ed)?\s+(?:date|time)|release\s+(?:date|time)|posted(?:\s+on)?|date)"
    # The value may sit in the next table cell: "发布日期：\n2022年01月28日".
    r"[ \t\u3000]*(?:(?P<colon>[:：])[ \t\u3000]*\n?)?[ \t\u3000]*", re.I)
DATE_LABEL_TIER = {
    "发布时间": 0, "发布日期": 0, "发表时间": 0, "发表日期": 0, "发稿时间": 0, "发稿日期": 0, "发布于": 0,
    "发表于": 0, "發布時間": 0, "發佈時間": 0, "發表時間": 0, "發布日期": 0, "发布": 0, "發布": 0, "時間": 1,
    "更新时间": 1, "更新日期": 1, "上传时间": 1, "上传日期": 1, "录入时间": 1, "添加时间": 1, "发帖时间": 1,
    "时间": 1, "日期": 1, "date": 1,
    "发文日期": 2, "成文日期": 2, "印发日期": 2,
}
ORIGINAL_TIER = -1  # "originally published on ...": wherever the page says it, it is the publication
# Generic labels count only when they start a field, not inside a word (会议时间, 截止日期, update).
GENERIC_DATE_LABELS = {"时间", "日期", "時間", "发布", "發布", "date"}

META_DATE_NAMES = (
    "article:published_time", "og:article:published_time", "og:published_time", "published_time",
    "pubdate", "publishdate", "publish_date", "publish-date", "publishtime", "publish_time",
    "originalpublicationdate", "datepublished", "firstpublishedtime", "releasedate",
    "dc.date.issued", "dcterms.issued", "dc.date", "dcterms.date", "dc.date.created", "dcterms.created",
    "sailthru.date", "parsely-pub-date", "pubtime", "releasetime", "release_date", "og:release_date",
    "citation_publication_date", "citation_date", "date", "weibo:article:create_at", "created", "published",
)
# Modification dates: only when nothing on the page says when it was published.
META_MODIFIED_NAMES = ("article:modified_time", "og:updated_time", "lastmodifiedtime", "dc.date.modified")


def labelled_dates(scan: str, fetched=None):
    """(tier, position, DateMatch) of every labelled date ("发布时间：2021-01-08", "Published: ..."), in text order."""
    for mo in DATE_LABEL_RE.finditer(scan):
        label = re.sub(r"\s+", " ", mo.group("label").lower()).strip()
        # English publication labels are tier 0; a first publication stated as such comes before all.
        tier = ORIGINAL_TIER if label.startswith(("originally", "first")) else DATE_LABEL_TIER.get(label, 0)
        if label in GENERIC_DATE_LABELS:
            before = scan[mo.start() - 1] if mo.start() else ""
            if not mo.group("colon") or (before and (before.isalnum())):
                continue
        dm = dates.match_date_at(scan, mo.end()) or dates.match_relative_at(scan, mo.end(), fetched)
        if dm is not None:
            yield tier, mo.start(), dm


def has_labelled_date(text: str) -> bool:
    """The text has a date under a date label (the crawler's article test uses this too)."""
    return next(labelled_dates(text), None) is not None


def find_title(scan: str, title: str | None, limit: int = 1, end: int = HEAD_CHARS) -> list[tuple[int, int]]:
    """Where the headline is in the page text (whitespace may differ), before `end`: up to `limit` places."""
    if not title:
        return []
    chars = [c for c in title if not c.isspace()][:40]
    if len(chars) < 4:
        return []
    pattern = re.compile(r"\s*".join(re.escape(c) for c in chars))
    out = []
    for mo in pattern.finditer(scan, 0, min(end, HEAD_CHARS)):
        out.append((mo.start(), mo.end()))
        if len(out) >= limit:
            break
    return out


def header_date(scan: str, places: list[tuple[int, int]], title: str | None,
                fetched=None) -> tuple[dates.DateMatch, str] | None:
    """(the first date just below the headline, how it is printed): "header" on a date or
    byline line, "update" under "Updated"/"Last modified" (the day of a revision, not of the
    publication), "prose" inside a sentence (the lede's "On March 3, 2020, ..." names an event)
    or among three or more days (a list of other stories, "Latest", beside the headline).
    `places`: where the headline is printed (the page's <title> text may come first, so each
    is tried). A date under another label ("Joined: ...", a poster's) is passed over."""
    window = NEAR_TITLE_CHARS if _CJK.search(title or "") else NEAR_TITLE_CHARS_LATIN
    for _, end in places:
        text = scan[end:end + window]
        found_dates = dates.find_dates_in_text(text, limit=3)
        crowded = len({f.value.date() for f in found_dates}) >= 3
        for found in found_dates:
            line_start = text.rfind("\n", 0, found.start) + 1
            if OTHER_DATE_LABEL_RE.search(text, line_start, found.start):
                continue
            if UPDATE_LABEL_RE.search(text, line_start, found.start):
                return found, "update"
            line_end = scan.find("\n", end + found.end)
            line = scan[end + line_start:line_end if line_end >= 0 else len(scan)]
            return found, ("prose" if _is_prose(line) or crowded else "header")
        # "3小时前" on the line under the headline (relative dates need the fetch time).
        start = len(scan[end:]) - len(scan[end:].lstrip())
        relative = dates.match_relative_at(scan, end + start, fetched) if fetched is not None else None
        if relative is not None:
            return relative, "header"
    if places:  # a dateline alone on the line above the headline
        start = places[0][0]
        line = scan[scan.rfind("\n", 0, max(start - 1, 0)) + 1:start].strip()
        above = dates.parse_date_match(line) if len(line) <= MAX_DATELINE_CHARS else None
        if above is not None:
            return above, "header"
    return None


def _is_prose(line: str) -> bool:
    """A sentence of the article rather than a date or byline line."""
    line = line.strip()
    if len(line) > MAX_HEADER_LINE_CHARS:
        return True
    return bool(SENTENCE_END_RE.search(line)) and (
        len(line.split()) >= MIN_SENTENCE_WORDS or len(_CJK.findall(line)) >= MIN_SENTENCE_CJK)


def near_title_date(scan: str, title: str | None, fetched=None) -> dates.DateMatch | None:
    """The first date just below the headline (see header_date)."""
    found = header_date(scan, find_title(scan, title, limit=MAX_TITLE_PLACES), title, fetched)
    return found[0] if found else None


def first_h1(page: Page) -> str | None:
    """The page's first <h1> when it reads as a headline: where the article's header is printed
    when the chosen title (often og:title, worded for sharing) is not in the text. A logo's <h1>
    (the site's name, a word or two) is not: the date near it is a masthead's "today"."""
    h1 = next((text for kind, text in page.headings if kind == "h1"), None)
    if not h1 or h1.casefold() == (site_name_from_meta(page) or "").casefold():
        return None
    return h1 if len(h1.split()) >= MIN_H1_WORDS or len(_CJK.findall(h1)) >= MIN_H1_CJK else None


def _resembles(a: str, b: str | None) -> bool:
    """Two headlines share most of the shorter one's words (CJK: characters)."""
    def tokens(s):
        return set(re.findall(r"[^\W\d_]+|\d+", _CJK.sub(lambda m: f" {m.group(0)} ", s.casefold())))
    ta, tb = tokens(a), tokens(b or "")
    return bool(ta and tb) and len(ta & tb) >= MIN_SHARED_WORDS * min(len(ta), len(tb))


def _htmldate(root, url: str) -> dates.DateMatch | None:
    """htmldate's reading of the markup (its meta names, classes and attributes beyond ours).
    Its search of the text is left out: slow (dateparser), and it guesses from bare years."""
    if root is None:
        return None
    try:  # htmldate reads a copy of the tree, never ours
        value = find_date(root, extensive_search=False, original_date=True, url=url or None)
    except (ValueError, TypeError, OverflowError, etree.LxmlError):  # a cross-check that fails gives no date
        return None
    return dates.parse_date_match(value) if value else None


def _first_date(value: str) -> dates.DateMatch | None:
    return dates.parse_date_match(value) or next(iter(dates.find_dates_in_text(value[:100], limit=1)), None)


def published_at(page: Page, scan: str, url: str, title: str | None, structured=None,
                 date_format: str | None = None, root=None, fetched=None) -> tuple[str | None, str | None]:
    """(ISO date, where it came from). Sources in this order, the first that gives a date wins:

    the site's own `date_format` (registry), labelled lines in the article's header and an
    "originally published on" line anywhere ("label"), the date under the headline ("text"),
    JSON-LD datePublished ("json-ld"), <meta> ("meta"), <time>/itemprop ("time"), an
    "Updated on" line under the headline ("text"), labelled lines further down ("label"),
    modification dates ("modified"), the URL ("url"), and last htmldate's reading of the
    whole page ("htmldate": its heuristics over markup we do not know; run only then, it is slow).

    The date printed in the article's header is the one its reader sees: when the structured
    data says another day (a first publication the page no longer shows, a template's
    default), the header wins; structured data on the same day gives it its clock. A header
    date printed as an update says the article is older: the structured date wins then.
    The header is under the headline, or under the page's <h1> when that is the headline
    printed first (see below), or a dateline alone on the line above it.
    """
    candidates: list[tuple[str, dates.DateMatch]] = []
    if date_format:
        dm = dates.find_date_with_format(scan[:HEAD_CHARS], date_format)
        if dm:
            candidates.append(("date_format", dm))
    h1 = first_h1(page)
    headline = title
    places = find_title(scan, title, limit=MAX_TITLE_PLACES)
    # The <h1> where the title is not printed; or printed before the title's first place and
    # worded like it: the title's place is then a section heading or a teaser further down.
    if h1 and h1 != title and (not places or _resembles(h1, title)):
        h1_places = find_title(scan, h1, end=places[0][0] if places else HEAD_CHARS)
        if h1_places:
            headline, places = h1, h1_places + places
    labelled = sorted(labelled_dates(scan, fetched), key=lambda t: (t[0], t[1]))
    # A labelled date far below the headline is a comment's or a related item's, not the article's.
    header_end = places[0][1] + HEADER_CHARS if places else len(scan)
    candidates += [("label", dm) for tier, pos, dm in labelled if pos <= header_end or tier == ORIGINAL_TIER]
    near, printed = header_date(scan, places, headline, fetched) or (None, None)
    if near and printed == "header":
        candidates.append(("text", near))
    if structured is not None and structured.published:
        dm = _first_date(structured.published)
        if dm:
            candidates.append(("json-ld", dm))
    for name in META_DATE_NAMES:
        for value in page.meta.get(name, ()):
            dm = _first_date(value)
            if dm:
                candidates.append(("meta", dm))
    for value in page.times:
        dm = _first_date(value)
        if dm:
            candidates.append(("time", dm))
    if near and printed != "header":  # a revision's or the lede's day: when nothing else says
        candidates.append(("text", near))
    candidates += [("label", dm) for tier, pos, dm in labelled if pos > header_end and tier != ORIGINAL_TIER]
    if not candidates:
        modified = [structured.modified] if structured is not None and structured.modified else []
        for value in modified + [v for name in META_MODIFIED_NAMES for v in page.meta.get(name, ())]:
            dm = dates.parse_date_match(value)
            if dm:
                candidates.append(("modified", dm))
    if not candidates:
        from_url = dates.date_from_url(url)
        if from_url:
            return dates.to_iso(from_url), "url"
        found = _htmldate(root, url)
        return (dates.to_iso(found.value), "htmldate") if found else (None, None)
    source, chosen = candidates[0]
    value = chosen.value
    if chosen.swapped is not None:
        # "06/02/2022" reads both ways: the page's structured date decides (D/M/Y on a French site).
        # A structured value that itself reads both ways ("02-12-2025" in a <time>) settles nothing.
        other_days = {dm.value.date() for src, dm in candidates[1:] if src in STRUCTURED_SOURCES
                      and dm.swapped is None}
        if chosen.swapped.date() in other_days and value.date() not in other_days:
            value = chosen.swapped
    if chosen.has_time and source not in STRUCTURED_SOURCES:
        # "Dec 19, 2025 at 4:34 AM" printed without a zone, and the structured "04:34:00-05:00":
        # the same clock, so the same moment, in the page's own zone.
        same_clock = next((dm for src, dm in candidates[1:] if src in STRUCTURED_SOURCES and dm.has_time
                           and dm.value.replace(second=0, tzinfo=None) == value.replace(second=0, tzinfo=None)),
                          None)
        if same_clock:
            return dates.to_iso(same_clock.value), source
    elif not chosen.has_time:
        # "发布日期:2021-01-08" and a <meta> "2021-01-08 15:31": same day, keep the clock.
        # The day compared in the structured date's own zone (the page's), else in ours.
        same_day = next((dm for _, dm in candidates[1:] if dm.has_time and value.date() in
                         (dm.value.date(), dm.value.astimezone(value.tzinfo).date())), None)
        if same_day:
            return dates.to_iso(same_day.value), source
    return dates.to_iso(value), source
