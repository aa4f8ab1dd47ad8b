"""The crawler's part of a record: who fetched what, when, from where."""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timezone
from typing import Any

from scrapy.http import Response

from cleaners.headers import header, header_items
from crawler.items import PageItem, PagePart


def utc_now_iso() -> str:
    return datetime.now(tz=timezone.utc).isoformat(timespec="seconds").replace("+00:00", "Z")


def new_crawl_id(now: datetime | None = None) -> str:
    """`<UTC timestamp>-<6 hex>`: sortable and unique per run."""
    now = now or datetime.now(tz=timezone.utc)
    return f"{now:%Y%m%dT%H%M%SZ}-{secrets.token_hex(3)}"


def decode_headers(response: Response) -> dict[str, str]:
    """Header names and first values as sent, latin-1 (bytes preserved one-to-one)."""
    return dict(header_items(response.headers))


def page_from_response(response: Response) -> PagePart:
    redirects = list(response.request.meta.get("redirect_urls", [])) if response.request else []
    first_url = redirects[0] if redirects else response.url
    return PagePart(
        url=first_url,
        final_url=response.url,
        status=response.status,
        headers=decode_headers(response),
        body=response.body,
        redirect_urls=redirects,
        fetched_at=utc_now_iso(),
        raw_sha256=served_sha256(response),
    )


def served_sha256(response: Response) -> str | None:
    """For a rendered page, the sha256 of the bytes the server sent (kept by the
    browser handler or by the plain fetch that preceded rendering)."""
    if "playwright" not in response.flags or response.request is None:
        return None
    raw = response.request.meta.get("browser_raw_body")
    return hashlib.sha256(raw).hexdigest() if raw is not None else None


def http_block(page: PagePart) -> dict[str, Any]:
    return {
        "status": page.status,
        "content_type": page.content_type,
        "etag": header(page.headers, "ETag"),
        "last_modified": header(page.headers, "Last-Modified"),
    }


def provenance(item: PageItem) -> dict[str, Any]:
    """Fields the crawler adds on top of the cleaner's record."""
    page = item.page
    return {
        "url": page.url,
        "final_url": page.final_url,
        "site": item.site,
        "site_name": item.site_name,
        "spider": item.spider,
        "crawl_id": item.crawl_id,
        "fetched_at": page.fetched_at,
        "http": http_block(page),
        "rendered": item.rendered,
        "redirect_urls": list(page.redirect_urls),
        **rendered_hashes(item),
    }


def rendered_hashes(item: PageItem) -> dict[str, Any]:
    """A rendered page is cleaned from its rendered HTML: `rendered_sha256` is that
    HTML's hash and `raw_sha256` stays the hash of what the server sent (when kept)."""
    if not item.rendered:
        return {}
    out: dict[str, Any] = {"rendered_sha256": hashlib.sha256(item.page.body).hexdigest()}
    if item.page.raw_sha256:
        out["raw_sha256"] = item.page.raw_sha256
    return out
