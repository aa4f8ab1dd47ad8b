"""Distributed crawling on Redis: `-s REDIS_URL=redis://host:port/db` turns any
spider into one worker of a crawl shared by many processes on many hosts.

What the `DistributedCrawl` add-on (in ADDONS) switches on when REDIS_URL is set:

- the scrapy-redis scheduler and dupefilter: one request queue
  (`<spider>:requests`, a sorted set) and one set of seen fingerprints
  (`<spider>:dupefilter`) for all workers. SCHEDULER_PERSIST is on: a worker
  that stops never flushes the queue the others are working from.
- leases (`LeasingScheduler`): scrapy-redis pops a request out of Redis, so a
  worker killed mid-crawl would lose every request it held. Here the pop moves
  the request into the worker's lease hash (`<spider>:leases:<worker>`) in one
  Lua script; the lease goes once the engine has finished with the request
  (response handled, items through the pipelines and written). Each worker
  refreshes a heartbeat key (`<spider>:worker:<worker>`, DISTRIBUTED_WORKER_TTL
  seconds); the leases of a worker whose heartbeat has expired go back into
  the queue, and a live worker fetches them again.
- the end of the crawl: a worker with nothing to do stays open while the
  queue, the start-URL list or any live worker's leases hold work; when all
  are empty for DISTRIBUTED_IDLE_CLOSE seconds, it closes. The worker that
  finishes a crawl clears its dupefilter and emitted set (so the next
  scheduled run re-reads the list pages), unless DISTRIBUTED_CLEAR_ON_FINISH
  is off.
- exactly once per crawl (`EmitOncePipeline`): an article id is emitted by one
  worker only (`<spider>:emitted`, SADD by the JSONL exporter right before the
  write), even when a reclaimed request is fetched again or two URLs lead to
  one article.
- the incremental state store in Redis too (STATE_URI = REDIS_URL unless set).
- feeds written through unbuffered files (`FlushingFileFeedStorage`): a killed
  worker's feed holds every line it emitted.
- start URLs pushed by `python -m crawler.push_urls` (`<spider>:start_urls`,
  JSON `{"url": ..., "site": ...}` lines) are taken by whichever worker is idle.

scrapy-redis 0.9.1 with Scrapy 2.19 — what was checked and what is replaced here:
- its dupefilter computes its own fingerprint (sha1 of method, canonical URL
  and body), ignoring REQUEST_FINGERPRINTER: `FingerprintDupeFilter` uses the
  crawler's request fingerprinter, so Redis and Scrapy agree on "the same request";
- its `RedisSpider` seeds through the sync `start_requests()`, which Scrapy 2.19
  never calls any more (only the async `start()`): a RedisSpider gets its first
  URLs only from its spider_idle handler. Our spiders keep their async
  `start()`, whose requests go through this scheduler (deduplicated across
  workers), and pushed URLs are read by the scheduler itself, so no spider has
  to inherit from `RedisSpider`;
- requests are serialised with `Request.to_dict(spider=...)` (callbacks and
  errbacks by name, meta pickled): works as is for our spiders; a request naming a
  site the receiving worker does not know gets that site resolved from the registry;
- its scheduler passes `spider=` to stats calls and calls `spider.log()`, both
  deprecated in Scrapy 2.19: not done here.
"""

from __future__ import annotations

import json
import logging
import os
import socket
import time
import uuid
from pathlib import Path
from typing import IO, Any

from scrapy import signals
from scrapy.exceptions import DontCloseSpider, DropItem, NotConfigured
from scrapy.extensions.feedexport import FileFeedStorage
from scrapy.utils.misc import load_object
try:
    from scrapy_redis.dupefilter import RFPDupeFilter
    from scrapy_redis.scheduler import Scheduler as RedisScheduler
except ImportError:  # the [distributed] extra is not installed: REDIS_URL says so when set
    RFPDupeFilter = RedisScheduler = None
from twisted.internet import task

from crawler.feeds import is_durable_feed
from crawler.items import ArticleRecord

