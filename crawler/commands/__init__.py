"""The project's Scrapy commands (COMMANDS_MODULE): `crawl` with an exit status
that says when a crawl could not finish."""
