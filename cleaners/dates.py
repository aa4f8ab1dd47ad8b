"""Date parsing for Chinese news pages: the forms their CMSs print, not every form there is.

`parse_date(s)` reads a string that is one date (a meta tag value, a labelled
field); `find_dates_in_text(text)` finds dates inside running text;
`match_date_at(text, pos)` reads a date that starts exactly at `pos` (after a
label); `date_from_url(url)` reads the dates CMSs put in article URLs.

Every result is an aware datetime: China time (+08:00) when the page gives no
zone. Impossible dates (month 13, Feb 30), dates before 1990 and dates in the
future are rejected, so a phone number or a registration number never becomes
a publication date.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from urllib.parse import unquote, urlsplit

CHINA_TZ = timezone(timedelta(hours=8))
MIN_YEAR = 1990
# Clocks and zones differ a little; a date further ahead than this is not a publication date.
FUTURE_SLACK = timedelta(days=2)

# Full-width digits and colons read as ASCII; one char for one char, so offsets survive.
_FULLWIDTH = str.maketrans("０１２３４５６７８９：／－．", "0123456789:/-.")

_CN_DIGITS = {"〇": 0, "○": 0, "零": 0, "Ｏ": 0, "O": 0, "一": 1, "二": 2, "三": 3, "四": 4,
              "五": 5, "六": 6, "七": 7, "八": 8, "九": 9}
_CN_DIGIT_CLASS = "〇○零Ｏ一二三四五六七八九"

MONTHS = {
    "jan": 1, "feb": 2, "mar": 3, "apr": 4, "may": 5, "jun": 6,
    "jul": 7, "aug": 8, "sep": 9, "sept": 9, "oct": 10, "nov": 11, "dec": 12,
}
_MONTH_RE = (r"(?P<mon>Jan(?:uary)?|Feb(?:ruary)?|Mar(?:ch)?|Apr(?:il)?|May|June?|July?"
             r"|Aug(?:ust)?|Sept?(?:ember)?|Oct(?:ober)?|Nov(?:ember)?|Dec(?:ember)?)\.?")

# Optional clock after a date: "15:31", "15:31:39", "15时31分", "T15:31:39.000+08:00",
# and as English pages print it: "Dec 19, 2025 at 4:34 AM", "30 Sep 2022, 11:07am".
_TIME_RE = (r"(?:(?:\s*T\s*|\s+-\s+(?=\d{1,2}:)|,?\s+[Aa][Tt]\s+(?=\d{1,2}:)|,\s*(?=\d{1,2}:)|\s+"
            r"|\s*-(?=\d{1,2}:)|(?<=[日号])\s*)"
            r"(?P<hh>\d{1,2})(?:[:]|时|點|点)(?P<mi>\d{2})(?:分)?"
            r"(?:[:](?P<ss>\d{2})(?:\.\d{1,9})?|(?P<ss2>\d{2})秒)?"
            r"(?:\s*(?P<ampm>[AaPp])\.?[Mm]\.?(?![A-Za-z]))?"
            r"(?:\s*(?P<tz>Z|UTC|GMT|[+-]\d{2}:?\d{2})(?![\d:]))?)?")

# Each pattern must not sit inside a longer digit run (phone and registration numbers).
_PATTERNS = [
    # 2021-01-08, 2024/1/18, 2024.01.18 (same separator twice), with an optional clock.
    ("ymd", re.compile(r"(?<![\d.\-/])(?P<y>\d{4})(?P<sep>[-/.])(?P<m>\d{1,2})(?P=sep)(?P<d>\d{1,2})"
                       r"(?!\d|[.\-/]\d(?!\d?:\d))" + _TIME_RE, re.I)),
    # 2025年2月21日 (10:30)
    ("cn", re.compile(r"(?<!\d)(?P<y>\d{4})\s*年\s*(?P<m>\d{1,2})\s*月\s*(?P<d>\d{1,2})\s*[日号]" + _TIME_RE)),
    # 二〇二一年一月八日 (government documents)
    ("cnnum", re.compile(r"(?P<y>[" + _CN_DIGIT_CLASS + r"]{4})\s*年\s*(?P<m>[一二三四五六七八九十]{1,2})\s*月"
                         r"\s*(?P<d>[一二三四五六七八九十]{1,3})\s*[日号]")),
    # 2/13/2021: M/D/Y as these CMSs print it; D/M/Y when the first field cannot be a month.
    ("mdy", re.compile(r"(?<![\d.\-/])(?P<a>\d{1,2})(?P<sep>[-/.])(?P<b>\d{1,2})(?P=sep)(?P<y>\d{4})"
                       r"(?!\d|[.\-/]\d(?!\d?:\d))" + _TIME_RE, re.I)),
    # January 8, 2021 / Jan. 8 2021
    ("en_mdy", re.compile(r"\b" + _MONTH_RE + r"\s+(?P<d>\d{1,2})(?:st|nd|rd|th)?,?\s+(?P<y>\d{4})(?!\d)"
                          + _TIME_RE, re.I)),
    # 8 January 2021
    ("en_dmy", re.compile(r"(?<!\d)(?P<d>\d{1,2})(?:st|nd|rd|th)?\s+" + _MONTH_RE + r",?\s+(?P<y>\d{4})(?!\d)"
                          + _TIME_RE, re.I)),
]

# Whole-string forms only (meta tag values): 20210108, 20210108153139.
_COMPACT_RE = re.compile(r"(?P<y>\d{4})(?P<m>\d{2})(?P<d>\d{2})(?:(?P<hh>\d{2})(?P<mi>\d{2})(?P<ss>\d{2}))?")

# URL forms: t20210108_123.html, /2021/01/08/, /2021-01/08/, /20210108/, art_2021_1_8, /2021/1/8/.
_URL_PATTERNS = [
    re.compile(r"(?<![a-z\d])t(?P<y>\d{4})(?P<m>\d{2})(?P<d>\d{2})_", re.I),
    re.compile(r"(?<!\d)(?P<y>(?:19|20)\d{2})[-/_]?(?P<m>0[1-9]|1[0-2])[-/_]?(?P<d>0[1-9]|[12]\d|3[01])(?!\d)"),
    re.compile(r"(?<![\d])(?P<y>(?:19|20)\d{2})_(?P<m>\d{1,2})_(?P<d>\d{1,2})(?!\d)"),
    re.compile(r"/(?P<y>(?:19|20)\d{2})/(?P<m>\d{1,2})/(?P<d>\d{1,2})/"),
]


@dataclass(frozen=True)
class DateMatch:
    start: int
    end: int
    value: datetime
    has_time: bool
    swapped: datetime | None = None  # "06/02/2022": the D/M/Y reading when M/D/Y was taken and both exist


def _now() -> datetime:
    return datetime.now(CHINA_TZ)


def _cn_small(s: str) -> int:
    """一..三十一 to int."""
    if "十" in s:
        head, _, tail = s.partition("十")
        tens = _CN_DIGITS.get(head, 0) if head else 1
        ones = _CN_DIGITS.get(tail, 0) if tail else 0
        if head and head not in _CN_DIGITS or tail and tail not in _CN_DIGITS:
            return 0
        return tens * 10 + ones
    return _CN_DIGITS.get(s, 0) if len(s) == 1 else 0


def _tz(s: str | None) -> timezone:
    if not s or s.upper() in ("Z", "UTC", "GMT"):
        return timezone.utc if s else CHINA_TZ
    sign = -1 if s[0] == "-" else 1
    digits = s[1:].replace(":", "")
    hours, minutes = int(digits[:2]), int(digits[2:4])
    if hours > 14 or minutes > 59:
        raise ValueError("offset")
    return timezone(sign * timedelta(hours=hours, minutes=minutes))


def _build(y: int, m: int, d: int, hh=None, mi=None, ss=None, tz=None, now=None) -> datetime | None:
    """A checked datetime, or None when impossible, too old or in the future."""
    try:
        zone = _tz(tz)
        dt = datetime(y, m, d, int(hh or 0), int(mi or 0), int(ss or 0), tzinfo=zone)
    except (ValueError, OverflowError):
        return None
    if y < MIN_YEAR or dt > (now or _now()) + FUTURE_SLACK:
        return None
    return dt


def _clock(g: dict) -> tuple:
    """(hour, minute, second, zone) of a matched clock; "4:12pm" is 16:12, "12:05 AM" 00:05."""
    hh = g.get("hh")
    if hh is not None and g.get("ampm"):
        hour = int(hh)
        if g["ampm"].lower() == "p" and hour < 12:
            hh = hour + 12
        elif g["ampm"].lower() == "a" and hour == 12:
            hh = 0
    return hh, g.get("mi"), g.get("ss") or g.get("ss2"), g.get("tz")


def _from_match(kind: str, g: dict, now=None) -> datetime | None:
    hh, mi, ss, tz = _clock(g)
    if kind in ("ymd", "cn"):
        y, m, d = int(g["y"]), int(g["m"]), int(g["d"])
    elif kind == "cnnum":
        y = int("".join(str(_CN_DIGITS[c]) for c in g["y"]))
        m, d = _cn_small(g["m"]), _cn_small(g["d"])
    elif kind == "mdy":
        a, b, y = int(g["a"]), int(g["b"]), int(g["y"])
        m, d = (b, a) if a > 12 else (a, b)
    else:
        y, d = int(g["y"]), int(g["d"])
        m = MONTHS[g["mon"].lower()[:3]]
    return _build(y, m, d, hh, mi, ss, tz, now)


def _swapped(kind: str, g: dict, now=None) -> datetime | None:
    """The other reading of an M/D/Y date whose first two fields could both be the month."""
    if kind != "mdy":
        return None
    a, b = int(g["a"]), int(g["b"])
    if a == b or a > 12 or b > 12:
        return None
    return _build(int(g["y"]), b, a, *_clock(g), now)


def _date_match(kind: str, pat, mo, offset: int = 0, now=None) -> DateMatch | None:
    g = mo.groupdict()
    dt = _from_match(kind, g, now)
    if dt is None:
        return None
    has_time = "hh" in pat.groupindex and mo.group("hh") is not None
    return DateMatch(offset + mo.start(), offset + mo.end(), dt, has_time, _swapped(kind, g, now))


def _match_all(text: str, now=None):
    for kind, pat in _PATTERNS:
        for mo in pat.finditer(text):
            dm = _date_match(kind, pat, mo, 0, now)
            if dm is not None:
                yield dm


def find_dates_in_text(text: str, limit: int | None = None, now: datetime | None = None) -> list[DateMatch]:
    """Dates in running text, in text order, overlapping readings dropped (longest wins)."""
    if not text:
        return []
    text = text.translate(_FULLWIDTH)
    found = sorted(_match_all(text, now), key=lambda m: (m.start, -(m.end - m.start)))
    out: list[DateMatch] = []
    for m in found:
        if out and m.start < out[-1].end:
            continue
        out.append(m)
        if limit is not None and len(out) >= limit:
            break
    return out


def match_date_at(text: str, pos: int = 0, now: datetime | None = None) -> DateMatch | None:
    """A date starting exactly at `pos` (the value after a label), or None."""
    if not text or pos >= len(text):
        return None
    window = text[pos:pos + 80].translate(_FULLWIDTH)
    best = None
    for kind, pat in _PATTERNS:
        mo = pat.match(window)
        if mo:
            dm = _date_match(kind, pat, mo, pos, now)
            if dm is not None and (best is None or dm.end > best.end):
                best = dm
    return best


# strptime directives a site's `date_format` may use, as the text they match.
_FORMAT_PARTS = {"Y": r"\d{4}", "y": r"\d{2}", "m": r"\d{1,2}", "d": r"\d{1,2}", "H": r"\d{1,2}",
                 "I": r"\d{1,2}", "M": r"\d{2}", "S": r"\d{2}", "p": r"[AaPp][Mm]", "b": r"[A-Za-z]{3,9}\.?",
                 "B": r"[A-Za-z]{3,9}", "z": r"[+-]\d{2}:?\d{2}|Z", "%": "%"}


def _format_regex(fmt: str) -> re.Pattern | None:
    out, i = [], 0
    while i < len(fmt):
        ch = fmt[i]
        if ch == "%" and i + 1 < len(fmt):
            part = _FORMAT_PARTS.get(fmt[i + 1])
            if part is None:
                return None  # a directive we do not read: the common formats decide
            out.append(f"(?:{part})")
            i += 2
            continue
        out.append(r"\s*" if ch.isspace() else re.escape(ch))
        i += 1
    return re.compile("".join(out)) if out else None


def find_date_with_format(text: str, fmt: str, now: datetime | None = None) -> DateMatch | None:
    """The first date in `text` written in the strptime format `fmt` (a site's own date line)."""
    if not text or not fmt:
        return None
    pattern = _format_regex(fmt)
    if pattern is None:
        return None
    text = text.translate(_FULLWIDTH)
    for mo in pattern.finditer(text):
        try:
            dt = datetime.strptime(" ".join(mo.group(0).split()), " ".join(fmt.split()))
        except ValueError:
            continue
        checked = _build(dt.year, dt.month, dt.day, dt.hour, dt.minute, dt.second,
                         _offset_text(dt), now)
        if checked is not None:
            has_time = any(d in fmt for d in ("%H", "%I", "%M"))
            return DateMatch(mo.start(), mo.end(), checked, has_time)
    return None


def _offset_text(dt: datetime) -> str | None:
    offset = dt.utcoffset()
    if offset is None:
        return None
    minutes = int(offset.total_seconds() // 60)
    sign = "-" if minutes < 0 else "+"
    return f"{sign}{abs(minutes) // 60:02d}:{abs(minutes) % 60:02d}"


# Relative dates, read against the time the page was fetched: "3小时前", "昨天 15:30", "2 hours ago".
_RELATIVE_RE = re.compile(
    r"(?P<n>\d{1,3})\s*(?P<unit>秒|分钟|分鐘|小时|小時|天|日|周|週|个月|個月)前"
    r"|(?P<day>刚刚|剛剛|今天|昨天|前天)(?:\s*(?P<hh>\d{1,2})[:：](?P<mi>\d{2}))?"
    r"|(?P<en_n>\d{1,3}|an?)\s+(?P<en_unit>seconds?|minutes?|mins?|hours?|hrs?|days?|weeks?|months?|years?)\s+ago\b"
    r"|(?P<en_day>just now|today|yesterday)\b", re.I)
_UNIT = {"秒": "s", "分钟": "m", "分鐘": "m", "小时": "h", "小時": "h", "天": "d", "日": "d", "周": "w", "週": "w",
         "个月": "mo", "個月": "mo", "second": "s", "minute": "m", "min": "m", "hour": "h", "hr": "h", "day": "d",
         "week": "w", "month": "mo", "year": "y"}
_DAYS_BACK = {"刚刚": 0, "剛剛": 0, "今天": 0, "昨天": 1, "前天": 2, "just now": 0, "today": 0, "yesterday": 1}


def is_relative_date(text: str) -> bool:
    """The text is one relative date and nothing else ("2 years ago", "3小时前"): a page that
    prints one often keeps the absolute date in the element's title attribute."""
    return bool(text) and len(text) <= 40 and _RELATIVE_RE.fullmatch(text.strip()) is not None


def match_relative_at(text: str, pos: int, fetched: datetime | None) -> DateMatch | None:
    """A relative date starting at `pos`, resolved against `fetched` (aware); None without a fetch time.

    Chinese forms come out in China time, English ones in the fetch time's zone.
    """
    if fetched is None or not text or pos >= len(text):
        return None
    mo = _RELATIVE_RE.match(text, pos, pos + 40)
    if not mo:
        return None
    chinese = bool(mo.group("n") or mo.group("day"))
    base = fetched.astimezone(CHINA_TZ) if chinese else fetched
    has_time = True
    if mo.group("n") or mo.group("en_n"):
        raw = (mo.group("n") or mo.group("en_n")).lower()
        n = 1 if raw in ("a", "an") else int(raw)
        unit_text = (mo.group("unit") or mo.group("en_unit").lower().rstrip("s"))
        unit = _UNIT.get(unit_text, _UNIT.get(unit_text.rstrip("s")))
        if unit == "y":  # "2 years ago" is too coarse to name a day
            return None
        step = {"s": timedelta(seconds=n), "m": timedelta(minutes=n), "h": timedelta(hours=n),
                "d": timedelta(days=n), "w": timedelta(weeks=n), "mo": timedelta(days=30 * n)}[unit]
        value = base - step
        has_time = unit in ("s", "m", "h")
        if not has_time:  # "2天前" names a day, not a moment
            value = value.replace(hour=0, minute=0, second=0)
    else:
        day = (mo.group("day") or mo.group("en_day")).lower()
        value = base - timedelta(days=_DAYS_BACK[day])
        if mo.group("hh"):
            try:
                value = value.replace(hour=int(mo.group("hh")), minute=int(mo.group("mi")), second=0)
            except ValueError:
                return None
        elif day not in ("刚刚", "剛剛", "just now"):
            value = value.replace(hour=0, minute=0, second=0)
            has_time = False
    return DateMatch(pos, mo.end(), value.replace(microsecond=0), has_time)


def parse_date_match(s: str, now: datetime | None = None) -> DateMatch | None:
    """Like parse_date, keeping whether the string carried a clock time."""
    if not s:
        return None
    s = s.strip().translate(_FULLWIDTH)
    if not s or len(s) > 100:
        return None
    mo = _COMPACT_RE.fullmatch(s)
    if mo:
        g = mo.groupdict()
        dt = _build(int(g["y"]), int(g["m"]), int(g["d"]), g["hh"], g["mi"], g["ss"], None, now)
        return DateMatch(0, len(s), dt, g["hh"] is not None) if dt else None
    m = match_date_at(s, 0, now)
    # The date must be the whole string, bar trailing punctuation or a weekday.
    if m and re.fullmatch(r"[\s,.;)）]*(?:(?:星期|周)[一二三四五六日天])?[\s)）]*", s[m.end:]):
        return m
    return None


def parse_date(s: str, now: datetime | None = None) -> datetime | None:
    """A string that is one date (any supported form) -> aware datetime, else None."""
    m = parse_date_match(s, now)
    return m.value if m else None


def date_from_url(url: str, now: datetime | None = None) -> datetime | None:
    """The publication date a CMS put in the URL path (t20210108_, /2021/01/08/, ...), else None."""
    if not url:
        return None
    try:
        path = unquote(urlsplit(url).path)
    except ValueError:
        return None
    for pat in _URL_PATTERNS:
        for mo in pat.finditer(path):
            dt = _build(int(mo.group("y")), int(mo.group("m")), int(mo.group("d")), now=now)
            if dt is not None:
                return dt
    return None


def to_iso(dt: datetime | None) -> str | None:
    """ISO 8601 with offset, seconds precision; naive datetimes are China time."""
    if dt is None:
        return None
    if dt.tzinfo is None:
        dt = dt.replace(tzinfo=CHINA_TZ)
    return dt.replace(microsecond=0).isoformat()