logger = logging.getLogger(__name__)

START_URLS_KEY = "%(name)s:start_urls"
EMITTED_KEY = "%(spider)s:emitted"
WORKERS_KEY = "%(spider)s:workers"
LEASES_KEY = "%(spider)s:leases:%(worker)s"
ALIVE_KEY = "%(spider)s:worker:%(worker)s"

# Pop the best request and lease it in one step: a worker killed between the
# two would otherwise lose it. The lease field is "<score>:<n>" so the request
# goes back with its priority.
POP_AND_LEASE = """
local r = redis.call('ZRANGE', KEYS[1], 0, 0, 'WITHSCORES')
if #r == 0 then return false end
redis.call('ZREM', KEYS[1], r[1])
local field = r[2] .. ':' .. ARGV[1]
redis.call('HSET', KEYS[2], field, r[1])
return {r[1], field}
"""

# A dead worker's leases back into the queue (unless its heartbeat came back).
RECLAIM = """
if redis.call('EXISTS', KEYS[4]) == 1 then return -1 end
local h = redis.call('HGETALL', KEYS[2])
for i = 1, #h, 2 do
  local score = string.match(h[i], '^(.*):[^:]*$')
  redis.call('ZADD', KEYS[1], score, h[i + 1])
end
redis.call('DEL', KEYS[2])
redis.call('SREM', KEYS[3], ARGV[1])
return #h / 2
"""


def new_worker_id() -> str:
    return f"{socket.gethostname()}-{os.getpid()}-{uuid.uuid4().hex[:6]}"


class DistributedCrawl:
    """Add-on: everything above, switched on by REDIS_URL alone."""

    def update_settings(self, settings) -> None:
        url = settings.get("REDIS_URL")
        if not url:
            return
        if RedisScheduler is None:
            # Not NotConfigured: that would only warn, and the crawl would run alone.
            raise ImportError("REDIS_URL is set but scrapy-redis is not installed: "
                              "pip install 'edunews-crawler[distributed]'")
        prio = "addon"
        # The state store follows REDIS_URL unless STATE_URI was given as explicitly.
        if (settings.getpriority("STATE_URI") or 0) < settings.getpriority("REDIS_URL"):
            settings.set("STATE_URI", url, priority=settings.getpriority("REDIS_URL"))
        settings.set("SCHEDULER", "crawler.distributed.LeasingScheduler", priority=prio)
        settings.set("DUPEFILTER_CLASS", "crawler.distributed.FingerprintDupeFilter", priority=prio)
        settings.set("SCHEDULER_PERSIST", True, priority=prio)
        settings.set("SCHEDULER_QUEUE_CLASS", "scrapy_redis.queue.PriorityQueue", priority=prio)
        storages = dict(settings.getdict("FEED_STORAGES"))
        storages.setdefault("", "crawler.distributed.FlushingFileFeedStorage")
        storages.setdefault("file", "crawler.distributed.FlushingFileFeedStorage")
        settings.set("FEED_STORAGES", storages, priority=prio)
        settings.set_in_component_priority_dict("ITEM_PIPELINES", EmitOncePipeline, 850)


class FingerprintDupeFilter(RFPDupeFilter or object):
    """scrapy-redis' Redis set of seen requests, keyed by Scrapy's own
    REQUEST_FINGERPRINTER (scrapy-redis 0.9.1 hashes requests its own way)."""

    fingerprinter = None

    @classmethod
    def from_spider(cls, spider):
        df = super().from_spider(spider)
        crawler = getattr(spider, "crawler", None)
        df.fingerprinter = crawler.request_fingerprinter if crawler is not None else None
        return df

    def request_fingerprint(self, request) -> str:
        if self.fingerprinter is None:
            return super().request_fingerprint(request)
        return self.fingerprinter.fingerprint(request).hex()


