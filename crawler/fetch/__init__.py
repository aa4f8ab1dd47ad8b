"""Fetch: a request becomes a response (download, guard, retry, render, replay).

Downloader middlewares, in the order a request meets them (DOWNLOADER_MIDDLEWARES;
responses come back the other way):

    30  middlewares/site_limits.py     SiteDelayMiddleware: the registry's download_delay
    40  middlewares/address_guard.py   addresses the crawl may not reach (security.py decides)
   550  middlewares/retry_after.py     5xx/429 retried with back-off, Retry-After honoured
   560  middlewares/soft_block.py      200 pages that are a block (blocks.py decides)
   575  ../emit/warc.py                WarcWriterMiddleware: every response kept in WARC
   580  browser/render.py              which requests Chromium renders (challenges.py)
   585  middlewares/conditional.py     If-None-Match / If-Modified-Since from the state store
   650  middlewares/offsite_redirect.py  a redirect out of the allowed domains: an error record
   660  middlewares/redirect_loop.py   a redirect back into its own chain: an error record
   700  middlewares/cookies.py         cookies, bounded
   990  replay/middleware.py           REPLAY_DIR: answered from saved sites (replay/saved.py)
        browser/handler.py             the download handler: rendered requests through
                                       scrapy-playwright (browser/proxy.py is its only way
                                       out), every other one through Scrapy's HTTP handler

`responses.py` is the one answer to "is this response a usable HTML page?",
asked by the spiders before they read a page.
"""
