"""The state store in Redis, for many crawler processes on many hosts.

Same interface and the same decision function as the SQLite store. Each
decision is an optimistic transaction: WATCH every key the decision reads (the
article, its claim, the content-hash entry, the four simhash bands), decide,
then MULTI/EXEC the writes; if another process changed any watched key in
between, EXEC fails and the decision is made again on the new data. So two
processes never both claim the same article.

A claim expires after STATE_CLAIM_TTL seconds (`?claim_ttl=` in the URI,
default 6 hours): a process that died on another host cannot block its
articles forever.

Redis going away (crawler/scale/redis_conn.py): every command is retried with
back-off for up to `?outage=` seconds (default 60). Past that, a decision
(`claim`) raises StoreUnavailable, and the pipeline turns the record into an
error record; a commit (the line is already in the feed) is kept and sent again
when Redis answers, and if it never does before the run ends the log says how
many articles the store could not record (the next run emits them again);
conditional-request validators are skipped (a full fetch instead).

Redis coming back without its data (no AOF/RDB, or flushed) is noticed by the
`epoch` key, set when a store is first opened: when it has changed, the store
says so, and writes back the articles this process committed (it keeps them),
so they are not emitted again as new; what other processes and earlier runs
emitted is gone, and the log says that too.

Keys live under a prefix (`?prefix=`, default `edunews:state`):

    <prefix>:art:<id>          hash: the last emitted version
    <prefix>:url:<url>         article id fetched from that (canonical) URL (conditional requests)
    <prefix>:claim:<id>        hash: run_id, content_sha256 (with a TTL)
    <prefix>:runclaims:<run>   set of the ids a run claimed
    <prefix>:content:<sha256>  hash: id, seq, mirror of the first record with that content
    <prefix>:band:<i>:<value>  hash: id -> "seq|mirror|simhash" (simhash band index)
    <prefix>:bandsof:<id>      set of the band keys an id is in
    <prefix>:seq               arrival counter
    <prefix>:runs              hash: run id -> JSON of the run
    <prefix>:epoch             set once per store: changes only when Redis lost the data
"""

from __future__ import annotations

import json
import logging
import secrets
from functools import wraps
from typing import Any, Callable
from urllib.parse import parse_qs, urlencode, urlsplit, urlunsplit

import redis

from cleaners.urls import canonical_url
from crawler.scale.redis_conn import DEFAULT_OUTAGE, REDIS_DOWN, connect, outages
from crawler.emit.state.store import (
    NEAR_DISTANCE,
    Article,
    Claim,
    Decision,
    IndexEntry,
    Run,
    StateStore,
    StoreUnavailable,
    article_from_record,
    bands,
    classify,
    record_urls,
)

logger = logging.getLogger(__name__)

DEFAULT_PREFIX = "edunews:state"
DEFAULT_CLAIM_TTL = 6 * 3600
MAX_RETRIES = 200

_RELEASE = """
if redis.call('HGET', KEYS[1], 'run_id') == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0
"""


# The fields of a record a commit reads (crawler.emit.state.store.article_from_record,
# record_urls): what the store keeps of each article it committed, to write it
# back if Redis loses its data.
JOURNAL_FIELDS = ("id", "content_sha256", "simhash", "version", "url", "final_url", "http", "part_urls",
                  "fetched_at")


def _unavailable(what: str) -> Callable:
    """Redis unreachable past the outage bound -> StoreUnavailable(what)."""

    def wrap(method: Callable) -> Callable:
        @wraps(method)
        def call(self: "RedisStateStore", *args: Any, **kwargs: Any) -> Any:
            try:
                return method(self, *args, **kwargs)
            except REDIS_DOWN as exc:
                raise StoreUnavailable(f"state store {self.where}: Redis unreachable ({exc}); {what}") from exc
        return call
    return wrap


def _s(value: Any) -> str | None:
    if value is None:
        return None
    return value.decode("utf-8") if isinstance(value, bytes) else str(value)


