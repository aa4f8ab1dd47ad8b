"""The embedded state store: one SQLite file.

Every decision runs in a `BEGIN IMMEDIATE` transaction (the write lock is
taken first), so several processes sharing the file decide one after another
and never both emit the same article. WAL journal: readers do not block the
writer, and a killed process leaves the file consistent (SQLite's own
guarantee); a transaction that did not commit is rolled back on next open.
"""

from __future__ import annotations

import logging
import sqlite3
import time
from contextlib import contextmanager
from datetime import datetime, timezone
from pathlib import Path
from typing import Iterator

from crawler.emit.state.store import (
    NEAR_DISTANCE,
    Article,
    Claim,
    Decision,
    IndexEntry,
    Run,
    StateStore,
    article_from_record,
    bands,
    classify,
    record_urls,
)

logger = logging.getLogger(__name__)

SCHEMA = """
CREATE TABLE IF NOT EXISTS articles (
    id TEXT PRIMARY KEY, content_sha256 TEXT NOT NULL, simhash TEXT, version INTEGER NOT NULL,
    url TEXT, etag TEXT, last_modified TEXT, emitted_at TEXT, last_fetch TEXT);
CREATE TABLE IF NOT EXISTS urls (url TEXT PRIMARY KEY, id TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS claims (
    id TEXT PRIMARY KEY, run_id TEXT NOT NULL, content_sha256 TEXT NOT NULL, claimed_at TEXT);
CREATE INDEX IF NOT EXISTS claims_run ON claims (run_id);
CREATE TABLE IF NOT EXISTS content_index (
    content_sha256 TEXT PRIMARY KEY, id TEXT NOT NULL, seq INTEGER NOT NULL, mirror INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS simhash_index (
    band INTEGER NOT NULL, value INTEGER NOT NULL, id TEXT NOT NULL, simhash TEXT NOT NULL,
    seq INTEGER NOT NULL, mirror INTEGER NOT NULL, PRIMARY KEY (band, value, id));
CREATE INDEX IF NOT EXISTS simhash_index_id ON simhash_index (id);
CREATE TABLE IF NOT EXISTS runs (
    run_id TEXT PRIMARY KEY, host TEXT, pid INTEGER, proc_start TEXT, started TEXT, closed TEXT);
CREATE TABLE IF NOT EXISTS run_files (run_id TEXT NOT NULL, path TEXT NOT NULL, PRIMARY KEY (run_id, path));
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value INTEGER NOT NULL);
"""


def now_iso() -> str:
    return datetime.now(tz=timezone.utc).isoformat(timespec="seconds").replace("+00:00", "Z")


