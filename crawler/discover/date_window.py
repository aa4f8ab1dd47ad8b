"""`-a since=2024-01-01` / `-a until=2024-06-30`: articles of a date window only.

An article's date is known before it is fetched from its list (the date a list
writes beside the link, a datastore record's or a list API's date field) or
from its URL (t20210108_, /art/2021/1/8/); an article with neither is fetched.
The dates are read by the cleaner's own date grammar (cleaners.dates), the one
place the project reads dates. Lists are newest first: a list page whose dated
links are all older than `since` is the end of that list.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from cleaners.dates import date_from_url, parse_date


def _day(value: str | None, name: str) -> date | None:
    if not value:
        return None
    parsed = parse_date(str(value).strip())
    if parsed is None:
        raise ValueError(f"-a {name}={value!r} is not a date (e.g. 2024-03-12)")
    return parsed.date()


@dataclass(frozen=True)
class DateWindow:
    since: date | None = None
    until: date | None = None

    @classmethod
    def from_args(cls, since: str | None, until: str | None) -> "DateWindow":
        window = cls(_day(since, "since"), _day(until, "until"))
        if window.since and window.until and window.since > window.until:
            raise ValueError(f"-a since={since} is after -a until={until}")
        return window

    def __bool__(self) -> bool:
        return bool(self.since or self.until)

    @staticmethod
    def date_of(url: str, list_date: str | None = None) -> date | None:
        parsed = parse_date(list_date.strip()) if list_date else None
        if parsed is None:
            parsed = date_from_url(url)
        return parsed.date() if parsed else None

    def outside(self, url: str, list_date: str | None = None) -> bool:
        """True only when the article's date is known and outside the window."""
        if not self:
            return False
        d = self.date_of(url, list_date)
        return d is not None and bool((self.since and d < self.since) or (self.until and d > self.until))

    def list_is_past(self, dated: list[tuple[str, str | None]]) -> bool:
        """A list page whose dated links are all older than `since`: its further pages are older still."""
        if not self.since:
            return False
        days = [d for d in (self.date_of(url, ld) for url, ld in dated) if d is not None]
        return bool(days) and all(d < self.since for d in days)

    def changed_before_since(self, lastmod: str | None) -> bool:
        """A page last changed before `since` (a sitemap's lastmod) was published before it too."""
        if not (self.since and lastmod):
            return False
        parsed = parse_date(lastmod.strip())
        return parsed is not None and parsed.date() < self.since

    def published_outside(self, published_at: str | None) -> bool:
        """A cleaned article dated outside the window (its own date, as the page writes it)."""
        if not (self and published_at):
            return False
        parsed = parse_date(str(published_at).strip())
        if parsed is None:
            return False
        d = parsed.date()
        return bool((self.since and d < self.since) or (self.until and d > self.until))
