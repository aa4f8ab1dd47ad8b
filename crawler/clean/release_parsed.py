"""Pages waiting to be cleaned hold no parse: ReleaseParsedMiddleware (spider middleware 5).

With the cleaning pool, the reactor keeps downloading while pages wait for a
free cleaning process, and a page's response lives until its item is through
the pipelines. Scrapy keeps each response's decoded text and parsed tree with
it; the backlog of a fast site held a few hundred of them (a crawl of 1,000
generated pages peaked at 277 MB in the crawler's process, 142 MB without). The
item carries the page's bytes; the text and tree are needed only by the spider
and the spider middlewares, so they are released once the callback's output
has passed all of them (this middleware is the outermost).
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterable, Iterator
from typing import Any

from scrapy.http import Response

from crawler.compat.scrapy_http import release_parsed


class ReleaseParsedMiddleware:
    def process_spider_output(self, response: Response, result: Iterable[Any]) -> Iterator[Any]:
        try:
            yield from result
        finally:
            release_parsed(response)

    async def process_spider_output_async(self, response: Response, result: AsyncIterator[Any]) -> AsyncIterator[Any]:
        try:
            async for out in result:
                yield out
        finally:
            release_parsed(response)
