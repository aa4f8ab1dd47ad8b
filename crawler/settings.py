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

BOT_NAME = PROJECT_NAME  # "edunews-crawler": in the log's first line and Scrapy's telnet/stats
SPIDER_MODULES = ["crawler.spiders"]
NEWSPIDER_MODULE = "crawler.spiders"
# `scrapy runall`, `scrapy reclean`, `crawl` (exits 3 when a distributed crawl could not
# finish), and `scrapy shell` / `scrapy check` fitted to the project.
COMMANDS_MODULE = "crawler.commands"

# --- politeness -------------------------------------------------------------
ROBOTSTXT_OBEY = True
AUTOTHROTTLE_ENABLED = True
AUTOTHROTTLE_START_DELAY = 2.0
AUTOTHROTTLE_MAX_DELAY = 30.0
AUTOTHROTTLE_TARGET_CONCURRENCY = 1.0
DOWNLOAD_DELAY = 1.0
CONCURRENT_REQUESTS = 8
CONCURRENT_REQUESTS_PER_DOMAIN = 2
# Scrapy starts this many tasks for every callback's output, however short; our
# callbacks yield one item or a page of links, so 100 (the default) is waste.
CONCURRENT_ITEMS = 16
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
# Sitemaps and feeds: found without configuration as well (robots.txt's Sitemap:
# lines, <link rel="alternate"> feeds on list pages, the site's domains only);
# at most this many sitemaps and feeds per site, sitemap indexes this deep.
CRAWLER_DISCOVER_INDEXES = True
CRAWLER_MAX_SITEMAPS = 50
CRAWLER_SITEMAP_DEPTH = 3

# --- pages built by JavaScript -----------------------------------------------
# Rendered by scrapy-playwright with the system Chromium (see crawler/fetch/browser/handler.py):
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
    "crawler.fetch.replay.middleware.ReplayMiddleware": 990,
    "crawler.fetch.browser.render.RenderMiddleware": 580,
    "crawler.fetch.middlewares.offsite_redirect.OffsiteRedirectMiddleware": 650,
    "crawler.fetch.middlewares.address_guard.AddressGuardMiddleware": 40,
    "crawler.fetch.middlewares.redirect_loop.RedirectLoopMiddleware": 660,
    "scrapy.downloadermiddlewares.retry.RetryMiddleware": None,
    "crawler.fetch.middlewares.retry_after.BackoffRetryMiddleware": 550,
    "crawler.fetch.middlewares.conditional.ConditionalRequestMiddleware": 585,
    "crawler.emit.warc.WarcWriterMiddleware": 575,
    # Scrapy's cookies, bounded and with the offline public suffix list (a hostile web below).
    "scrapy.downloadermiddlewares.cookies.CookiesMiddleware": None,
    "crawler.fetch.middlewares.cookies.BoundedCookiesMiddleware": 700,
    "crawler.fetch.middlewares.soft_block.SoftBlockMiddleware": 560,
    "crawler.fetch.middlewares.site_limits.SiteDelayMiddleware": 30,  # before anything picks a download slot
}
SPIDER_MIDDLEWARES = {
    "crawler.discover.middlewares.spider_errors.SpiderErrorMiddleware": 950,
    "crawler.discover.middlewares.url_policy.UrlPolicyMiddleware": 750,
    "crawler.emit.accounting.PageLedgerMiddleware": 10,  # sees what every page became
    "crawler.clean.release_parsed.ReleaseParsedMiddleware": 5,  # outermost: the page's parse let go
    "crawler.fetch.middlewares.site_limits.SiteArticleLimitMiddleware": 700,  # after the URL policy
}
ITEM_PIPELINES = {
    "crawler.clean.pipeline.CleanPipeline": 300,
    "crawler.emit.date_window.DateWindowPipeline": 310,  # -a since/until by the cleaned date
    "crawler.clean.attachments.AttachmentPipeline": 320,
    "crawler.emit.warc.WarcPointerPipeline": 330,
    "crawler.emit.dedup.DedupPipeline": 350,
    "crawler.emit.validate.ValidatePipeline": 400,
    "crawler.emit.errors.ErrorRecordPipeline": 900,
}
EXTENSIONS = {
    "scrapy.extensions.telnet.TelnetConsole": None,
    "crawler.emit.summary.CrawlSummary": 500,
    "crawler.emit.state.extension.StateExtension": 100,
    "crawler.emit.feeds.FeedGuard": 50,  # before the state store and the feeds: locks the feed files
}
TELNETCONSOLE_ENABLED = False

