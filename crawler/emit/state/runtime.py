"""The state store as one crawl uses it: opened once per crawler, the run
registered, the leftovers of crashed runs reconciled before anything is written.

Reconciling a run that did not close (its process is gone: killed, crashed,
the machine rebooted):
1. each JSONL feed file it wrote: a torn last line (the process died in the
   middle of a write) is cut off; every complete line is committed to the
   store if the store lacks it (the process died between fsync and commit);
2. its remaining claims are released: those articles were decided but never
   reached the disk, so the next run emits them again;
3. the run is marked closed.

Several runs may share one store at once (a manual run beside the cron job,
Scrapyd's parallel jobs): every decision is a transaction, a claim keeps the
others off an article, and a dead run's feed is repaired only under its file
lock (crawler/emit/feeds.py). A dead run with a feed that a live run holds is left
to that run, which reconciles it before it writes a line.
"""

from __future__ import annotations

import json
import logging
import os
import secrets
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from crawler.emit.feeds import held_by_this_process, try_lock
from crawler.emit.state.store import Run, StateStore, open_store, run_is_alive, this_process

logger = logging.getLogger(__name__)

DEFAULT_STATE_URI = "sqlite:///state/crawl-state.db"


@dataclass
class ReconcileReport:
    runs: int = 0
    lines_committed: int = 0
    torn_bytes: int = 0
    claims_released: int = 0


def repair_feed(path: Path) -> tuple[list[dict[str, Any]], int]:
    """Cut a torn last line off a JSONL file; return its records and the bytes cut.
    The caller holds the file's lock."""
    try:
        fh = open(path, "r+b")
    except FileNotFoundError:
        return [], 0
    with fh:
        data = fh.read()
        end = data.rfind(b"\n") + 1
        cut = len(data) - end
        if cut:
            fh.truncate(end)
            fh.flush()
            os.fsync(fh.fileno())
    records = []
    for n, line in enumerate(data[:end].splitlines(), 1):
        if not line.strip():
            continue
        try:
            records.append(json.loads(line))
        except ValueError:
            logger.error("%s line %d is not JSON; left as is", path, n)
    return records, cut


def lock_files(names: list[str]) -> list[int] | None:
    """Locks on a dead run's feed files, or None when a live run holds one of them."""
    fds: list[int] = []
    for name in names:
        if held_by_this_process(name) or not os.path.exists(name):
            continue  # ours (this run locked it before reconciling), or never written
        fd = try_lock(name)
        if fd is None:
            for held in fds:
                os.close(held)
            return None
        fds.append(fd)
    return fds


def reconcile(store: StateStore, emitted_at: str) -> ReconcileReport:
    report = ReconcileReport()
    for run in store.open_runs():
        if run_is_alive(run) is not False:
            continue  # still running, or on another host (its claims expire there)
        fds = lock_files(run.files)
        if fds is None:
            logger.info("run %s is being reconciled by the live run that holds its feed", run.run_id)
            continue
        try:
            report.runs += 1
            for name in run.files:
                records, cut = repair_feed(Path(name))
                if cut:
                    logger.warning("feed %s of crashed run %s ended in a torn line: %d bytes cut",
                                   name, run.run_id, cut)
                report.torn_bytes += cut
                for record in records:
                    if record.get("id") and record.get("content_sha256") and store.commit(record, emitted_at):
                        report.lines_committed += 1
            report.claims_released += store.release_claims(run.run_id)
            store.close_run(run.run_id)
        finally:
            for fd in fds:
                os.close(fd)
    if report.runs:
        logger.info("reconciled %d unfinished run(s): %d feed lines recorded, %d torn bytes cut, "
                    "%d claims released (emitted again this run)", report.runs, report.lines_committed,
                    report.torn_bytes, report.claims_released)
    return report


class CrawlState:
    """One crawler's view of the store: its run id and the settings that matter."""

    def __init__(self, store: StateStore, settings: Any):
        self.store = store
        host, pid, start = this_process()
        self.run_id = f"{host}:{pid}:{secrets.token_hex(4)}"
        self.mirror_spam_score = settings.getfloat("DEDUP_MIRROR_SPAM_SCORE", 0.5)
        self.near_distance = settings.getint("DEDUP_NEAR_DISTANCE", 3)
        from crawler.emit.provenance import utc_now_iso

        self.reconciled = reconcile(store, utc_now_iso())
        store.open_run(Run(self.run_id, host, pid, start))
        self.files: set[str] = set()
        self.closed = False

    def add_file(self, path: str) -> None:
        path = os.path.abspath(path)
        if self.closed:
            return  # a feed opened at close to write an empty file: no records to reconcile
        if path not in self.files:
            self.files.add(path)
            self.store.add_run_file(self.run_id, path)

    def finish(self) -> int:
        """The run ended: claims never committed are released (emitted next run)."""
        if self.closed:
            return 0
        self.closed = True
        released = self.store.release_claims(self.run_id)
        self.store.close_run(self.run_id)
        return released

    def close(self) -> None:
        self.finish()
        self.store.close()


def state_uri(settings: Any) -> str:
    return settings.get("STATE_URI") or settings.get("REDIS_URL") or DEFAULT_STATE_URI


def state_enabled(settings: Any) -> bool:
    """Whether the crawl uses the state store: STATE_ENABLED, or a STATE_URI the user named.

    A user who names a store (`-s STATE_URI=...`) wants it used; naming it
    without STATE_ENABLED turns the store on, and `-s STATE_ENABLED=0` given as
    explicitly still turns it off. The STATE_URI that distributed mode derives
    from REDIS_URL (marked STATE_URI_FOLLOWS_REDIS) names nothing by itself.
    """
    uri = settings.get("STATE_URI")
    follows_redis = bool(uri) and uri == settings.get("STATE_URI_FOLLOWS_REDIS")
    named = (bool(uri) and (settings.getpriority("STATE_URI") or 0) > (settings.getpriority("STATE_ENABLED") or 0)
             and not follows_redis)
    return named or settings.getbool("STATE_ENABLED", False)


def state_for(crawler: Any) -> CrawlState | None:
    """The crawler's CrawlState (opened on first use), or None when the state store is off."""
    if not state_enabled(crawler.settings):
        return None
    state = getattr(crawler, "_crawl_state", None)
    if state is None:
        uri = state_uri(crawler.settings)
        state = CrawlState(open_store(uri), crawler.settings)
        logger.info("state store %s (run %s)", state.store.uri, state.run_id)
        crawler._crawl_state = state
    return state
