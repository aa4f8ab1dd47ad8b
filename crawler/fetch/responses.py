"""Is a response a usable HTML page? The checks every spider makes before it
reads links or hands a page to the cleaner; and where a redirect leads, as
Scrapy will follow it. Pure functions of status, headers and body.
"""

from __future__ import annotations

from urllib.parse import urljoin, urlparse

from scrapy.http import HtmlResponse, Request, Response, TextResponse
from w3lib.url import safe_url_string

from cleaners.headers import header, media_type
from cleaners.sniff import binary_kind as sniff_binary
from cleaners.sniff import looks_like_html  # noqa: F401  (one sniffer: the cleaner's)

HTML_TYPES = ("text/html", "application/xhtml+xml")
# Content types that may carry HTML when a server mislabels it.
MAYBE_HTML_TYPES = ("text/plain", "application/octet-stream", "text/xml", "application/xml", "")
# HTTP statuses handed to the callbacks (not swallowed by HttpErrorMiddleware),
# so a failed page becomes an error record. Redirects are left to Scrapy.
ERROR_STATUSES = list(range(400, 600))


def truncated(response: Response) -> str | None:
    """Why the body is cut short, or None: the connection closed before the
    Content-Length the server declared. Scrapy fails such a download
    (DOWNLOAD_FAIL_ON_DATALOSS, on by default) and the spider's errback writes a
    `fetch` error record; a run that turns it off gets the body flagged
    `dataloss`, and it is still no page to clean or to read links from."""
    if "dataloss" not in response.flags:
        return None
    declared = (header(response.headers, "Content-Length") or "").strip()
    of = f" of {declared} declared" if declared.isdigit() else ""
    return f"truncated body: {len(response.body)} bytes{of} (connection closed early)"


def problem(response: Response) -> tuple[str, str] | None:
    """(stage, reason) when the response is not a page we can use, else None."""
    cut = truncated(response)
    if cut:
        return "fetch", cut
    status = response.status
    if status >= 400:
        return "http", f"HTTP {status}"
    if 300 <= status < 400:
        return "http", f"HTTP {status} redirect not followed"
    body = response.body
    if not body.strip():
        return "content", "empty body"
    ctype = media_type(response.headers) or ""  # "": none declared
    binary = sniff_binary(body)
    if binary:
        return "content", f"not HTML: {ctype or 'unlabelled'} body is {binary}"
    if ctype in HTML_TYPES:
        return None
    if ctype in MAYBE_HTML_TYPES and looks_like_html(body):
        return None
    return "content", f"not HTML: content type {ctype or 'missing'}"


def as_html(response: Response) -> TextResponse:
    """The response as a TextResponse for link extraction (a mislabelled page included)."""
    if isinstance(response, TextResponse):
        return response
    return HtmlResponse(
        url=response.url,
        status=response.status,
        headers=response.headers,
        body=response.body,
        request=response.request,
    )


def redirect_target(request: Request, response: Response) -> str | None:
    """The URL Scrapy's RedirectMiddleware follows for this 3xx, computed as it does
    (Location's bytes read as UTF-8, the rest percent-escaped; `//host/...` takes the
    request's scheme), so the loop and off-site checks judge the URL fetched next."""
    raw = response.headers.get("Location")
    if not raw:
        return None
    location = safe_url_string(raw)
    if raw.startswith(b"//"):
        location = urlparse(request.url).scheme + "://" + location.lstrip("/")
    return urljoin(request.url, location)
