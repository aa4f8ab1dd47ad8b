"""Conditional requests for articles already emitted: If-None-Match (the ETag)
and If-Modified-Since (the Last-Modified) from the state store.

A `304 Not Modified` answer means unchanged: counted (`state/not_modified`),
the article's last fetch time updated, and the response handed to a callback
that does nothing, so it is neither an error record nor a page to clean.
List pages are always fetched in full (they are how new articles are found);
so are split articles, whose store entry keeps no validators.

Settings: STATE_ENABLED (needed), CONDITIONAL_ENABLED (default True).
"""

from __future__ import annotations

import logging
from typing import Any

from scrapy.exceptions import NotConfigured
from scrapy.http import Request, Response

from crawler.emit.provenance import utc_now_iso
from crawler.emit.state.runtime import state_for

logger = logging.getLogger(__name__)

CONDITIONAL_KINDS = ("article", "document")


def not_modified(response: Response) -> list:
    """Callback for a 304 answer: nothing to do, the article has not changed."""
    return []


class ConditionalRequestMiddleware:
    def __init__(self, crawler: Any):
        if not crawler.settings.getbool("CONDITIONAL_ENABLED", True):
            raise NotConfigured("CONDITIONAL_ENABLED is off")
        self.state = state_for(crawler)
        if self.state is None:
            raise NotConfigured  # off by default: no warning
        self.stats = crawler.stats

    @classmethod
    def from_crawler(cls, crawler: Any) -> "ConditionalRequestMiddleware":
        return cls(crawler)

    def process_request(self, request: Request) -> None:
        if request.meta.get("kind") not in CONDITIONAL_KINDS or request.meta.get("conditional") is False:
            return None
        if b"If-None-Match" in request.headers or b"If-Modified-Since" in request.headers:
            return None
        known = self.state.store.validators(request.url)
        if not known:
            return None
        etag, last_modified = known
        if etag:
            request.headers[b"If-None-Match"] = etag
        if last_modified:
            request.headers[b"If-Modified-Since"] = last_modified
        request.meta["conditional_sent"] = True
        self.stats.inc_value("state/conditional_sent")
        return None

    def process_response(self, request: Request, response: Response) -> Response:
        if response.status != 304 or not request.meta.get("conditional_sent"):
            return response
        self.stats.inc_value("state/not_modified")
        self.state.store.touch(request.url, utc_now_iso())
        logger.debug("not modified: %s", request.url)
        quiet = request.replace(callback=not_modified, errback=None,
                                meta={**request.meta, "handle_httpstatus_list": [304]})
        return response.replace(request=quiet)
