from tests.crawler.conftest import crawl  # noqa: F401  (the crawl fixture: `scrapy crawl` in a subprocess)
