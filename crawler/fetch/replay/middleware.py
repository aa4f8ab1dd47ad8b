"""Offline replay: answer every request from saved sites, never the network.

Switched on by REPLAY_DIR (e.g. `scrapy crawl provincial_portal -s REPLAY_DIR=fixtures`):
each request is answered from `REPLAY_DIR/sites/*/index.json` with the saved
status, headers and raw bytes, found by method, URL and (for a POST) body; a
request that was not saved (robots.txt included) gets a 404. Responses carry the flag "replay". Sits last before the downloader
(order 990), so robots.txt, redirects, retries and the rest behave as live.

Settings: REPLAY_DIR (empty = off).
"""

from __future__ import annotations

import logging

from scrapy.exceptions import NotConfigured
from scrapy.http import Headers, Request, Response
from scrapy.responsetypes import responsetypes

from crawler.fetch.replay.saved import SavedStore

logger = logging.getLogger(__name__)


class ReplayMiddleware:
    def __init__(self, crawler, store: SavedStore, root: str):
        self.stats = crawler.stats
        self.store = store
        self.root = root

    @classmethod
    def from_crawler(cls, crawler):
        root = crawler.settings.get("REPLAY_DIR")
        if not root:
            raise NotConfigured  # off unless REPLAY_DIR is set (no warning)
        store = SavedStore.load(root)
        if not len(store):
            raise ValueError(f"REPLAY_DIR={root!r}: no saved sites (expected sites/*/index.json)")
        logger.info("replaying %d saved responses from %s: no network", len(store), root)
        return cls(crawler, store, root)

    def process_request(self, request: Request) -> Response:
        saved = self.store.get(request.url, request.method, request.body)
        if saved is None:
            self.stats.inc_value("replay/not_saved")
            if not request.url.endswith("/robots.txt"):
                logger.info("replay: %s %s%s was not saved, answering 404", request.method, request.url,
                            f" (body {request.body[:200]!r})" if request.body else "")
            return Response(url=request.url, status=404, body=b"", request=request, flags=["replay"])
        self.stats.inc_value("replay/served")
        headers = Headers()
        for key, value in saved.headers.items():
            headers[key] = value if isinstance(value, list) else [value]
        cls = responsetypes.from_args(headers=headers, url=request.url, body=saved.body)
        return cls(url=request.url, status=saved.status, headers=headers, body=saved.body,
                   request=request, flags=["replay"])
