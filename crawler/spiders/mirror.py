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
