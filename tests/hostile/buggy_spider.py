"""A provincial_portal spider with a bug: its article callback raises on pages
whose URL ends in `_2.html`, half-way through its output, and its list
callback raises after yielding its requests on a list whose URL says `bug`.
For the accounting test: a bug is an error record (stage `spider`), never a lost page."""

from __future__ import annotations

from crawler.spiders.provincial_portal import ProvincialPortalSpider


class BuggySpider(ProvincialPortalSpider):
    name = "buggy_portal"

    def parse_article(self, response):
        for out in super().parse_article(response):
            if response.url.endswith("_2.html"):
                raise ValueError("a bug in the article callback")
            yield out

    def parse_list(self, response):
        yield from super().parse_list(response)
        if "bug" in response.url:
            raise ValueError("a bug in the list callback")
