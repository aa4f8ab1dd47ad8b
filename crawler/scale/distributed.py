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
  worker only (`<spider>:emitted`, a hash id -> worker, claimed by the JSONL
  exporter right before the write), even when a reclaimed request is fetched
  again or two URLs lead to one article.
- the incremental state store in Redis too (STATE_URI = REDIS_URL unless set).
- feeds written through unbuffered files (`FlushingFileFeedStorage`): a killed
  worker's feed holds every line it emitted.
- start URLs pushed by `python -m crawler.push_urls` (`<spider>:start_urls`,
  JSON `{"url": ..., "site": ...}` lines) are taken by whichever worker is idle,
  through its `<spider>:starting:<worker>` list (reclaimed with its leases).
- Redis going away (crawler/scale/redis_conn.py): every command retried with
  back-off for DISTRIBUTED_REDIS_OUTAGE seconds; past that the worker stops
  (reason `redis_unavailable`). A Redis back without the crawl's data (the
  `<spider>:crawl` marker gone) stops it too (`redis_data_lost`): the crawl is
  incomplete and says so (`scrapy crawl` exits 3, crawler/commands/crawl.py).
  After every outage a worker puts back what it wrote that Redis no longer has
  (an older snapshot), requeues leases it had already let go, and puts the
  requests it held across the outage back into the queue once done (what they
  queued before may be gone with the snapshot; fetched again, they queue it again). Replies lost
  with a connection cannot lose work: a request is marked seen and queued in
  one script, a lease's field is numbered by Redis (a pop sent again leases
  under a new field, the first stays as a stale lease), an emit claim names its
  worker.

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
from scrapy.utils.defer import deferred_from_coro

from twisted.internet import task

from crawler.emit.feeds import is_durable_feed
from crawler.items import ArticleRecord

try:
    from scrapy_redis.dupefilter import RFPDupeFilter
    from scrapy_redis.scheduler import Scheduler as RedisScheduler

    from crawler.compat import scrapy_redis as scrapy_redis_compat
    from crawler.scale.redis_conn import DEFAULT_OUTAGE, REDIS_DOWN, connection_params, describe, outages
except ImportError:  # the [distributed] extra is not installed: REDIS_URL says so when set
    RFPDupeFilter = RedisScheduler = None
    REDIS_DOWN = ()  # nothing of Redis runs: no error of it to catch

logger = logging.getLogger(__name__)

START_URLS_KEY = "%(name)s:start_urls"
EMITTED_KEY = "%(spider)s:emitted"
WORKERS_KEY = "%(spider)s:workers"
LEASES_KEY = "%(spider)s:leases:%(worker)s"
ALIVE_KEY = "%(spider)s:worker:%(worker)s"
LEASE_SEQ_KEY = "%(spider)s:leaseseq"  # numbers the lease fields (POP_AND_LEASE)
STARTING_KEY = "%(spider)s:starting:%(worker)s"  # pushed start URLs a worker is scheduling
CRAWL_KEY = "%(spider)s:crawl"  # the id of the crawl in progress; "finished:<id>" once done
FINISHED = "finished:"
FINISHED_KEY = "%(spider)s:finished:%(worker)s"  # (worker = the crawl id) kept a day after the end

# Pop the best request and lease it in one step: a worker killed between the
# two would otherwise lose it. The lease field is "<score>:<worker>-<n>" so the
# request goes back with its priority; <n> is counted here, by Redis: a call sent
# again after its reply was lost with the connection pops a second request under
# a field of its own, and the first one's lease stays (a stale lease, put back
# into the queue), instead of being overwritten and lost.
# The worker is (again) in the workers set in the same step: a lease hash always
# belongs to a listed worker, so crawl_done() and reclaim_dead() see it, even
# when another worker took this one for dead while it was only slow.
POP_AND_LEASE = """
local r = redis.call('ZRANGE', KEYS[1], 0, 0, 'WITHSCORES')
if #r == 0 then return false end
redis.call('ZREM', KEYS[1], r[1])
local field = r[2] .. ':' .. ARGV[1] .. '-' .. redis.call('INCR', KEYS[4])
redis.call('HSET', KEYS[2], field, r[1])
redis.call('SADD', KEYS[3], ARGV[1])
return {r[1], field}
"""

