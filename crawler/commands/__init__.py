"""The project's Scrapy commands (COMMANDS_MODULE): `scrapy runall`, `scrapy reclean`,
and `scrapy shell` / `scrapy check` adjusted to this project (see each module)."""