class RedisStateStore(StateStore):
    def __init__(self, uri: str, client: redis.Redis | None = None):
        parts = urlsplit(uri)
        query = parse_qs(parts.query)
        self.prefix = query.pop("prefix", [DEFAULT_PREFIX])[0]
        self.claim_ttl = int(query.pop("claim_ttl", [DEFAULT_CLAIM_TTL])[0])
        self.outage = float(query.pop("outage", [DEFAULT_OUTAGE])[0])
        clean = urlunsplit((parts.scheme, parts.netloc, parts.path, urlencode(query, doseq=True), ""))
        self.uri = uri
        self.where = f"{parts.scheme}://{parts.hostname}:{parts.port or 6379}{parts.path}"
        self.journal: dict[str, tuple[dict, str]] = {}  # id -> (record fields, emitted_at) committed here
        self.unrecorded: list[tuple[dict, str]] = []  # commits Redis could not take yet
        self.r = client or connect(clean, self.outage)
        self._release = self.r.register_script(_RELEASE)
        self.epoch = self._open_epoch()
        self._outages = outages(self.r)

    @_unavailable("cannot open it")
    def _open_epoch(self) -> str:
        self.r.set(self.k("epoch"), secrets.token_hex(8), nx=True)
        return _s(self.r.get(self.k("epoch")))

    def _check_epoch(self) -> None:
        """Notice a Redis that came back without the store's data (the epoch
        changed) or older (any outage: an RDB snapshot), and write back what
        this process committed that it no longer has."""
        epoch = _s(self.r.get(self.k("epoch")))
        n = outages(self.r)
        if epoch == self.epoch and n == self._outages:
            return
        if epoch != self.epoch:
            self.r.set(self.k("epoch"), self.epoch, nx=True)
            self.epoch = _s(self.r.get(self.k("epoch")))
            logger.error("state store %s lost its data (Redis restarted without persistence, or flushed): "
                         "articles emitted by other processes and earlier runs are unknown now and will be "
                         "emitted again as new", self.where)
        restored = sum(self._commit(record, emitted_at) for record, emitted_at in list(self.journal.values()))
        self._outages = n
        if restored:
            logger.warning("state store %s had lost %d of the %d articles this process emitted: recorded again",
                           self.where, restored, len(self.journal))

    def _flush_unrecorded(self) -> None:
        while self.unrecorded:
            self._commit(*self.unrecorded[0])
            self.unrecorded.pop(0)

    def k(self, *parts: Any) -> str:
        return ":".join([self.prefix, *map(str, parts)])

    def url_key(self, url: str) -> str:
        """Keyed by the canonical URL: a link under another variant finds its validators."""
        return self.k("url", canonical_url(url))

    # --- reading ---------------------------------------------------------------------

    def _article(self, conn: Any, article_id: str) -> Article | None:
        h = conn.hgetall(self.k("art", article_id))
        if not h:
            return None
        d = {_s(k): _s(v) for k, v in h.items()}
        return Article(id=article_id, content_sha256=d["content_sha256"], simhash=d.get("simhash") or None,
                       version=int(d["version"]), url=d.get("url") or None, etag=d.get("etag") or None,
                       last_modified=d.get("last_modified") or None, emitted_at=d.get("emitted_at") or None,
                       last_fetch=d.get("last_fetch") or None)

    @_unavailable("cannot read an article")
    def get(self, article_id: str) -> Article | None:
        return self._article(self.r, article_id)

    @_unavailable("cannot count")
    def count(self) -> int:
        return sum(1 for _ in self.r.scan_iter(match=self.k("art", "*"), count=1000))

    # --- deciding ---------------------------------------------------------------------

    @_unavailable("no decision for this record")
    def claim(self, record: dict, run_id: str, mirror_like: bool = False,
              near_distance: int = NEAR_DISTANCE) -> Decision:
        self._check_epoch()
        self._flush_unrecorded()
        rid, sha, simhash = record["id"], record["content_sha256"], record.get("simhash")
        art_key, claim_key, content_key = self.k("art", rid), self.k("claim", rid), self.k("content", sha)
        band_keys = [self.k("band", i, v) for i, v in enumerate(bands(simhash))] if simhash else []
        bandsof_key = self.k("bandsof", rid)
        seq = self.r.incr(self.k("seq"))  # arrival order; gaps are harmless
        exec_lost = False  # EXEC sent, and the connection died before its reply: it may have run
        with self.r.pipeline() as pipe:
            for _ in range(MAX_RETRIES):
                try:
                    pipe.watch(art_key, claim_key, content_key, bandsof_key, *band_keys)
                    current = self._article(pipe, rid)
                    c = pipe.hgetall(claim_key)
                    claim = Claim(rid, _s(c[b"run_id"]), _s(c[b"content_sha256"])) if c else None
                    if exec_lost and claim and (claim.run_id, claim.content_sha256) == (run_id, sha):
                        claim = None  # our own claim, whose reply was lost: decide again as if unclaimed
                    f = pipe.hgetall(content_key)
                    first = IndexEntry(_s(f[b"id"]), int(f[b"seq"]), f[b"mirror"] == b"1") if f else None
                    near = []
                    for key in band_keys:
                        for member, value in pipe.hgetall(key).items():
                            s, m, h = _s(value).split("|")
                            near.append(IndexEntry(_s(member), int(s), m == "1", h))
                    old_bands = [_s(b) for b in pipe.smembers(bandsof_key)]
                    decision, take_over = classify(record, run_id, mirror_like, current, claim, first, near,
                                                   near_distance)
                    if not decision.emit:
                        pipe.unwatch()
                        return decision
                    mirror = "1" if mirror_like else "0"
                    pipe.multi()
                    pipe.hset(claim_key, mapping={"run_id": run_id, "content_sha256": sha})
                    pipe.expire(claim_key, self.claim_ttl)
                    pipe.sadd(self.k("runclaims", run_id), rid)
                    pipe.expire(self.k("runclaims", run_id), self.claim_ttl)
                    if first is None or take_over:
                        pipe.hset(content_key, mapping={"id": rid, "seq": seq, "mirror": mirror})
                    if simhash:
                        for key in old_bands:
                            pipe.hdel(key, rid)
                        pipe.delete(bandsof_key)
                        for key in band_keys:
                            pipe.hset(key, rid, f"{seq}|{mirror}|{simhash}")
                            pipe.sadd(bandsof_key, key)
                    try:
                        pipe.execute()
                    except redis.WatchError as exc:
                        # redis-py says "A ConnectionError occurred while watching ..." for a dead connection
                        exec_lost = exec_lost or "occurred" in str(exc)
                        raise
                    return decision
                except redis.WatchError:
                    continue
        raise RuntimeError(f"state store: no decision for {rid} after {MAX_RETRIES} tries (contention)")

    def commit(self, record: dict, emitted_at: str) -> bool:
        kept = {k: record[k] for k in JOURNAL_FIELDS if k in record}
        self.journal[record["id"]] = (kept, emitted_at)
        try:
            self._flush_unrecorded()
            return self._commit(kept, emitted_at)
        except REDIS_DOWN as exc:
            # the line is in the feed already: recorded when Redis answers again
            self.unrecorded.append((kept, emitted_at))
            logger.warning("state store %s unreachable (%s): %s kept to be recorded later (%d waiting)",
                           self.where, exc, record["id"], len(self.unrecorded))
            return True

    def _commit(self, record: dict, emitted_at: str) -> bool:
        article = article_from_record(record, emitted_at)
        art_key, claim_key = self.k("art", article.id), self.k("claim", article.id)
        with self.r.pipeline() as pipe:
            for _ in range(MAX_RETRIES):
                try:
                    pipe.watch(art_key, claim_key)
                    current = self._article(pipe, article.id)
                    c = pipe.hgetall(claim_key)
                    ours = bool(c) and _s(c.get(b"content_sha256")) == article.content_sha256
                    stale = current is not None and (current.content_sha256 == article.content_sha256
                                                     or current.version > article.version)
                    pipe.multi()
                    if ours:
                        pipe.delete(claim_key)
                        pipe.srem(self.k("runclaims", _s(c[b"run_id"])), article.id)
                    if not stale:
                        pipe.delete(art_key)
                        pipe.hset(art_key, mapping={
                            k: v for k, v in {
                                "content_sha256": article.content_sha256, "simhash": article.simhash,
                                "version": article.version, "url": article.url, "etag": article.etag,
                                "last_modified": article.last_modified, "emitted_at": article.emitted_at,
                                "last_fetch": article.last_fetch}.items() if v is not None})
                        for url in record_urls(record):
                            pipe.set(self.url_key(url), article.id)
                    pipe.execute()
                    return not stale
                except redis.WatchError:
                    continue
        raise RuntimeError(f"state store: cannot commit {article.id} (contention)")

    def release_claims(self, run_id: str) -> int:
        try:
            self._check_epoch()
            self._flush_unrecorded()
            return self._release_claims(run_id)
        except REDIS_DOWN as exc:
            logger.error("state store %s unreachable at the end of run %s (%s): its claims expire in "
                         "%d s; %d articles written to the feed are not recorded, the next run emits "
                         "them again", self.where, run_id, exc, self.claim_ttl, len(self.unrecorded))
            return 0

    def _release_claims(self, run_id: str) -> int:
        key = self.k("runclaims", run_id)
        released = 0
        for rid in self.r.smembers(key):
            released += int(self._release(keys=[self.k("claim", _s(rid))], args=[run_id]))
        self.r.delete(key)
        return released

    # --- conditional requests ----------------------------------------------------------

    def validators(self, url: str) -> tuple[str | None, str | None] | None:
        try:
            return self._validators(url)
        except REDIS_DOWN:
            return None  # an unconditional request: the page is fetched in full

    def _validators(self, url: str) -> tuple[str | None, str | None] | None:
        rid = self.r.get(self.url_key(url))
        if rid is None:
            return None
        etag, lm = self.r.hmget(self.k("art", _s(rid)), "etag", "last_modified")
        if not etag and not lm:
            return None
        return _s(etag), _s(lm)

    def touch(self, url: str, when: str) -> None:
        try:
            rid = self.r.get(self.url_key(url))
            if rid is not None and self.r.exists(self.k("art", _s(rid))):
                self.r.hset(self.k("art", _s(rid)), "last_fetch", when)
        except REDIS_DOWN:
            pass  # only the time of the last fetch is lost

    # --- runs ----------------------------------------------------------------------------

    def _save_run(self, run_id: str, data: dict) -> None:
        self.r.hset(self.k("runs"), run_id, json.dumps(data))

    def _load_run(self, run_id: str) -> dict | None:
        raw = self.r.hget(self.k("runs"), run_id)
        return json.loads(raw) if raw else None

    @_unavailable("cannot register the run")
    def open_run(self, run: Run) -> None:
        from crawler.emit.provenance import utc_now_iso

        self._save_run(run.run_id, {"host": run.host, "pid": run.pid, "proc_start": run.proc_start,
                                    "started": utc_now_iso(), "closed": None, "files": []})

    def add_run_file(self, run_id: str, path: str) -> None:
        try:
            self._add_run_file(run_id, path)
        except REDIS_DOWN as exc:
            logger.warning("state store %s unreachable (%s): feed %s not registered with run %s (were the "
                           "run killed, its last lines would be emitted again)", self.where, exc, path, run_id)

    def _add_run_file(self, run_id: str, path: str) -> None:
        data = self._load_run(run_id)
        if data is not None and path not in data["files"]:
            data["files"].append(path)
            self._save_run(run_id, data)

    def close_run(self, run_id: str) -> None:
        # A closed run is of no further use: forget it (keeps the hash small).
        try:
            self.r.hdel(self.k("runs"), run_id)
        except REDIS_DOWN as exc:
            logger.error("state store %s unreachable (%s): run %s stays open, the next run reconciles it",
                         self.where, exc, run_id)

    @_unavailable("cannot read the unfinished runs")
    def open_runs(self) -> list[Run]:
        out = []
        for run_id, raw in self.r.hgetall(self.k("runs")).items():
            d = json.loads(raw)
            out.append(Run(_s(run_id), d["host"], int(d["pid"]), d.get("proc_start") or "", d.get("files", [])))
        return out

    def close(self) -> None:
        self.r.close()
