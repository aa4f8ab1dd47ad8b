"""Mirror sites: copies of official articles (machine-translated English pages,
gambling-spam clones). Their layouts follow no one CMS, so the mirror spider
crawls like `generic` (classify each page, follow only lists) but records carry
site_type "mirror" and the registry's URL patterns, when given, decide first.
"""

from __future__ import annotations

from crawler.spiders.generic import GenericSpider


class MirrorSpider(GenericSpider):
    name = "mirror"
    site_type = "mirror"

    # Contracts (`scrapy check`), on the saved mirror_en site in fixtures/.
    def parse_page(self, response):
        """A mirror's category page: requests for the pages it links to, no record.

        @url https://www.chinaedu-en.net/category/education/
        @returns requests 4
        @returns items 0 0
        """
        return super().parse_page(response)
