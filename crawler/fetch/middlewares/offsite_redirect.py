"""A redirect that leaves the allowed domains becomes an error, not silence.

Scrapy's OffsiteMiddleware drops such a redirect when it is scheduled, without
calling the request's errback, so an article behind it would vanish unseen.
This middleware looks at the 3xx response before RedirectMiddleware (order
650 > 600) and raises IgnoreRequest("redirected off site to <host>"), which
reaches the errback and becomes an error record (stage "fetch").
Requests with meta `allow_offsite` or `dont_redirect` are left alone.
"""

from __future__ import annotations

import logging
from urllib.parse import urlparse

from scrapy.exceptions import IgnoreRequest
from scrapy.http import Request, Response

from crawler.fetch.responses import redirect_target

logger = logging.getLogger(__name__)


class OffsiteRedirectMiddleware:
    def __init__(self, crawler):
        self.crawler = crawler

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler)

    def process_response(self, request: Request, response: Response) -> Response:
        if not (300 <= response.status < 400) or b"Location" not in response.headers:
            return response
        if request.meta.get("allow_offsite") or request.meta.get("dont_redirect"):
            return response
        spider = self.crawler.spider
        in_domain = getattr(spider, "in_domain", None)
        if in_domain is None or not getattr(spider, "allowed_domains", None):
            return response
        target = redirect_target(request, response)
        if target is None:
            return response
        if in_domain(target):
            return response
        self.crawler.stats.inc_value("redirects/offsite")
        host = urlparse(target).hostname or target
        raise IgnoreRequest(f"redirected off site to {host}")
