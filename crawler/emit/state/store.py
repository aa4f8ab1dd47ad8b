"""The state store: what earlier runs emitted, per article, so a scheduled run
emits only what is new or changed.

One interface, two back ends: SQLite (one file, the embedded default) and
Redis (shared by many crawler processes). `open_store(uri)` picks by scheme:

    open_store("sqlite:///state/crawl-state.db")    # relative: to the project directory
    open_store("sqlite:////var/lib/edunews/state.db")  # absolute: four slashes
    open_store("redis://127.0.0.1:6379/0")

Per article id the store keeps the last emitted version: content hash,
simhash, version, ETag, Last-Modified, URL and times. Per URL it keeps the
validators for conditional requests. A content-hash index and a simhash band
index find exact and near duplicates across URLs and sites.

Emitting is two-phase, so that a crash never emits an article twice nor loses
one (see docs/scheduling.md):

1. `claim(record, run_id, mirror_like)` decides atomically: new / changed /
   unchanged / in_flight (another live run holds a claim on the same id), and
   for a new or changed record notes a claim and finds what it duplicates;
2. `commit(record)` once the record's line is on disk (fsync'ed): the record
   becomes the article's last emitted version and the claim goes.

Claims of a run that ended without committing them are released
(`release_claims`), so the next run emits those articles again.
"""

from __future__ import annotations

import os
import socket
from abc import ABC, abstractmethod
from dataclasses import dataclass, field

from cleaners.fingerprint import hamming_distance



def project_dir() -> str:
    """Where a relative SQLite STATE_URI lives: the Scrapy project this code runs in.

    In a source checkout, the directory whose scrapy.cfg sits beside the `crawler`
    package, whatever the current directory (a cron job started elsewhere finds the
    same state file). An installed package (pip, a Scrapyd egg) has no project
    around it: then the closest scrapy.cfg above the current directory, the way
    Scrapy finds its project, else the current directory; never site-packages or
    the inside of an egg.
    """
    import crawler
    from scrapy.utils.conf import closest_scrapy_cfg

    checkout = os.path.dirname(os.path.dirname(os.path.abspath(crawler.__file__)))
    if os.path.isfile(os.path.join(checkout, "scrapy.cfg")):
        return checkout
    cfg = closest_scrapy_cfg()
    return os.path.dirname(cfg) if cfg else os.getcwd()


# Near duplicates: simhash Hamming distance at most this. The 64 bits are cut
# into 4 bands of 16: two hashes within distance 3 agree on at least one band
# (pigeonhole), so only records sharing a band are compared.
NEAR_DISTANCE = 3
BANDS = 4
BAND_BITS = 64 // BANDS

OUTCOMES = ("new", "changed", "unchanged", "in_flight")


class StoreUnavailable(RuntimeError):
    """The store cannot be reached (a Redis server gone for longer than its
    outage bound): the record in hand becomes an error record, not a crash."""


@dataclass
class Decision:
    """What to do with a record, and what to write into it."""

    outcome: str  # one of OUTCOMES
    version: int = 1
    previous_content_sha256: str | None = None
    dup_of: str | None = None
    mirror_of: str | None = None
    dup_kind: str | None = None  # "exact" | "near" when dup_of is set

    @property
    def emit(self) -> bool:
        return self.outcome in ("new", "changed")


@dataclass
class Article:
    """The last emitted version of an article."""

    id: str
    content_sha256: str
    simhash: str | None
    version: int
    url: str | None = None
    etag: str | None = None
    last_modified: str | None = None
    emitted_at: str | None = None
    last_fetch: str | None = None


@dataclass
class Claim:
    id: str
    run_id: str
    content_sha256: str


@dataclass
class IndexEntry:
    """A record in the content or simhash index: who came first with this content."""

    id: str
    seq: int  # order of arrival: the smallest is the first record
    mirror: bool  # the record came from a mirror (or looked like spam)
    simhash: str | None = None


@dataclass
class Run:
    run_id: str
    host: str
    pid: int
    proc_start: str
    files: list[str] = field(default_factory=list)


def bands(simhash: str) -> list[int]:
    value = int(simhash, 16)
    mask = (1 << BAND_BITS) - 1
    return [(value >> (BAND_BITS * (BANDS - 1 - i))) & mask for i in range(BANDS)]


def classify(record: dict, run_id: str, mirror_like: bool, current: Article | None,
             claim: Claim | None, first_exact: IndexEntry | None,
             near: list[IndexEntry], near_distance: int = NEAR_DISTANCE) -> tuple[Decision, bool]:
    """The decision for one record, from what the store holds (a pure function:
    both back ends call it inside their own transaction).

    Returns (decision, take_over_exact_index): the second is True when this
    record, from an official site, should replace a mirror as the first holder
    of its content hash.
    """
    rid, sha = record["id"], record["content_sha256"]
    if current is not None and current.content_sha256 == sha:
        return Decision("unchanged", version=current.version), False
    if claim is not None:
        return Decision("in_flight"), False
    version = current.version + 1 if current else 1
    previous = current.content_sha256 if current else None
    decision = Decision("changed" if current else "new", version=version, previous_content_sha256=previous)
    target, kind = None, None
    if first_exact is not None and first_exact.id != rid:
        target, kind = first_exact, "exact"
    else:
        simhash = record.get("simhash")
        close = [e for e in near if e.id != rid and simhash and e.simhash
                 and hamming_distance(simhash, e.simhash) <= near_distance]
        if close:
            target, kind = min(close, key=lambda e: e.seq), "near"
    if target is None:
        return decision, False
    if target.mirror and not mirror_like:
        # An official copy is never a duplicate of a mirror: it becomes the
        # original that later copies point to.
        return decision, kind == "exact"
    decision.dup_of, decision.dup_kind = target.id, kind
    if mirror_like:
        decision.mirror_of = target.id
    return decision, False