# A dead worker's leases back into the queue, and the pushed start URLs it was
# scheduling back into the start list (unless its heartbeat came back).
RECLAIM = """
if redis.call('EXISTS', KEYS[4]) == 1 then return -1 end
local h = redis.call('HGETALL', KEYS[2])
for i = 1, #h, 2 do
  local score = string.match(h[i], '^(.*):[^:]*$')
  redis.call('ZADD', KEYS[1], score, h[i + 1])
end
redis.call('DEL', KEYS[2])
while redis.call('LMOVE', KEYS[5], KEYS[6], 'RIGHT', 'LEFT') do end
redis.call('SREM', KEYS[3], ARGV[1])
return #h / 2
"""


# Join the crawl in progress, or start a new one (none yet, or the last finished).
JOIN_CRAWL = """
local v = redis.call('GET', KEYS[1])
if v and string.sub(v, 1, 9) ~= 'finished:' then return v end
redis.call('SET', KEYS[1], ARGV[1])
return ARGV[1]
"""

# Seen and queued in one step (ARGV: fingerprint or '' for dont_filter, score, request).
ENQUEUE = """
if ARGV[1] ~= '' and redis.call('SADD', KEYS[1], ARGV[1]) == 0 then return 0 end
redis.call('ZADD', KEYS[2], ARGV[2], ARGV[3])
return 1
"""

# Some of this worker's own leases (ARGV: their fields) back into the queue.
REQUEUE_OWN = """
local n = 0
for i = 1, #ARGV do
  local data = redis.call('HGET', KEYS[2], ARGV[i])
  if data then
    redis.call('ZADD', KEYS[1], string.match(ARGV[i], '^(.*):[^:]*$'), data)
    redis.call('HDEL', KEYS[2], ARGV[i])
    n = n + 1
  end
end
return n
"""

# Requests this worker leased back into the queue as it holds them (ARGV: lease
# field, score, request, ...), and their leases gone.
RETURN_TO_QUEUE = """
for i = 1, #ARGV, 3 do
  redis.call('ZADD', KEYS[1], ARGV[i + 1], ARGV[i + 2])
  redis.call('HDEL', KEYS[2], ARGV[i])
end
return #ARGV / 3
"""

# An article id for this worker (ARGV[2]), unless another worker has it.
CLAIM_EMIT = """
if redis.call('HSETNX', KEYS[1], ARGV[1], ARGV[2]) == 1 then return 1 end
if redis.call('HGET', KEYS[1], ARGV[1]) == ARGV[2] then return 1 end
return 0
"""

# After an outage: the ids this worker wrote (ARGV[2..]) back in the emitted hash
# if Redis lost them; returns {ids put back, ids another worker now holds}.
REASSERT_EMITTED = """
local back, taken = {}, {}
for i = 2, #ARGV do
  if redis.call('HSETNX', KEYS[1], ARGV[i], ARGV[1]) == 1 then
    back[#back + 1] = ARGV[i]
  elseif redis.call('HGET', KEYS[1], ARGV[i]) ~= ARGV[1] then
    taken[#taken + 1] = ARGV[i]
  end
end
return {back, taken}
"""


class RedisUnavailable(RuntimeError):
    """Redis did not answer within DISTRIBUTED_REDIS_OUTAGE seconds."""