# Cleaning through the cleaners library (the pipeline switches off when False).
CLEAN_ENABLED = True
# Clean in a pool of this many worker processes (cleaning is CPU-bound), so the
# reactor keeps downloading; default one per core; 0 = in the crawler's process.
CLEAN_WORKERS = os.cpu_count() or 1
# Validation against crawler/schema/*.schema.json, which extend cleaners/schema/
# (empty dir = the shipped ones).
VALIDATE_ENABLED = True
VALIDATE_SCHEMA_DIR = ""

# --- distributed crawling (crawler/scale/distributed.py, docs/scale.md) --------
# REDIS_URL=redis://host:port/db makes this process one worker of a crawl shared
# through Redis (scrapy-redis scheduler and dupefilter, leases, state store).
ADDONS = {"crawler.scale.distributed.DistributedCrawl": 0}
REDIS_URL = ""
# A worker whose heartbeat is older than this (seconds) is dead: its requests go back.
DISTRIBUTED_WORKER_TTL = 30
# Close once no worker has had work for this long (seconds).
DISTRIBUTED_IDLE_CLOSE = 5
# The worker that finishes a crawl clears its dupefilter, so the next run starts afresh.
DISTRIBUTED_CLEAR_ON_FINISH = True
# Redis unreachable: commands are retried with back-off for this long (seconds) in
# all; past it the worker stops (reason redis_unavailable, `scrapy crawl` exits 3).
DISTRIBUTED_REDIS_OUTAGE = 60

# --- scheduled crawls: state, duplicates, raw responses (docs/scheduling.md) ----
# The state store remembers what earlier runs emitted: a run then emits only new
# and changed articles, and sends conditional requests for known ones. Off for a
# plain `scrapy crawl` (every article emitted); `python -m crawler.run_all` turns it on,
# and so does naming a store: `scrapy crawl ... -s STATE_URI=sqlite:///...` uses it.
STATE_ENABLED = False
# sqlite:///relative/to/project.db, sqlite:////absolute.db, or redis://host:port/db
STATE_URI = "sqlite:///state/crawl-state.db"
CONDITIONAL_ENABLED = True  # If-None-Match / If-Modified-Since for known articles
DEDUP_ENABLED = True
DEDUP_DROP_DUPLICATES = False  # True: records marked dup_of are left out of the feed
DEDUP_NEAR_DISTANCE = 3  # simhash bits: at most this many differ = near duplicate
DEDUP_MIRROR_SPAM_SCORE = 0.5  # a copy with this spam score or more is a mirror copy
# With the state store on, every JSONL line is fsync'ed before the store counts it as emitted.
# Every name of the JSON-lines format (Scrapyd's items_dir asks for "jsonlines") gets it.
FEED_EXPORTERS = {
    "jsonl": "crawler.emit.state.feed.DurableJsonLinesExporter",
    "jsonlines": "crawler.emit.state.feed.DurableJsonLinesExporter",
    "jl": "crawler.emit.state.feed.DurableJsonLinesExporter",
    # Every record field in every row, nested values as JSON (crawler/emit/exporters.py).
    "csv": "crawler.emit.exporters.CsvRecordExporter",
    "parquet": "crawler.emit.exporters.ParquetRecordExporter",
}
FEED_FSYNC = True
# Raw responses in WARC files (for `python -m crawler.reclean`); beside the feed by default.
WARC_ENABLED = False
WARC_DIR = ""
WARC_MAX_SIZE = 1024 ** 3

