"""URL canonicalisation and crawler-trap bounds. Pure functions, no Scrapy.

Traps are link spaces without end: calendars whose "next month" always
exists, session ids that make every URL new, paths that grow one segment per
page (/a/a/a/...). Defences, each cheap and explainable:

- canonical_url: session ids (;jsessionid=, PHPSESSID, sid, ASPSESSIONID...)
  and tracking parameters (utm_*, spm, fbclid...) removed, so the duplicate
  filter sees one URL where the site shows many;
- trap_reason: a URL too long, a path too deep, a path segment repeated too
  often, or a calendar-like query (date/year/month parameters) outside a
  plausible range of years;
- DEPTH_LIMIT (Scrapy's DepthMiddleware) bounds everything else.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

# Query keys that carry a session, never content (compared lower-case).
SESSION_KEYS = frozenset({
    "jsessionid", "phpsessid", "sid", "sessionid", "session_id", "sessid", "cfid", "cftoken",
    "aspsessionid", "zenid", "oscsid", "s_sid",
})
SESSION_KEY_PREFIXES = ("aspsessionid",)  # ASPSESSIONIDQSCTRBQA=...
# Tracking parameters added by share buttons and ads.
TRACKING_KEYS = frozenset({
    "fbclid", "gclid", "yclid", "msclkid", "dclid", "spm", "isappinstalled", "_hsenc", "_hsmi",
    "mc_cid", "mc_eid", "igshid",
})
TRACKING_KEY_PREFIXES = ("utm_",)
# ;jsessionid=ABC in the path (Java servlets), also ;sid=, ;phpsessid=.
_PATH_SESSION = re.compile(r";(?:jsessionid|sid|phpsessid|sessionid)=[^/?#;]*", re.I)
# Calendar-like query parameters and the years they name.
CALENDAR_KEYS = frozenset({"date", "day", "month", "year", "ym", "yearmonth", "cal", "calendar",
                           "d", "y", "m", "time", "week"})
_YEAR = re.compile(r"(?<!\d)(\d{4})(?!\d)")


def _is_session_key(key: str) -> bool:
    k = key.lower()
    return k in SESSION_KEYS or k.startswith(SESSION_KEY_PREFIXES)


def _is_tracking_key(key: str) -> bool:
    k = key.lower()
    return k in TRACKING_KEYS or k.startswith(TRACKING_KEY_PREFIXES)


def canonical_url(url: str) -> str:
    """The URL without session ids, tracking parameters and fragment. Parameter
    order and everything else is kept: sites do route on them."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return url
    path = _PATH_SESSION.sub("", parts.path)
    query = parts.query
    if query:
        pairs = parse_qsl(query, keep_blank_values=True)
        kept = [(k, v) for k, v in pairs if not (_is_session_key(k) or _is_tracking_key(k))]
        if len(kept) != len(pairs):
            query = urlencode(kept, doseq=True)
    return urlunsplit((parts.scheme, parts.netloc, path, query, ""))


@dataclass(frozen=True)
class TrapLimits:
    max_url_length: int = 1024
    max_path_depth: int = 16
    max_segment_repeats: int = 2  # the same segment more than this many times is a loop
    calendar_years_back: int = 30
    calendar_years_ahead: int = 1

    @classmethod
    def from_settings(cls, settings) -> TrapLimits:
        return cls(
            max_url_length=settings.getint("URL_POLICY_MAX_LENGTH", cls.max_url_length),
            max_path_depth=settings.getint("URL_POLICY_MAX_PATH_DEPTH", cls.max_path_depth),
            max_segment_repeats=settings.getint("URL_POLICY_MAX_SEGMENT_REPEATS", cls.max_segment_repeats),
            calendar_years_back=settings.getint("URL_POLICY_CALENDAR_YEARS_BACK", cls.calendar_years_back),
            calendar_years_ahead=settings.getint("URL_POLICY_CALENDAR_YEARS_AHEAD", cls.calendar_years_ahead),
        )


def trap_reason(url: str, limits: TrapLimits = TrapLimits(), today: date | None = None) -> str | None:
    """Why `url` looks like a crawler trap (a short stable reason), or None."""
    if len(url) > limits.max_url_length:
        return "url_length"
    try:
        parts = urlsplit(url)
    except ValueError:
        return "malformed"
    segments = [s for s in parts.path.split("/") if s]
    if len(segments) > limits.max_path_depth:
        return "path_depth"
    counts: dict[str, int] = {}
    for seg in segments:
        counts[seg] = counts.get(seg, 0) + 1
        if counts[seg] > limits.max_segment_repeats:
            return "repeated_segment"
    if parts.query:
        year_now = (today or date.today()).year
        low, high = year_now - limits.calendar_years_back, year_now + limits.calendar_years_ahead
        for key, value in parse_qsl(parts.query, keep_blank_values=True):
            if key.lower() not in CALENDAR_KEYS:
                continue
            for y in _YEAR.findall(value):
                if not low <= int(y) <= high:
                    return "calendar"
    return None