class LeasingScheduler(RedisScheduler or object):
    """scrapy-redis' scheduler whose popped requests are leased, not lost."""

    def __init__(self, server, **kwargs: Any):
        super().__init__(server, **kwargs)
        self.crawler = None
        self.worker = new_worker_id()
        self.leased: dict[Any, str] = {}  # request -> lease field
        self.ttl = 30.0
        self.idle_close = 5.0
        self.clear_on_finish = True
        self._idle_since: float | None = None
        self._loop: task.LoopingCall | None = None
        self._last_beat = 0.0
        self._seq = 0

    @classmethod
    def from_crawler(cls, crawler):
        instance = super().from_crawler(crawler)
        s = crawler.settings
        instance.crawler = crawler
        instance.ttl = s.getfloat("DISTRIBUTED_WORKER_TTL", 30.0)
        instance.idle_close = s.getfloat("DISTRIBUTED_IDLE_CLOSE", 5.0)
        instance.clear_on_finish = s.getbool("DISTRIBUTED_CLEAR_ON_FINISH", True)
        instance.start_key = s.get("REDIS_START_URLS_KEY") or START_URLS_KEY
        crawler.signals.connect(instance.on_idle, signal=signals.spider_idle)
        return instance

    # --- keys -----------------------------------------------------------------------

    def key(self, pattern: str, worker: str | None = None) -> str:
        return pattern % {"spider": self.spider.name, "worker": worker or self.worker}

    # --- lifecycle ---------------------------------------------------------------------

    def open(self, spider):
        # scrapy-redis' open() without its spider.log() call (deprecated in Scrapy 2.19)
        self.spider = spider
        self.queue = load_object(self.queue_cls)(server=self.server, spider=spider,
                                                 key=self.queue_key % {"spider": spider.name},
                                                 serializer=self.serializer)
        if not self.df:
            self.df = load_object(self.dupefilter_cls).from_spider(spider)
        if self.flush_on_start:
            self.flush()
        self.start_key = self.start_key % {"name": spider.name}
        self._pop = self.server.register_script(POP_AND_LEASE)
        self._reclaim = self.server.register_script(RECLAIM)
        self.server.sadd(self.key(WORKERS_KEY), self.worker)
        self.beat()
        self.reclaim_dead()
        logger.info("distributed crawl: worker %s on %s (queue %s: %d requests)",
                    self.worker, self.server.connection_pool.connection_kwargs.get("host", "redis"),
                    self.queue.key, len(self.queue))
        self._loop = task.LoopingCall(self.tick)
        self._loop.start(0.5, now=False)

    def close(self, reason):
        if self._loop is not None and self._loop.running:
            self._loop.stop()
        leftover = self.server.hlen(self.key(LEASES_KEY))
        if leftover:  # e.g. a shutdown with requests still in flight: others take them
            logger.info("worker %s stops with %d leased requests: back to the queue", self.worker, leftover)
        self.server.delete(self.key(ALIVE_KEY))
        self._reclaim(keys=[self.queue.key, self.key(LEASES_KEY), self.key(WORKERS_KEY), self.key(ALIVE_KEY)],
                      args=[self.worker])
        if reason == "finished" and self.clear_on_finish and self.crawl_done():
            logger.info("distributed crawl finished: clearing %s and the emitted set", self.df.key)
            self.df.clear()
            self.server.delete(self.key(EMITTED_KEY))
        return super().close(reason)

    def beat(self) -> None:
        self.server.set(self.key(ALIVE_KEY), str(time.time()), px=int(self.ttl * 1000))
        self._last_beat = time.monotonic()

    # --- queue ------------------------------------------------------------------------

    def enqueue_request(self, request) -> bool:
        if not request.dont_filter and self.df.request_seen(request):
            self.df.log(request, self.spider)
            return False
        self.queue.push(request)
        if self.stats:
            self.stats.inc_value("scheduler/enqueued/redis")
        return True

    def next_request(self):
        self._seq += 1
        got = self._pop(keys=[self.queue.key, self.key(LEASES_KEY)], args=[f"{self.worker}-{self._seq}"])
        if not got:
            return None
        data, field = got
        request = self.queue._decode_request(data)
        self.adopt_site(request)
        self.leased[request] = field
        if self.stats:
            self.stats.inc_value("scheduler/dequeued/redis")
        return request

    def has_pending_requests(self) -> bool:
        return len(self.queue) > 0

    def adopt_site(self, request) -> None:
        """A request for a site this worker was not started with (pushed URLs):
        resolve the site from the registry, so callbacks know it."""
        sites = getattr(self.spider, "sites", None)
        name = request.meta.get("site")
        if sites is None or not name or name in sites:
            return
        try:
            for site in self.spider.sites_for_urls([request.url]):
                sites.setdefault(site.name, site)
                self.spider.allowed_domains = list(dict.fromkeys([*self.spider.allowed_domains,
                                                                  *site.allowed_domains]))
        except Exception:
            logger.exception("cannot resolve the site of %s", request.url)

    # --- the periodic tick: leases, heartbeat, dead workers, pushed URLs --------------

    def tick(self) -> None:
        try:
            self.release_finished()
            if time.monotonic() - self._last_beat >= self.ttl / 3:
                self.beat()
            engine = self.crawler.engine
            if engine is None or engine.spider is None:
                return
            if not self.leased:
                self.take_start_urls()
                self.reclaim_dead()
                if len(self.queue):
                    # the engine polls an idle scheduler only every 5 s: wake it now
                    slot = getattr(engine, "_slot", None)
                    if slot is not None:
                        slot.nextcall.schedule()
        except Exception:
            logger.exception("distributed scheduler tick failed")

    def release_finished(self) -> None:
        """Drop the leases of requests the engine is done with."""
        slot = getattr(self.crawler.engine, "_slot", None)
        inprogress = slot.inprogress if slot is not None else set()
        done = [r for r in self.leased if r not in inprogress]
        if not done:
            return
        fields = [self.leased.pop(r) for r in done]
        self.server.hdel(self.key(LEASES_KEY), *fields)

    def reclaim_dead(self) -> int:
        """Put the leases of workers whose heartbeat expired back into the queue."""
        back = 0
        for raw in self.server.smembers(self.key(WORKERS_KEY)):
            worker = raw.decode() if isinstance(raw, bytes) else raw
            if worker == self.worker:
                continue
            n = self._reclaim(keys=[self.queue.key, self.key(LEASES_KEY, worker), self.key(WORKERS_KEY),
                                    self.key(ALIVE_KEY, worker)], args=[worker])
            if n and n > 0:
                logger.warning("worker %s is gone: %d of its requests back into the queue", worker, n)
                if self.stats:
                    self.stats.inc_value("distributed/reclaimed", n)
                back += n
        return back

    def take_start_urls(self, batch: int = 16) -> int:
        """Schedule start URLs pushed to `<spider>:start_urls` (crawler/push_urls.py)."""
        taken = 0
        engine = self.crawler.engine
        for _ in range(batch):
            data = self.server.lpop(self.start_key)
            if data is None:
                break
            request = start_request(self.spider, data)
            if request is not None:
                engine.crawl(request)
                taken += 1
        if taken and self.stats:
            self.stats.inc_value("distributed/start_urls", taken)
        return taken

    # --- the end of the shared crawl ------------------------------------------------

    def crawl_done(self) -> bool:
        """Nothing queued, nothing pushed, nothing leased by any live worker."""
        if len(self.queue) or self.server.llen(self.start_key):
            return False
        for raw in self.server.smembers(self.key(WORKERS_KEY)):
            worker = raw.decode() if isinstance(raw, bytes) else raw
            if self.server.hlen(self.key(LEASES_KEY, worker)):
                return False
        return True

    def on_idle(self, spider) -> None:
        self.release_finished()
        self.reclaim_dead()
        if not self.crawl_done():
            self._idle_since = None
            raise DontCloseSpider
        now = time.monotonic()
        if self._idle_since is None:
            self._idle_since = now
        if now - self._idle_since < self.idle_close:
            raise DontCloseSpider
        logger.info("distributed crawl: no work anywhere for %.0f s, worker %s closes", self.idle_close,
                    self.worker)


