"""A redirect back to a URL of its own chain is a loop: stop it with an error.

Without this, the loop's second visit to a URL is dropped by the duplicate
filter and the article disappears without a trace. Sits at 650, so it sees a
3xx before RedirectMiddleware (600) turns it into a new request. Long chains
without a loop end at REDIRECT_MAX_TIMES in RedirectMiddleware ("max
redirections reached"), which also reaches the errback.

Raises RedirectLoop (an IgnoreRequest, stage `redirect`), counted as
`redirect/loop`. Settings: REDIRECT_LOOP_ENABLED (True).
"""

from __future__ import annotations

import logging
from urllib.parse import urldefrag

from scrapy.exceptions import IgnoreRequest, NotConfigured
from scrapy.http import Request, Response

from crawler.fetch.responses import redirect_target

logger = logging.getLogger(__name__)

REDIRECT_STATUSES = (301, 302, 303, 307, 308)


class RedirectLoop(IgnoreRequest):
    stage = "redirect"


class RedirectLoopMiddleware:
    def __init__(self, crawler):
        if not crawler.settings.getbool("REDIRECT_LOOP_ENABLED", True):
            raise NotConfigured("REDIRECT_LOOP_ENABLED is off")
        self.stats = crawler.stats

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler)

    def process_response(self, request: Request, response: Response) -> Response:
        if response.status not in REDIRECT_STATUSES or request.meta.get("dont_redirect"):
            return response
        target = redirect_target(request, response)
        if target is None:
            return response
        target = urldefrag(target)[0]
        chain = [*request.meta.get("redirect_urls", []), request.url]
        if target in (urldefrag(u)[0] for u in chain):
            self.stats.inc_value("redirect/loop")
            logger.warning("redirect loop: %s", " -> ".join([*chain, target]))
            raise RedirectLoop(f"redirect loop after {len(chain)} hops: {target} again")
        return response
