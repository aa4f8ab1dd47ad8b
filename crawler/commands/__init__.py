"""The project's Scrapy commands (COMMANDS_MODULE): `scrapy runall`, `scrapy reclean`,
`crawl` with an exit status that says when a crawl could not finish, and
`scrapy shell` / `scrapy check` adjusted to this project (see each module)."""