def start_request(spider, data: bytes | str):
    """A start request for a pushed URL (`{"url": ..., "site": ...}` or a bare URL)."""
    text = data.decode("utf-8") if isinstance(data, bytes) else data
    try:
        entry = json.loads(text) if text.lstrip().startswith("{") else {"url": text.strip()}
        url = entry["url"]
    except (ValueError, KeyError, TypeError):
        logger.warning("ignoring malformed start URL entry %r", text[:200])
        return None
    sites = getattr(spider, "sites", None)
    if sites is None:  # a plain Scrapy spider
        from scrapy import Request

        return Request(url)
    site = None
    if entry.get("site"):
        try:
            site = spider.registry.get(entry["site"])
        except Exception:
            logger.warning("pushed URL %s names unknown site %r", url, entry["site"])
    if site is None:
        site = spider.sites_for_urls([url])[0]
    sites.setdefault(site.name, site)
    spider.allowed_domains = list(dict.fromkeys([*spider.allowed_domains, *site.allowed_domains]))
    if hasattr(spider, "page_request"):  # the generic spider
        return spider.page_request(url, site, depth=0, start=True)
    return spider.list_request(url, site, depth=0, start=True)


class EmitOncePipeline:
    """In a distributed crawl, each article id is emitted by one worker only.

    The claim (SADD to `<spider>:emitted`) is made by the JSONL exporter right
    before it writes the line (`claim`, called from crawler/state/feed.py), with
    no await between the two: claimed in the pipeline, an article would wait
    there for later pipelines and the feed while other items pass, and a worker
    killed in that wait would leave articles claimed that no feed holds. Here
    the pipeline only drops what another worker has already emitted.
    """

    def __init__(self, crawler):
        if not crawler.settings.get("REDIS_URL"):
            raise NotConfigured("REDIS_URL is not set")
        from scrapy_redis.connection import get_redis_from_settings

        self.crawler = crawler
        self.server = get_redis_from_settings(crawler.settings)
        self.key = ""

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler)

    def open_spider(self) -> None:
        self.key = EMITTED_KEY % {"spider": self.crawler.spider.name}
        # Another feed format (`-o x.csv`, say) has no claiming exporter: then the
        # claim is made here, for every feed, with the wider window described above.
        feeds = self.crawler.settings.getdict("FEEDS")
        self.claim_here = bool(feeds) and any(
            not is_durable_feed(self.crawler.settings, opts) for opts in feeds.values())
        self.crawler.emit_once = None if self.claim_here else self  # the JSONL exporter claims through it

    def process_item(self, item: Any) -> Any:
        if not isinstance(item, ArticleRecord) or not item.get("id"):
            return item
        if self.claim_here:
            if not self.claim(item):
                raise DropItem(f"article {item['id']} already emitted by a worker of this crawl",
                               log_level="DEBUG")
        elif self.server.sismember(self.key, item["id"]):
            self._duplicate(item)
        return item

    def claim(self, item: Any) -> bool:
        """True if this worker may write `item`: no worker of this crawl has yet."""
        if not isinstance(item, ArticleRecord) or not item.get("id"):
            return True
        if self.server.sadd(self.key, item["id"]) == 1:
            return True
        self.crawler.stats.inc_value("distributed/duplicate_article")
        return False

    def _duplicate(self, item: Any) -> None:
        self.crawler.stats.inc_value("distributed/duplicate_article")
        raise DropItem(f"article {item['id']} already emitted by a worker of this crawl", log_level="DEBUG")


class FlushingFileFeedStorage(FileFeedStorage):
    """Local feed files written without a userspace buffer: each JSONL line is one
    write(2), so a worker killed at any moment leaves every emitted line on disk."""

    def open(self, spider) -> IO[bytes]:
        path = Path(self.path)
        path.parent.mkdir(parents=True, exist_ok=True)
        return path.open(self.write_mode, buffering=0)
