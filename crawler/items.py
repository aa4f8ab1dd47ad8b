"""What flows from the spiders to the pipelines to the feed.

- `PageItem`: one fetched article (raw bytes, never decoded text) with its
  provenance; `parts` holds the further pages of an article split over several.
- `DocumentItem`: a document (PDF, DOC, XLS, ...) a list page links as one of its
  entries, with the entry's title and date: read into an attachment record
  without a parent article (crawler/clean/attachments.py).
- `ArticleRecord`: the cleaned record (a dict) that the feed writes.
- `ErrorRecord`: a page that failed at some stage; written to the errors file,
  never to the article feed.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from cleaners.headers import header


@dataclass
class PagePart:
    """One fetched page: what the server sent, exactly, and how we got there."""

    url: str  # the URL we asked for (first of the redirect chain)
    final_url: str  # the URL that answered
    status: int
    headers: dict[str, str]  # first value of each header, names as sent
    body: bytes
    redirect_urls: list[str] = field(default_factory=list)  # URLs before final_url
    fetched_at: str = ""  # UTC ISO 8601
    # Rendered pages: `body` is the rendered DOM (UTF-8); this is the sha256 of the
    # bytes the server sent, when they were kept (None: body is what was sent).
    raw_sha256: str | None = None

    @property
    def content_type(self) -> str | None:
        return header(self.headers, "Content-Type")


@dataclass
class PageItem:
    """An article page as fetched, plus what the crawler knows about it."""

    page: PagePart
    site: str
    site_name: str | None
    site_type: str | None  # None: let the cleaner detect it (generic spider)
    spider: str
    crawl_id: str
    content_xpath: str | None = None
    date_format: str | None = None
    rendered: bool = False
    referer: str | None = None  # the list page that linked to it
    parts: list[PagePart] = field(default_factory=list)  # pages 2..n of a split article


@dataclass
class DocumentItem:
    """A document linked straight from a list page's entries, as fetched (never cleaned as HTML)."""

    page: PagePart
    site: str
    site_name: str | None
    site_type: str | None
    spider: str
    crawl_id: str
    list_url: str | None  # the list page whose entry linked it
    title: str | None = None  # the entry's anchor text
    list_date: str | None = None  # the date the list writes beside the entry, as written


class ArticleRecord(dict):
    """A clean record: the cleaner's fields plus the crawler's provenance."""


class ErrorRecord(dict):
    """A page that failed: `error` (the stage), `reason`, `url` and what provenance it has.

    Provenance we do not have is left out rather than written as null.
    """

    def __init__(self, *args: Any, **kwargs: Any):
        super().__init__()
        self.update(*args, **kwargs)

    def __setitem__(self, key: str, value: Any) -> None:
        if value is None:
            self.pop(key, None)
        else:
            super().__setitem__(key, value)

    def update(self, *args: Any, **kwargs: Any) -> None:  # type: ignore[override]
        for key, value in dict(*args, **kwargs).items():
            self[key] = value

