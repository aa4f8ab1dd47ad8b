"""Scrapy settings for the edunews crawler.

Politeness is the default: robots.txt obeyed, AutoThrottle on, at most two
concurrent requests per domain, a User-Agent naming the project and a contact.
Change any of them with `-s NAME=VALUE` on the command line (see docs/CRAWLER.md):

    scrapy crawl generic -a start_urls=https://example.edu.cn/xwzx/ \
        -s CRAWLER_CONTACT=mailto:me@example.org \
        -s CONCURRENT_REQUESTS_PER_DOMAIN=1 -s AUTOTHROTTLE_TARGET_CONCURRENCY=0.5
"""

import os

from crawler import PROJECT_NAME, PROJECT_URL, PROJECT_VERSION

BOT_NAME = "crawler"
SPIDER_MODULES = ["crawler.spiders"]
NEWSPIDER_MODULE = "crawler.spiders"

# --- politeness -------------------------------------------------------------
ROBOTSTXT_OBEY = True
AUTOTHROTTLE_ENABLED = True
AUTOTHROTTLE_START_DELAY = 2.0
AUTOTHROTTLE_MAX_DELAY = 30.0
AUTOTHROTTLE_TARGET_CONCURRENCY = 1.0
DOWNLOAD_DELAY = 1.0
CONCURRENT_REQUESTS = 8
CONCURRENT_REQUESTS_PER_DOMAIN = 2
DOWNLOAD_TIMEOUT = 30
DOWNLOAD_MAXSIZE = 20 * 1024 * 1024  # 20 MiB: no news page is bigger
DOWNLOAD_WARNSIZE = 5 * 1024 * 1024
RETRY_TIMES = 2

# Who we are and how to reach whoever runs the crawl. The User-Agent is built
# from these unless USER_AGENT is set explicitly (-s USER_AGENT=...).
CRAWLER_CONTACT = PROJECT_URL
USER_AGENT = f"{PROJECT_NAME}/{PROJECT_VERSION} (+{CRAWLER_CONTACT})"

# --- the site registry ------------------------------------------------------
# TOML file of sites (see the header of crawler/sites.toml); empty = the one shipped.
SITES_REGISTRY = ""

# Upper bound on list pages followed per start URL (pagination), 0 = no bound.
CRAWLER_MAX_LIST_PAGES = 0
# How deep the generic spider goes from its start URLs (links followed).
GENERIC_MAX_DEPTH = 3

# --- pages built by JavaScript -----------------------------------------------
# Rendered by scrapy-playwright with the system Chromium (see crawler/browser.py):
# sites with `needs_browser = true`, every page with `-a render=true`, and pages
# that arrive as an empty script shell; everything else stays plain HTTP. The
# browser starts only when a first page needs it. Off: nothing is ever rendered.
BROWSER_ENABLED = True
BROWSER_EXECUTABLE = "/usr/bin/chromium"  # never a downloaded browser; env CHROMIUM_PATH overrides
BROWSER_PAGE_TIMEOUT = 30  # seconds for a page to load in the browser
BROWSER_SETTLE_TIMEOUT = 3  # seconds after load for the page's scripts to go quiet
BROWSER_BLOCKED_RESOURCE_TYPES = ["image", "font", "media"]
BROWSER_AUTO_DETECT = True  # render pages that come back as an empty script shell
# scrapy-playwright needs the asyncio reactor (Scrapy's default; said here so it stays).
TWISTED_REACTOR = "twisted.internet.asyncioreactor.AsyncioSelectorReactor"

# --- run identity -----------------------------------------------------------
# One crawl id per run; empty = "<UTC timestamp>-<random>" generated at start.
CRAWL_ID = ""

# --- offline replay ---------------------------------------------------------
# A directory of saved sites (fixtures/ or fixtures/sites/): when set, every
# request is answered from it and nothing touches the network.
REPLAY_DIR = ""

# --- components -------------------------------------------------------------
DOWNLOADER_MIDDLEWARES = {
    "crawler.middlewares.replay.ReplayMiddleware": 990,
    "crawler.middlewares.render.RenderMiddleware": 580,
    "crawler.middlewares.offsite_redirect.OffsiteRedirectMiddleware": 650,
}
SPIDER_MIDDLEWARES = {
    "crawler.middlewares.spider_errors.SpiderErrorMiddleware": 950,
}
ITEM_PIPELINES = {
    "crawler.pipelines.clean.CleanPipeline": 300,
    "crawler.pipelines.validate.ValidatePipeline": 400,
    "crawler.pipelines.errors.ErrorRecordPipeline": 900,
}
EXTENSIONS = {
    "scrapy.extensions.telnet.TelnetConsole": None,
    "crawler.extensions.summary.CrawlSummary": 500,
}
TELNETCONSOLE_ENABLED = False

# Cleaning through the cleaners library (the pipeline switches off when False).
CLEAN_ENABLED = True
# Clean in a pool of this many worker processes (cleaning is CPU-bound), so the
# reactor keeps downloading; default one per core; 0 = in the crawler's process.
CLEAN_WORKERS = os.cpu_count() or 1
# Validation against cleaners/schema/*.schema.json (empty dir = the shipped one).
VALIDATE_ENABLED = True
VALIDATE_SCHEMA_DIR = ""

# --- output -----------------------------------------------------------------
FEED_EXPORT_ENCODING = "utf-8"
FEED_URI_PARAMS = "crawler.feeds.uri_params"
# The feed used when none is given (no -o/-O, no FEEDS): JSONL, UTF-8, one file
# per run; %(name)s is the spider, %(time)s the run's start (UTC). Empty = none.
# Not written into FEEDS here, because Scrapy merges -o/-O with FEEDS and the
# default file would then be written too.
CRAWLER_OUTPUT = "output/%(name)s/%(time)s.jsonl"
# Error records: never in the article feed. Empty = beside the first local
# feed (`<feed>.errors.jsonl`), e.g. output/<spider>/<run>.errors.jsonl.
ERRORS_URI = ""
# End-of-crawl summary (JSON): empty = beside the first feed (`<feed>.summary.json`).
SUMMARY_ENABLED = True
SUMMARY_URI = ""

LOG_LEVEL = "INFO"
