"""The Scrapy side of the project: spiders fetch raw pages, pipelines hand them
to the pure-Python `cleaners` library, feed exports write JSONL.

Its packages follow a page: discover/ (with spiders/) -> fetch/ -> clean/ ->
emit/, and scale/ for many processes; docs/ARCHITECTURE.md draws the layout.
See docs/CRAWLER.md for how to run it and how the parts fit together.
"""

PROJECT_NAME = "edunews-crawler"
PROJECT_VERSION = "0.1"
PROJECT_URL = "https://github.com/edunews/edunews-crawler"

# Old dotted paths of modules that moved fail with their new path (crawler/moved_modules.py).
from crawler import moved_modules as _moved_modules  # noqa: E402

_moved_modules.install()
