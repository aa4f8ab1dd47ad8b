"""URL canonicalisation and crawler-trap bounds. Pure functions, no Scrapy.

Traps are link spaces without end: calendars whose "next month" always
exists, session ids that make every URL new, paths that grow one segment per
page (/a/a/a/...). Defences, each cheap and explainable:

- canonical_url (cleaners/urls.py, the project's one canonicaliser): session
  ids (;jsessionid=, PHPSESSID, sid, ASPSESSIONID...), tracking parameters
  (utm_*, from, spm, fbclid...) and the fragment removed, the query sorted, so
  the duplicate filter sees one URL where the site shows many;
  CanonicalRequestFingerprinter makes Scrapy's (and Redis') duplicate filter
  use it too;
- trap_reason: a URL too long, a path too deep, a path segment repeated too
  often, or a calendar-like query (date/year/month parameters) outside a
  plausible range of years;
- DEPTH_LIMIT (Scrapy's DepthMiddleware) bounds everything else.
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass
from datetime import date
from urllib.parse import parse_qsl, urlsplit
from weakref import WeakKeyDictionary

from cleaners.urls import canonical_url

__all__ = ["canonical_url", "CanonicalRequestFingerprinter", "TrapLimits", "trap_reason"]

# Calendar-like query parameters and the years they name.
CALENDAR_KEYS = frozenset({"date", "day", "month", "year", "ym", "yearmonth", "cal", "calendar",
                           "d", "y", "m", "time", "week"})
_YEAR = re.compile(r"(?<!\d)(\d{4})(?!\d)")


class CanonicalRequestFingerprinter:
    """REQUEST_FINGERPRINTER_CLASS: Scrapy's fingerprint (method, URL, body; no
    headers) of the request's canonical URL, so every duplicate filter (Scrapy's
    and the Redis one in crawler/scale/distributed.py) agrees with the record ids."""

    def __init__(self) -> None:
        self._cache: WeakKeyDictionary = WeakKeyDictionary()

    @classmethod
    def from_crawler(cls, crawler) -> "CanonicalRequestFingerprinter":
        return cls()

    def fingerprint(self, request) -> bytes:
        fp = self._cache.get(request)
        if fp is None:
            key = {"method": request.method.upper(), "url": canonical_url(request.url),
                   "body": (request.body or b"").hex(), "headers": {}}
            fp = hashlib.sha1(json.dumps(key, sort_keys=True).encode()).digest()
            self._cache[request] = fp
        return fp


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