# --- output -----------------------------------------------------------------
FEED_EXPORT_ENCODING = "utf-8"
FEED_URI_PARAMS = "crawler.emit.feeds.uri_params"
# The feed used when none is given (no -o/-O, no FEEDS): JSONL, UTF-8, one file
# per run; %(name)s is the spider, %(time)s the run's start (UTC), %(run)s the
# start plus a random suffix (unique per run, even for runs started in the same
# second). Empty = none.
# Not written into FEEDS here, because Scrapy merges -o/-O with FEEDS and the
# default file would then be written too.
CRAWLER_OUTPUT = "output/%(name)s/%(run)s.jsonl"
# Error records: never in the article feed. Empty = beside the first local
# feed (`<feed>.errors.jsonl`), e.g. output/<spider>/<run>.errors.jsonl.
ERRORS_URI = ""
# End-of-crawl summary (JSON): empty = beside the first feed (`<feed>.summary.json`).
SUMMARY_ENABLED = True
SUMMARY_URI = ""

LOG_LEVEL = "INFO"

# --- a hostile web (docs/hostile.md) -------------------------------------------
# Loopback, private, link-local and metadata addresses are refused unless allowed
# (start URLs' hosts always are): hosts and CIDR networks, comma-separated.
ADDRESS_GUARD_ENABLED = True
ADDRESS_ALLOW_HOSTS = ""
ADDRESS_ALLOW_NETWORKS = ""
# Exact URLs the user typed (any scheme, file:// too), e.g. the URL given to `scrapy shell`.
ADDRESS_ALLOW_URLS = ""
ADDRESS_RESOLVER = ""  # import path of a host -> [addresses] callable; empty = the system resolver
# Retries of 5xx/429: exponential backoff from RETRY_BACKOFF_BASE seconds, honouring
# Retry-After, never waiting more than RETRY_BACKOFF_MAX (a longer Retry-After: not retried now).
RETRY_BACKOFF_ENABLED = True
RETRY_BACKOFF_BASE = 1.0
RETRY_BACKOFF_MAX = 60.0
REDIRECT_MAX_TIMES = 10  # longer chains end as an error record
REDIRECT_LOOP_ENABLED = True
# Crawler traps: canonical URLs (session ids, tracking parameters out) and bounds.
URL_POLICY_ENABLED = True
URL_POLICY_MAX_LENGTH = 1024
URL_POLICY_MAX_PATH_DEPTH = 16
URL_POLICY_MAX_SEGMENT_REPEATS = 2
# One URL identity (cleaners/urls.py) for the duplicate filters too, plain and Redis.
REQUEST_FINGERPRINTER_CLASS = "crawler.discover.url_policy.CanonicalRequestFingerprinter"
DEPTH_LIMIT = 1000  # links from a start URL (pagination counts: long lists stay reachable)
# Cookies (crawler/fetch/middlewares/cookies.py): bytes of name+value per cookie, cookies per
# site (registrable domain) and per jar; beyond them a cookie is refused. Request headers
# are kept under REQUEST_HEADERS_MAX_SIZE bytes by leaving out cookies that do not fit.
COOKIES_MAX_SIZE = 4096
COOKIES_MAX_PER_SITE = 50
COOKIES_MAX_TOTAL = 1000
REQUEST_HEADERS_MAX_SIZE = 8192
# Soft blocks (a 200 page that is a rate limit, a firewall's 拦截 page, a login wall,
# a 安全验证 page): asked again with back-off, then an error record `blocked`.
BLOCK_DETECTION_ENABLED = True
BLOCK_RETRY_TIMES = 3
BLOCK_BACKOFF_BASE = 5.0  # seconds before the first retry, doubled each time (cap RETRY_BACKOFF_MAX)
# Seconds to clean one page before it becomes an error record (stage "timeout"); 0 = no limit.
CLEAN_TIMEOUT = 60

# --- attachments (crawler/clean/attachments.py, docs/attachments.md) -------
# Articles' attachments are fetched and read for these site types (a site's
# `attachments = true/false` in sites.toml decides for that site), within these caps.
ATTACHMENTS_ENABLED = True
ATTACHMENTS_SITE_TYPES = ["provincial_portal", "quality_education", "university_party"]
ATTACHMENTS_MAX_FILE_BYTES = 20 * 1024 * 1024
ATTACHMENTS_MAX_ARTICLE_BYTES = 50 * 1024 * 1024
ATTACHMENTS_MAX_PER_ARTICLE = 20
ATTACHMENTS_READ_TIMEOUT = 120  # seconds to read one document (in the cleaning processes); 0 = no limit
