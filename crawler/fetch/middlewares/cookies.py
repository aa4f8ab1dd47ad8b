"""Cookies, bounded, and judged with the public suffix list bundled offline.

Scrapy's CookiesMiddleware keeps every cookie a site sends and sends them all
back: one page setting 5,000 cookies of 4 KB makes every later request carry
20 MB of Cookie header (servers answer 431, memory grows without end). And it
asks tldextract whether a cookie's domain is a public suffix with tldextract's
defaults, which download the list from the internet on first use: a request to
a host nobody named.

This middleware replaces it (same place, same `cookiejar` meta, same
COOKIES_ENABLED / COOKIES_DEBUG) with:

- the public suffix list of the installed tldextract (its bundled snapshot; no
  download, no cache directory);
- per cookie at most COOKIES_MAX_SIZE bytes of name and value (browsers: 4096),
  and a Path or Domain of at most 1024;
- per site (registrable domain, so sub-domains share the allowance) at most
  COOKIES_MAX_PER_SITE cookies, per jar at most COOKIES_MAX_TOTAL: a cookie
  beyond them is refused; the ones a site set first (its session) stay;
- per request at most REQUEST_HEADERS_MAX_SIZE bytes of headers: cookies that do
  not fit are left out of that request (smaller ones still go), so the request
  still gets an answer instead of 431.

Counted in the stats: `cookies/refused/size`, `cookies/refused/per_site`,
`cookies/refused/total`, `cookies/trimmed_requests`, `cookies/trimmed`.
"""

from __future__ import annotations

import logging
from functools import lru_cache

from scrapy.downloadermiddlewares.cookies import CookiesMiddleware
from scrapy.http import Request, Response
from scrapy.utils.httpobj import urlparse_cached
from tldextract import TLDExtract

logger = logging.getLogger(__name__)

# Browsers ignore a Path or Domain attribute longer than this (RFC 6265bis).
MAX_ATTRIBUTE = 1024
# The bundled snapshot only: no URL to fetch, no cache to write.
_SUFFIXES = TLDExtract(cache_dir=None, suffix_list_urls=(), fallback_to_snapshot=True,
                       include_psl_private_domains=True)


@lru_cache(maxsize=4096)
def _split(domain: str):
    return _SUFFIXES(domain)


def is_public_suffix(domain: str) -> bool:
    """True for "com", "edu.cn", "github.io": domains nobody may set a cookie for."""
    return not _split(domain).domain


def site_of(domain: str) -> str:
    """The registrable domain a cookie domain belongs to ("www.moe.gov.cn" -> "moe.gov.cn");
    hosts without a public suffix (IP addresses, "localhost") are their own site."""
    domain = domain.lstrip(".").lower()
    return _split(domain).top_domain_under_public_suffix or domain


class BoundedCookiesMiddleware(CookiesMiddleware):
    def __init__(self, debug: bool = False, max_size: int = 4096, max_per_site: int = 50,
                 max_total: int = 1000, max_header_bytes: int = 8192):
        super().__init__(debug)
        self.max_size = max_size
        self.max_per_site = max_per_site
        self.max_total = max_total
        self.max_header_bytes = max_header_bytes

    @classmethod
    def from_crawler(cls, crawler):
        mw = super().from_crawler(crawler)  # NotConfigured when COOKIES_ENABLED is off
        s = crawler.settings
        mw.max_size = s.getint("COOKIES_MAX_SIZE", mw.max_size)
        mw.max_per_site = s.getint("COOKIES_MAX_PER_SITE", mw.max_per_site)
        mw.max_total = s.getint("COOKIES_MAX_TOTAL", mw.max_total)
        mw.max_header_bytes = s.getint("REQUEST_HEADERS_MAX_SIZE", mw.max_header_bytes)
        return mw

    def _count(self, key: str, n: int = 1) -> None:
        crawler = getattr(self, "crawler", None)
        if crawler is not None and n:
            crawler.stats.inc_value(key, n)

    # Scrapy's own loop, with the offline suffix list and the bounds.
    def _process_cookies(self, cookies, *, jar, request: Request) -> None:
        hostname = urlparse_cached(request).hostname
        if hostname is None:
            return
        request_domain = hostname.lower()
        for cookie in cookies:
            cookie_domain = cookie.domain.removeprefix(".")
            if cookie_domain and is_public_suffix(cookie_domain):
                if cookie_domain != request_domain:
                    continue
                cookie.domain = request_domain
            if self.refusal(cookie, jar):
                continue
            jar.set_cookie_if_ok(cookie, request)

    def refusal(self, cookie, jar) -> str | None:
        """Why a cookie is not kept (a bound it would cross, counted), or None."""
        why = self._bound_crossed(cookie, jar)
        if why:
            self._count(f"cookies/refused/{why}")
        return why

    def _bound_crossed(self, cookie, jar) -> str | None:
        if len(cookie.name or "") + len(cookie.value or "") > self.max_size \
                or len(cookie.path or "") > MAX_ATTRIBUTE or len(cookie.domain or "") > MAX_ATTRIBUTE:
            return "size"
        site = site_of(cookie.domain)
        key = (cookie.domain, cookie.path, cookie.name)
        total = same_site = 0
        for kept in jar.jar:
            if (kept.domain, kept.path, kept.name) == key:
                return None  # replaces a cookie it already has: no growth
            total += 1
            same_site += site_of(kept.domain) == site
        if same_site >= self.max_per_site:
            return "per_site"
        if total >= self.max_total:
            return "total"
        return None

    def process_request(self, request: Request) -> Request | Response | None:
        result = super().process_request(request)
        self._fit_headers(request)
        return result

    def _fit_headers(self, request: Request) -> None:
        """Leave out the cookies that would take the request's headers over the cap."""
        cookie_header = request.headers.get(b"Cookie")
        if not cookie_header:
            return
        others = sum(len(k) + 4 + sum(len(v) for v in vs)
                     for k, vs in request.headers.items() if k.lower() != b"cookie")
        budget = self.max_header_bytes - others - len(b"Cookie: \r\n")
        if len(cookie_header) <= budget:
            return
        kept, size, dropped = [], 0, 0
        for pair in cookie_header.split(b"; "):
            extra = len(pair) + (2 if kept else 0)
            if size + extra <= budget:
                kept.append(pair)
                size += extra
            else:
                dropped += 1
        if kept:
            request.headers[b"Cookie"] = b"; ".join(kept)
        else:
            del request.headers[b"Cookie"]
        self._count("cookies/trimmed_requests")
        self._count("cookies/trimmed", dropped)
        logger.debug("%s: %d cookies left out to keep the request headers under %d bytes",
                     request.url, dropped, self.max_header_bytes)