def _s(value: Any) -> str | None:
    return value.decode("utf-8") if isinstance(value, bytes) else value


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
        outage = settings.getfloat("DISTRIBUTED_REDIS_OUTAGE", DEFAULT_OUTAGE)
        # The state store follows REDIS_URL unless STATE_URI was given as explicitly,
        # and rides out an outage as long as the scheduler does.
        if (settings.getpriority("STATE_URI") or 0) < settings.getpriority("REDIS_URL"):
            state_uri = f"{url}{'&' if '?' in url else '?'}outage={outage:g}"
            settings.set("STATE_URI", state_uri, priority=settings.getpriority("REDIS_URL"))
            # marked, so that state_enabled() tells this URI from one the user named
            settings.set("STATE_URI_FOLLOWS_REDIS", state_uri, priority=prio)
        # scheduler, dupefilter, emit-once set and state store share one outage clock
        params = dict(settings.getdict("REDIS_PARAMS"))
        params.update(connection_params(url, outage))
        settings.set("REDIS_PARAMS", params, priority=prio)
        settings.set("SCHEDULER", "crawler.scale.distributed.LeasingScheduler", priority=prio)
        settings.set("DUPEFILTER_CLASS", "crawler.scale.distributed.FingerprintDupeFilter", priority=prio)
        settings.set("SCHEDULER_PERSIST", True, priority=prio)
        settings.set("SCHEDULER_QUEUE_CLASS", "scrapy_redis.queue.PriorityQueue", priority=prio)
        storages = dict(settings.getdict("FEED_STORAGES"))
        storages.setdefault("", "crawler.scale.distributed.FlushingFileFeedStorage")
        storages.setdefault("file", "crawler.scale.distributed.FlushingFileFeedStorage")
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
    """scrapy-redis' scheduler whose popped requests are leased, not lost, and
    which notices Redis going away or losing the crawl's data."""

    def __init__(self, server, **kwargs: Any):
        super().__init__(server, **kwargs)
        self.crawler = None
        self.worker = new_worker_id()
        # request -> (its lease field, the request as the queue held it: the engine
        # has since added headers and meta to the object)
        self.leased: dict[Any, tuple[str, bytes]] = {}
        # requests held across a Redis outage: Redis may have come back from a
        # snapshot without what they queued, so they go back into the queue, not away
        self.held_over_outage: set[Any] = set()
        self._outages = 0
        self.pending: list[Any] = []  # requests found while Redis could not take them
        self.ttl = 30.0
        self.idle_close = 5.0
        self.clear_on_finish = True
        self.crawl_id: str | None = None
        self.stopping: str | None = None  # the close reason, once this worker gives up
        self._idle_since: float | None = None
        self._loop: task.LoopingCall | None = None
        self._last_beat = 0.0

    @classmethod
    def from_crawler(cls, crawler):
        try:
            instance = super().from_crawler(crawler)  # scrapy-redis pings the server
        except REDIS_DOWN as exc:
            waited = crawler.settings.getfloat("DISTRIBUTED_REDIS_OUTAGE", DEFAULT_OUTAGE)
            msg = (f"Redis {crawler.settings.get('REDIS_URL')} unreachable at start ({exc}), for "
                   f"{waited:g} s: worker not started")
            logger.error(msg)
            raise RedisUnavailable(msg) from exc
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

    def stat(self, key: str, n: int = 1) -> None:
        if self.stats:
            self.stats.inc_value(key, n)

    # --- lifecycle ---------------------------------------------------------------------

    def open(self, spider):
        # scrapy-redis' open() without its spider.log() call (deprecated in Scrapy 2.19)
        self.spider = spider
        self.queue = scrapy_redis_compat.new_queue(self, spider)
        if not self.df:
            self.df = load_object(self.dupefilter_cls).from_spider(spider)
        self.start_key = self.start_key % {"name": spider.name}
        if self.flush_on_start:
            self.flush()
        self._pop = self.server.register_script(POP_AND_LEASE)
        self._reclaim = self.server.register_script(RECLAIM)
        self._requeue = self.server.register_script(REQUEUE_OWN)
        self._return = self.server.register_script(RETURN_TO_QUEUE)
        self._outages = outages(self.server)
        self._enqueue = self.server.register_script(ENQUEUE)
        self._join = self.server.register_script(JOIN_CRAWL)
        self.crawl_id = _s(self._join(keys=[self.key(CRAWL_KEY)], args=[f"{time.time():.0f}-{self.worker}"]))
        self.server.sadd(self.key(WORKERS_KEY), self.worker)
        self.beat()
        self.reclaim_dead()
        logger.info("distributed crawl %s: worker %s on %s (queue %s: %d requests)", self.crawl_id,
                    self.worker, describe(self.server), self.queue.key, len(self.queue))
        self._loop = task.LoopingCall(self.tick)
        self._loop.start(0.5, now=False)

    def close(self, reason):
        if self._loop is not None and self._loop.running:
            self._loop.stop()
        try:
            self.flush_pending()
            leftover = self.server.hlen(self.key(LEASES_KEY))
            if leftover:  # e.g. a shutdown with requests still in flight: others take them
                logger.info("worker %s stops with %d leased requests: back to the queue", self.worker, leftover)
            self.server.delete(self.key(ALIVE_KEY))
            self._reclaim(keys=self.reclaim_keys(self.worker), args=[self.worker])
            if reason == "finished" and self.clear_on_finish and self.crawl_done():
                logger.info("distributed crawl finished: clearing %s and the emitted set", self.df.key)
                self.df.clear()
                self.server.delete(self.key(EMITTED_KEY))
                self.server.set(self.key(CRAWL_KEY), f"{FINISHED}{self.crawl_id}")
                self.server.set(self.key(FINISHED_KEY, self.crawl_id), "1", ex=86400)
            super().close(reason)  # scrapy-redis: flushes the queue only if SCHEDULER_PERSIST was turned off
        except REDIS_DOWN as exc:
            logger.error("worker %s closes without Redis (%s): its leases stay until its heartbeat expires, "
                         "then other workers take them", self.worker, exc)
        if self.pending:
            self.stat("distributed/requests_not_queued", len(self.pending))
            logger.error("%d requests found while Redis was unreachable could not be queued: not crawled "
                         "in this run (e.g. %s)", len(self.pending), self.pending[0].url)

    def beat(self) -> None:
        with self.server.pipeline() as pipe:  # listed again if a worker took this one for dead
            pipe.set(self.key(ALIVE_KEY), str(time.time()), px=int(self.ttl * 1000))
            pipe.sadd(self.key(WORKERS_KEY), self.worker)
            pipe.execute()
        self._last_beat = time.monotonic()

    def give_up(self, reason: str, message: str) -> None:
        """Close this worker with `reason` (not "finished": the crawl did not end)."""
        if self.stopping:
            return
        self.stopping = reason
        self.stat(f"distributed/{reason}")
        logger.error("%s; worker %s stops (%s)", message, self.worker, reason)
        from twisted.internet import reactor  # the one Scrapy installed

        engine = self.crawler.engine
        if engine is not None and engine.spider is not None:  # not from inside the engine's own call
            reactor.callLater(0, lambda: deferred_from_coro(engine.close_spider_async(reason=reason)))

    # --- queue ------------------------------------------------------------------------

    def enqueue_request(self, request) -> bool:
        fp = "" if request.dont_filter else self.df.request_fingerprint(request)
        try:
            added = self._push(request, fp)
        except REDIS_DOWN:
            # kept here and queued when Redis answers again (or reported at close)
            self.pending.append(request)
            return True
        if not added:
            self.df.log(request, self.spider)
            return False
        self.stat("scheduler/enqueued/redis")
        return True

    def _push(self, request, fp: str) -> bool:
        """Mark the request seen and queue it in one script: a reply lost to a
        dropped connection and the command sent again cannot make it "seen"
        without being queued."""
        data = scrapy_redis_compat.encode_request(self.queue, request)
        return bool(self._enqueue(keys=[self.df.key, self.queue.key], args=[fp, -request.priority, data]))

    def flush_pending(self) -> None:
        while self.pending:
            request = self.pending[0]
            fp = "" if request.dont_filter else self.df.request_fingerprint(request)
            if self._push(request, fp):
                self.stat("scheduler/enqueued/redis")
            self.pending.pop(0)

    def next_request(self):
        if self.stopping:
            return None
        try:
            got = self._pop(keys=[self.queue.key, self.key(LEASES_KEY), self.key(WORKERS_KEY),
                                  self.key(LEASE_SEQ_KEY)], args=[self.worker])
        except REDIS_DOWN as exc:
            self.give_up("redis_unavailable", f"Redis unreachable for too long ({exc})")
            return None
        if not got:
            return None
        data, field = got
        request = scrapy_redis_compat.decode_request(self.queue, data)
        self.adopt_site(request)
        self.leased[request] = (_s(field), data)
        self.stat("scheduler/dequeued/redis")
        return request

    def has_pending_requests(self) -> bool:
        if self.stopping:
            return False
        try:
            return len(self.queue) > 0
        except REDIS_DOWN:
            return False

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
        if self.stopping:  # closing: keep the heartbeat while Redis answers, so the leases stay ours
            try:
                if time.monotonic() - self._last_beat >= self.ttl / 3:
                    self.beat()
            except REDIS_DOWN:
                pass
            return
        try:
            if self.data_lost():
                return
            pipeline = getattr(self.crawler, "emit_once_pipeline", None)
            if pipeline is not None:
                pipeline.after_outage()
            self.flush_pending()
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
        except REDIS_DOWN as exc:
            self.give_up("redis_unavailable", f"Redis unreachable for too long ({exc})")
        except Exception:
            logger.exception("distributed scheduler tick failed")

    def data_lost(self) -> bool:
        """True (and the worker stops) when Redis no longer holds this crawl: it
        restarted without its data (no AOF/RDB), or was flushed. The queue, the
        seen requests, the leases and the emitted set are gone with it, so the
        crawl cannot be finished from here, and must not look finished."""
        marker = _s(self.server.get(self.key(CRAWL_KEY)))
        if marker in (self.crawl_id, f"{FINISHED}{self.crawl_id}"):
            return False
        if marker is not None and self.server.exists(self.key(FINISHED_KEY, self.crawl_id)):
            return False  # ours finished, and a new crawl has begun since
        self.give_up("redis_data_lost",
                     f"Redis lost the data of crawl {self.crawl_id} (restarted without persistence, or "
                     f"flushed: crawl marker now {marker!r}): its queue, seen requests, leases and emitted "
                     f"set are gone, the crawl is incomplete; run it again")
        return True

    def outage_ended(self) -> bool:
        """True once per Redis outage this process came back from. Every request
        held at that moment is marked: what it queued before the outage may be
        gone (Redis back from an older snapshot), and its lease with it or not."""
        n = outages(self.server)
        if n == self._outages:
            return False
        self._outages = n
        self.held_over_outage.update(self.leased)
        return True

    def release_finished(self) -> None:
        """Drop the leases of requests the engine is done with. A request held
        across an outage goes back into the queue instead: fetched again, it
        queues again whatever Redis lost (the seen set went back with the rest,
        and the emitted set keeps its article from being written twice)."""
        slot = getattr(self.crawler.engine, "_slot", None)
        inprogress = slot.inprogress if slot is not None else set()
        done = [r for r in self.leased if r not in inprogress]
        if not done:
            return
        self.outage_ended()
        again = [r for r in done if r in self.held_over_outage]
        released = [r for r in done if r not in self.held_over_outage]
        if released:
            self.server.hdel(self.key(LEASES_KEY), *[self.leased[r][0] for r in released])
            if self.outage_ended():  # the release waited out an outage: Redis may be older now
                again += released
        if again:
            args = []
            for r in again:
                field, data = self.leased[r]
                args += [field, -r.priority, data]
            self._return(keys=[self.queue.key, self.key(LEASES_KEY)], args=args)
            self.stat("distributed/requeued_after_outage", len(again))
            logger.warning("worker %s: %d requests it held across a Redis outage went back into the queue "
                           "(what they queued may be lost with an older snapshot)", self.worker, len(again))
        for r in done:  # forgotten only once Redis has let them go
            del self.leased[r]
            self.held_over_outage.discard(r)

    def requeue_stale_leases(self) -> int:
        """Leases Redis holds for this worker that it does not know of: a reply
        lost with the connection (the request was leased, never received), or a
        Redis restarted from a snapshot older than the release. Back into the
        queue: fetched again rather than lost (the emitted set keeps the article
        from being written twice)."""
        held = {field for field, _ in self.leased.values()}
        stale = [f for f in (_s(f) for f in self.server.hkeys(self.key(LEASES_KEY))) if f not in held]
        if not stale:
            return 0
        n = int(self._requeue(keys=[self.queue.key, self.key(LEASES_KEY)], args=stale))
        if n:
            self.stat("distributed/stale_leases_requeued", n)
            logger.warning("worker %s: %d leases Redis still held after an outage went back into the queue",
                           self.worker, n)
        return n

    def reclaim_keys(self, worker: str) -> list[str]:
        return [self.queue.key, self.key(LEASES_KEY, worker), self.key(WORKERS_KEY), self.key(ALIVE_KEY, worker),
                self.key(STARTING_KEY, worker), self.start_key]

    def reclaim_dead(self) -> int:
        """Put the leases of workers whose heartbeat expired back into the queue."""
        back = 0
        for raw in self.server.smembers(self.key(WORKERS_KEY)):
            worker = _s(raw)
            if worker == self.worker:
                continue
            n = self._reclaim(keys=self.reclaim_keys(worker), args=[worker])
            if n and n > 0:
                logger.warning("worker %s is gone: %d of its requests back into the queue", worker, n)
                self.stat("distributed/reclaimed", n)
                back += n
        return back

    def take_start_urls(self, batch: int = 16) -> int:
        """Schedule start URLs pushed to `<spider>:start_urls` (crawler/push_urls.py).
        They are moved into this worker's `starting` list first and leave it once
        their request is queued: a URL taken by a worker that dies, or whose reply
        was lost with the connection, is not lost (left over here, or reclaimed)."""
        taken = 0
        engine = self.crawler.engine
        mine = self.key(STARTING_KEY)
        for _ in range(batch):
            if self.server.lmove(self.start_key, mine, "LEFT", "RIGHT") is None:
                break
        for data in self.server.lrange(mine, 0, -1):
            request = start_request(self.spider, data)
            if request is not None:
                engine.crawl(request)
                taken += 1
            self.server.lrem(mine, 1, data)
        if taken:
            self.stat("distributed/start_urls", taken)
        return taken

    # --- the end of the shared crawl ------------------------------------------------

    def crawl_done(self) -> bool:
        """Nothing queued, nothing pushed, nothing leased by any live worker."""
        if self.pending or len(self.queue) or self.server.llen(self.start_key):
            return False
        for raw in self.server.smembers(self.key(WORKERS_KEY)):
            if self.server.hlen(self.key(LEASES_KEY, _s(raw))):
                return False
        return True

    def on_idle(self, spider) -> None:
        if self.stopping:
            return  # closing for its own reason: let the engine close
        try:
            if self.data_lost():
                return
            self.flush_pending()
            self.release_finished()
            self.reclaim_dead()
            if not self.leased:
                self.requeue_stale_leases()
            done = self.crawl_done()
        except REDIS_DOWN as exc:
            self.give_up("redis_unavailable", f"Redis unreachable for too long ({exc})")
            return
        if not done:
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

    The claim (`<spider>:emitted`, a hash article id -> worker) is made by the
    JSONL exporter right before it writes the line (`claim`, called from
    crawler/emit/state/feed.py), with no await between the two: claimed in the
    pipeline, an article would wait there for later pipelines and the feed while
    other items pass, and a worker killed in that wait would leave articles
    claimed that no feed holds. Here the pipeline only drops what another worker
    has already emitted.

    The claim names its worker, so a claim sent again after a lost reply is
    still this worker's; the worker also remembers the ids it wrote, so a Redis
    that lost or rolled back the hash cannot make it write one twice. When Redis
    cannot be reached at all, the article is written unverified (counted
    `distributed/emit_unverified`): a possible duplicate rather than a loss.
    """

    def __init__(self, crawler):
        if not crawler.settings.get("REDIS_URL"):
            raise NotConfigured("REDIS_URL is not set")
        from scrapy_redis.connection import get_redis_from_settings

        self.crawler = crawler
        self.server = get_redis_from_settings(crawler.settings)
        self.worker = new_worker_id()
        self.written: set[str] = set()
        self.key = ""
        self._outages = 0

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler)

    def open_spider(self) -> None:
        self.key = EMITTED_KEY % {"spider": self.crawler.spider.name}
        self._claim = self.server.register_script(CLAIM_EMIT)
        self._reassert = self.server.register_script(REASSERT_EMITTED)
        # Another feed format (`-o x.csv`, say) has no claiming exporter: then the
        # claim is made here, for every feed, with the wider window described above.
        feeds = self.crawler.settings.getdict("FEEDS")
        self.claim_here = bool(feeds) and any(
            not is_durable_feed(self.crawler.settings, opts) for opts in feeds.values())
        self.crawler.emit_once = None if self.claim_here else self  # the JSONL exporter claims through it
        self.crawler.emit_once_pipeline = self  # the scheduler's tick calls after_outage() early

    def process_item(self, item: Any) -> Any:
        if not isinstance(item, ArticleRecord) or not item.get("id"):
            return item
        if self.claim_here:
            if not self.claim(item):
                raise DropItem(f"article {item['id']} already emitted by a worker of this crawl",
                               log_level="DEBUG")
            return item
        if item["id"] in self.written:
            self._duplicate(item)
        try:
            self.after_outage()
            owner = _s(self.server.hget(self.key, item["id"]))
        except REDIS_DOWN:
            return item  # the exporter's claim decides
        if owner is not None and owner != self.worker:
            self._duplicate(item)
        return item

    def claim(self, item: Any) -> bool:
        """True if this worker may write `item`: no worker of this crawl has yet."""
        if not isinstance(item, ArticleRecord) or not item.get("id"):
            return True
        rid = item["id"]
        if rid in self.written:
            self.crawler.stats.inc_value("distributed/duplicate_article")
            return False
        try:
            self.after_outage()
            mine = self._claim(keys=[self.key], args=[rid, self.worker]) == 1
        except REDIS_DOWN as exc:
            self.crawler.stats.inc_value("distributed/emit_unverified")
            logger.warning("Redis unreachable (%s): %s written without checking the other workers", exc, rid)
            mine = True
        if not mine:
            self.crawler.stats.inc_value("distributed/duplicate_article")
            return False
        self.written.add(rid)
        return True

    def after_outage(self) -> None:
        """Once Redis is back from an outage, before any claim: the articles this
        worker wrote go back into the emitted hash if Redis lost them (it came
        back from an older snapshot, or empty), so no other worker writes them
        again; those another worker wrote in the meantime are said to be twice."""
        n = outages(self.server)
        if n == self._outages:
            return
        back, taken = [], []
        ids = sorted(self.written)
        for i in range(0, len(ids), 1000):
            b, t = self._reassert(keys=[self.key], args=[self.worker, *ids[i:i + 1000]])
            back += b
            taken += [_s(x) for x in t]
        self._outages = n
        if back:
            self.crawler.stats.inc_value("distributed/emitted_restored", len(back))
            logger.warning("Redis came back without %d of the articles this worker wrote (an older snapshot, "
                           "or empty): put back, so no other worker writes them", len(back))
        if taken:
            self.crawler.stats.inc_value("distributed/written_twice", len(taken))
            logger.error("written twice after Redis came back from an older state: %d articles this worker "
                         "wrote were written again by another worker: %s", len(taken), " ".join(taken))

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