def article_from_record(record: dict, emitted_at: str) -> Article:
    http = record.get("http") or {}
    single_page = len(record.get("part_urls") or []) <= 1
    # A split article is fetched again in full: a 304 for its first page says
    # nothing of the others, so no validators are kept for it.
    return Article(
        id=record["id"],
        content_sha256=record["content_sha256"],
        simhash=record.get("simhash"),
        version=int(record.get("version") or 1),
        url=record.get("url"),
        etag=http.get("etag") if single_page else None,
        last_modified=http.get("last_modified") if single_page else None,
        emitted_at=emitted_at,
        last_fetch=record.get("fetched_at") or emitted_at,
    )


def record_urls(record: dict) -> list[str]:
    """The URLs a conditional request for this article may be sent to."""
    out = []
    for url in (record.get("url"), record.get("final_url")):
        if url and url not in out:
            out.append(url)
    return out


class StateStore(ABC):
    """What every back end provides. Every method that decides or records an
    emission is atomic across processes sharing the store."""

    uri: str = ""

    # --- deciding and recording emissions ------------------------------------------
    @abstractmethod
    def claim(self, record: dict, run_id: str, mirror_like: bool = False,
              near_distance: int = NEAR_DISTANCE) -> Decision:
        """Decide new / changed / unchanged / in_flight for a cleaned record; for
        new and changed ones, hold a claim for `run_id` and index the content."""

    @abstractmethod
    def commit(self, record: dict, emitted_at: str) -> bool:
        """The record is on disk (or was dropped on purpose): it becomes the
        article's last version, its claim goes. Idempotent; False when the store
        already had this version."""

    @abstractmethod
    def release_claims(self, run_id: str) -> int:
        """Forget the uncommitted claims of a run (they will be emitted again)."""

    # --- conditional requests -------------------------------------------------
    @abstractmethod
    def validators(self, url: str) -> tuple[str | None, str | None] | None:
        """(ETag, Last-Modified) of the last emitted version fetched from `url`."""

    @abstractmethod
    def touch(self, url: str, when: str) -> None:
        """The article at `url` was fetched again and had not changed."""

    @abstractmethod
    def get(self, article_id: str) -> Article | None:
        """The last emitted version of an article."""

    # --- runs -------------------------------------------------------------------
    @abstractmethod
    def open_run(self, run: Run) -> None: ...

    @abstractmethod
    def add_run_file(self, run_id: str, path: str) -> None: ...

    @abstractmethod
    def close_run(self, run_id: str) -> None:
        """The run ended (cleanly, or was reconciled after a crash)."""

    @abstractmethod
    def open_runs(self) -> list[Run]: ...

    @abstractmethod
    def close(self) -> None: ...

    # --- counts, for summaries and tests ---------------------------------------------
    @abstractmethod
    def count(self) -> int:
        """Articles known (emitted at least once)."""


def this_process() -> tuple[str, int, str]:
    """(host, pid, start time of the process): a pid alone may be reused."""
    return socket.gethostname(), os.getpid(), process_start(os.getpid())


def process_start(pid: int) -> str:
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii", errors="replace") as fh:
            stat = fh.read()
        return stat.rsplit(")", 1)[1].split()[19]  # field 22: start time in clock ticks
    except (OSError, IndexError):
        return ""


def run_is_alive(run: Run) -> bool | None:
    """True/False for a run of this host; None when it ran elsewhere (unknown)."""
    host, _, _ = this_process()
    if run.host != host:
        return None
    try:
        os.kill(run.pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        pass
    start = process_start(run.pid)
    return not (run.proc_start and start and start != run.proc_start)


def open_store(uri: str) -> StateStore:
    """A store for `sqlite:///relative.db`, `sqlite:////absolute.db`, a plain
    path, or `redis://host:port/db` (`rediss://` too)."""
    if uri.startswith(("redis://", "rediss://", "unix://")):
        from crawler.emit.state.redis_store import RedisStateStore

        return RedisStateStore(uri)
    if uri.startswith("sqlite://"):
        path = uri[len("sqlite://"):]
        if path.startswith("/"):
            path = path[1:]  # sqlite:///rel.db -> rel.db ; sqlite:////abs.db -> /abs.db
        if not path:
            raise ValueError(f"STATE_URI {uri!r} names no file")
    elif "://" in uri:
        raise ValueError(f"STATE_URI {uri!r}: unknown scheme (use sqlite:/// or redis://)")
    else:
        path = uri
    from crawler.emit.state.sqlite_store import SQLiteStateStore

    if not os.path.isabs(path):
        path = os.path.join(project_dir(), path)
    return SQLiteStateStore(path)


__all__ = [
    "Article", "Claim", "Decision", "IndexEntry", "Run", "StateStore", "StoreUnavailable", "open_store", "classify",
    "bands", "article_from_record", "record_urls", "run_is_alive", "this_process",
    "NEAR_DISTANCE", "OUTCOMES",
]
