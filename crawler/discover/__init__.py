"""Discover: which pages a site has and which of them to fetch.

The spiders (crawler/spiders/, where Scrapy looks for them) do the walking with
what lives here:

- registry.py: the sites (crawler/sites.toml): start URLs, domains, site type, limits;
- links.py: article links, pagination and continuation pages read out of a page;
- list_sources.py: list entries that are not anchors (datastores, scripts, JSON APIs);
- site_indexes.py: sitemaps and RSS/Atom feeds;
- classify.py: article, list or other, for sites without rules (cleaners/page_kind.py decides);
- date_window.py: `-a since/until`, applied before an article is requested;
- url_policy.py: canonical URLs, trap bounds and the request fingerprint.

Spider middlewares, from the spider outwards (SPIDER_MIDDLEWARES):
middlewares/spider_errors.py (950: a callback's bug becomes an error record),
middlewares/url_policy.py (750: every followed link canonicalised, traps dropped),
then crawler/fetch/middlewares/site_limits.py (700: max_articles) and
crawler/emit/accounting.py (10: what every page became).
"""