class SQLiteStateStore(StateStore):
    def __init__(self, path: str | Path):
        self.path = Path(path)
        self.uri = f"sqlite:///{self.path}"
        self.path.parent.mkdir(parents=True, exist_ok=True)
        # isolation_level=None: we issue BEGIN ourselves (IMMEDIATE, for the write lock).
        self.db = sqlite3.connect(str(self.path), isolation_level=None, timeout=60)
        # Two runs opening a new store at once: switching it to WAL takes the lock
        # SQLite may refuse at once, without waiting (deadlock avoidance).
        self._locked_retry("PRAGMA journal_mode=WAL")
        self.db.execute("PRAGMA synchronous=NORMAL")  # WAL + NORMAL: durable across a killed process
        self.db.execute("PRAGMA busy_timeout=60000")
        with self.transaction():
            for statement in SCHEMA.split(";"):  # executescript() would commit our transaction
                if statement.strip():
                    self.db.execute(statement)

    def _locked_retry(self, statement: str) -> None:
        """Run `statement`, again while the database is locked past the busy timeout
        (or refused without one), for up to 50 tries 0.1 s apart."""
        for attempt in range(50):
            try:
                self.db.execute(statement)
                return
            except sqlite3.OperationalError as exc:
                if "locked" not in str(exc) or attempt == 49:
                    raise
                time.sleep(0.1)

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        self._locked_retry("BEGIN IMMEDIATE")
        try:
            yield self.db
        except BaseException:
            self.db.execute("ROLLBACK")
            raise
        else:
            self.db.execute("COMMIT")

    # --- reading ---------------------------------------------------------------------

    def _article(self, article_id: str) -> Article | None:
        row = self.db.execute(
            "SELECT id, content_sha256, simhash, version, url, etag, last_modified, emitted_at, last_fetch"
            " FROM articles WHERE id = ?", (article_id,)).fetchone()
        return Article(*row) if row else None

    def get(self, article_id: str) -> Article | None:
        return self._article(article_id)

    def count(self) -> int:
        return self.db.execute("SELECT COUNT(*) FROM articles").fetchone()[0]

    def _next_seq(self) -> int:
        self.db.execute("INSERT INTO meta (key, value) VALUES ('seq', 1)"
                        " ON CONFLICT(key) DO UPDATE SET value = value + 1")
        return self.db.execute("SELECT value FROM meta WHERE key = 'seq'").fetchone()[0]

    # --- deciding ---------------------------------------------------------------------

    def claim(self, record: dict, run_id: str, mirror_like: bool = False,
              near_distance: int = NEAR_DISTANCE) -> Decision:
        rid, sha, simhash = record["id"], record["content_sha256"], record.get("simhash")
        with self.transaction() as db:
            current = self._article(rid)
            row = db.execute("SELECT id, run_id, content_sha256 FROM claims WHERE id = ?", (rid,)).fetchone()
            claim = Claim(*row) if row else None
            row = db.execute("SELECT id, seq, mirror FROM content_index WHERE content_sha256 = ?",
                             (sha,)).fetchone()
            first = IndexEntry(row[0], row[1], bool(row[2])) if row else None
            near: list[IndexEntry] = []
            if simhash:
                where = " OR ".join("(band = ? AND value = ?)" for _ in bands(simhash))
                params = [p for i, v in enumerate(bands(simhash)) for p in (i, v)]
                seen = set()
                for r in db.execute(f"SELECT id, seq, mirror, simhash FROM simhash_index WHERE {where}", params):
                    if r[0] not in seen:
                        seen.add(r[0])
                        near.append(IndexEntry(r[0], r[1], bool(r[2]), r[3]))
            decision, take_over = classify(record, run_id, mirror_like, current, claim, first, near,
                                           near_distance)
            if not decision.emit:
                return decision
            db.execute("INSERT INTO claims (id, run_id, content_sha256, claimed_at) VALUES (?, ?, ?, ?)",
                       (rid, run_id, sha, now_iso()))
            seq = self._next_seq()
            original = not mirror_like
            if first is None or take_over:
                db.execute("INSERT OR REPLACE INTO content_index VALUES (?, ?, ?, ?)",
                           (sha, rid, seq, int(not original)))
            if simhash:
                db.execute("DELETE FROM simhash_index WHERE id = ?", (rid,))
                db.executemany("INSERT OR REPLACE INTO simhash_index VALUES (?, ?, ?, ?, ?, ?)",
                               [(i, v, rid, simhash, seq, int(not original)) for i, v in enumerate(bands(simhash))])
            return decision

    def commit(self, record: dict, emitted_at: str) -> bool:
        article = article_from_record(record, emitted_at)
        with self.transaction() as db:
            db.execute("DELETE FROM claims WHERE id = ? AND content_sha256 = ?",
                       (article.id, article.content_sha256))
            current = self._article(article.id)
            if current is not None and (current.content_sha256 == article.content_sha256
                                        or current.version > article.version):
                return False
            db.execute("INSERT OR REPLACE INTO articles VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                       (article.id, article.content_sha256, article.simhash, article.version, article.url,
                        article.etag, article.last_modified, article.emitted_at, article.last_fetch))
            for url in record_urls(record):
                db.execute("INSERT OR REPLACE INTO urls VALUES (?, ?)", (url, article.id))
            return True

    def release_claims(self, run_id: str) -> int:
        with self.transaction() as db:
            return db.execute("DELETE FROM claims WHERE run_id = ?", (run_id,)).rowcount

    # --- conditional requests ----------------------------------------------------------

    def validators(self, url: str) -> tuple[str | None, str | None] | None:
        row = self.db.execute(
            "SELECT a.etag, a.last_modified FROM urls u JOIN articles a ON a.id = u.id WHERE u.url = ?",
            (url,)).fetchone()
        if not row or not (row[0] or row[1]):
            return None
        return row[0], row[1]

    def touch(self, url: str, when: str) -> None:
        with self.transaction() as db:
            db.execute("UPDATE articles SET last_fetch = ? WHERE id = (SELECT id FROM urls WHERE url = ?)",
                       (when, url))

    # --- runs ----------------------------------------------------------------------------

    def open_run(self, run: Run) -> None:
        with self.transaction() as db:
            db.execute("INSERT OR REPLACE INTO runs VALUES (?, ?, ?, ?, ?, NULL)",
                       (run.run_id, run.host, run.pid, run.proc_start, now_iso()))

    def add_run_file(self, run_id: str, path: str) -> None:
        with self.transaction() as db:
            db.execute("INSERT OR IGNORE INTO run_files VALUES (?, ?)", (run_id, path))

    def close_run(self, run_id: str) -> None:
        # A closed run is of no further use: forget it (the table stays small).
        with self.transaction() as db:
            db.execute("DELETE FROM run_files WHERE run_id = ?", (run_id,))
            db.execute("DELETE FROM runs WHERE run_id = ?", (run_id,))

    def open_runs(self) -> list[Run]:
        runs = []
        for run_id, host, pid, proc_start in self.db.execute(
                "SELECT run_id, host, pid, proc_start FROM runs WHERE closed IS NULL ORDER BY started"):
            files = [r[0] for r in self.db.execute("SELECT path FROM run_files WHERE run_id = ?", (run_id,))]
            runs.append(Run(run_id, host, pid, proc_start or "", files))
        return runs

    def close(self) -> None:
        self.db.close()
