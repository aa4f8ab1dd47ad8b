"""Scrapy's TextResponse caches: the only module naming them.

A TextResponse keeps its decoded text (`_cached_ubody`) and its parsed tree
(`_cached_selector`, lxml) for as long as the response lives, and the response
lives until every item its callback gave is through the item pipelines. Items
waiting for the cleaning pool would hold hundreds of trees, each many times the
page's size: `release_parsed` drops both once the spider is done with the page
(asked again, they are made again). `check()` (run by
tests/test_library_internals.py) says when the installed Scrapy caches otherwise.
"""

from __future__ import annotations

from typing import Any

from crawler.compat import LibraryChanged, installed_version

DISTRIBUTION = "Scrapy"
WRITTEN_FOR = "2.19.0"
CACHES = ("_cached_ubody", "_cached_selector")


def release_parsed(response: Any) -> None:
    """Forget the response's decoded text and parsed tree (a no-op on other responses)."""
    if all(hasattr(response, name) for name in CACHES):
        for name in CACHES:
            setattr(response, name, None)


def check() -> None:
    """Raise LibraryChanged when TextResponse no longer caches as release_parsed expects."""
    from scrapy.http import HtmlResponse

    response = HtmlResponse("http://127.0.0.1/", body="<html><body><p>页</p></body></html>".encode(),
                            encoding="utf-8")
    text, selector = response.text, response.selector
    problems = [f"TextResponse.{name} is gone" for name in CACHES if not hasattr(response, name)]
    if not problems:
        if (response._cached_ubody, response._cached_selector) != (text, selector):
            problems.append("TextResponse no longer keeps its text and selector in _cached_ubody/_cached_selector")
        release_parsed(response)
        if response.text != text or response.selector is selector or not response.xpath("//p"):
            problems.append("a released TextResponse does not make its text and selector again")
    if problems:
        raise LibraryChanged(f"{DISTRIBUTION} {installed_version(DISTRIBUTION)} (crawler/compat/scrapy_http.py "
                             f"was written for {WRITTEN_FOR}): " + "; ".join(problems))
