"""Redis faults under a distributed crawl, as scenarios: a real redis-server on a
loopback port, killed with SIGKILL mid-crawl and started again with its data
(AOF) or without it, or never again; and no Redis at all when a worker starts.

tests/distributed/test_redis_failures.py asserts on each scenario;
scripts/hostile_report.py prints their figures. A scenario returns a FaultRun:
the workers it ran (their feeds, error files, summaries and logs), their exit
statuses, and the articles the site holds.
"""

from __future__ import annotations

import shutil
import socket
import subprocess
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from tests.distributed.workers import Worker

REDIS_SERVER = shutil.which("redis-server") or "/usr/bin/redis-server"
# Four requests at a time: still crawling when the fault comes.
SLOW = {"CONCURRENT_REQUESTS": "4", "CONCURRENT_REQUESTS_PER_DOMAIN": "4", "STATE_ENABLED": "1"}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class RedisServer:
    """A real redis-server on a loopback port that can be SIGKILLed and started
    again, with its data (AOF, fsync always) or without (no persistence)."""

    def __init__(self, directory: Path, persistence: bool | str):
        self.dir = directory
        self.dir.mkdir(parents=True, exist_ok=True)
        self.persistence = persistence  # True: AOF; "rdb": snapshots taken with snapshot(); False: none
        self.port = free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.proc: subprocess.Popen | None = None

    def start(self) -> "RedisServer":
        import redis

        durable = ["--appendonly", "yes", "--appendfsync", "always"] if self.persistence is True \
            else ["--appendonly", "no"]
        self.proc = subprocess.Popen(
            [REDIS_SERVER, "--port", str(self.port), "--bind", "127.0.0.1", "--save", "", *durable,
             "--dir", str(self.dir)],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        client = redis.Redis(host="127.0.0.1", port=self.port)
        deadline = time.monotonic() + 10
        try:
            while True:
                try:
                    client.ping()
                    return self
                except (redis.ConnectionError, redis.BusyLoadingError):
                    if time.monotonic() > deadline or self.proc.poll() is not None:
                        self.kill()
                        raise RuntimeError(f"redis-server did not start on port {self.port}")
                    time.sleep(0.05)
        finally:
            client.close()

    def snapshot(self) -> None:
        """An RDB snapshot now (SAVE): a restart comes back to this point."""
        import redis

        client = redis.Redis(host="127.0.0.1", port=self.port)
        try:
            client.save()
        finally:
            client.close()

    def kill(self) -> None:
        """SIGKILL: no shutdown, no final save."""
        if self.proc is not None and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(10)


@dataclass
class FaultRun:
    fault: str
    expected: set[str]  # the site's article URLs
    workers: list[Worker] = field(default_factory=list)
    codes: list[int] = field(default_factory=list)
    seconds_to_exit: float = 0.0  # from the (last) fault to the first worker's exit
    kills: int = 0

    def records(self) -> list[dict]:
        return [r for w in self.workers for r in w.records()]

    def errors(self) -> list[dict]:
        return [e for w in self.workers for e in w.errors()]

    def emitted(self) -> set[str]:
        return {r["url"] for r in self.records()}

    def duplicated(self) -> int:
        return sum(n - 1 for n in Counter(r["url"] for r in self.records()).values())

    def missing(self) -> set[str]:
        """Articles neither in a feed nor in an errors file."""
        return self.expected - self.emitted() - {e.get("url") for e in self.errors()}

    def unaccounted(self) -> int:
        """Article pages fetched that became neither a record, an error record nor
        a counted drop (the summary's accounting, and the spider's own "already
        emitted" for a page fetched again in one process), over every worker."""
        out = 0
        for w in self.workers:
            s = w.summary()
            if not s:
                out += bool(w.records())  # no summary: fine only for a worker that never started
                continue
            again = w.log.read_text().count("already emitted (reached again via")
            done = s["articles_emitted"] + s["errors"] + sum(s["other_drops"].values()) + again
            out += abs(s["pages_by_kind"].get("article", 0) - done)
        return out

    def reported_twice(self) -> set[str]:
        """Article ids a worker's log says were written twice (after Redis came back older)."""
        out: set[str] = set()
        for w in self.workers:
            for line in w.log.read_text().splitlines():
                if "written again by another worker: " in line:
                    out.update(line.split("written again by another worker: ", 1)[1].split())
        return out

    def written_twice(self) -> set[str]:
        return {i for i, n in Counter(r["id"] for r in self.records()).items() if n > 1}

    def pipeline_failures(self) -> int:
        return sum(w.log.read_text().count("Error processing") for w in self.workers)

    def finish_reasons(self) -> list[str]:
        return [w.summary().get("finish_reason", "-") for w in self.workers]


def wait_for_records(worker: Worker, n: int, timeout: float = 90) -> None:
    deadline = time.monotonic() + timeout
    while worker.records_so_far() < n:
        if worker.proc.poll() is not None:
            raise AssertionError(f"the crawl ended before the fault:\n{worker.log.read_text()[-2000:]}")
        if time.monotonic() > deadline:
            raise AssertionError(f"fewer than {n} records in {timeout} s")
        time.sleep(0.1)


def unreachable_at_start(tmp: Path, base: str, outage: float = 2) -> FaultRun:
    run = FaultRun("no Redis at start", expected=set())
    worker = Worker("nostart", tmp, f"redis://127.0.0.1:{free_port()}/0", f"{base}/gzdt/index.html",
                    extra={"DISTRIBUTED_REDIS_OUTAGE": str(outage)})
    started = time.monotonic()
    run.workers, run.codes = [worker], [worker.wait(90)]
    run.seconds_to_exit = time.monotonic() - started
    return run


def restarted_with_data(tmp: Path, server: RedisServer, expected: set[str], base: str,
                        kills: int = 1, down: float = 2.0) -> FaultRun:
    """SIGKILL, `down` seconds away, started again with its AOF: `kills` times in one crawl."""
    run = FaultRun("kill -9, back with AOF", expected)
    server.start()
    worker = Worker("aof", tmp, server.url, f"{base}/gzdt/index.html",
                    extra={**SLOW, "DISTRIBUTED_REDIS_OUTAGE": "30"})
    step = max(5, len(expected) // (kills + 2))
    for k in range(kills):
        wait_for_records(worker, step * (k + 1))
        server.kill()
        time.sleep(down)
        server.start()
        run.kills += 1
    fault = time.monotonic()
    run.workers, run.codes = [worker], [worker.wait(180)]
    run.seconds_to_exit = time.monotonic() - fault
    return run


def rolled_back(tmp: Path, server: RedisServer, expected: set[str], base: str, workers: int = 2) -> FaultRun:
    """An RDB snapshot, the crawl goes on, SIGKILL, started again from the
    snapshot: the queue, leases, seen requests, emitted hash and state store
    are back as they were, the work done since is not."""
    run = FaultRun("kill -9, back from a snapshot", expected)
    server.start()
    started = [Worker(f"rdb{i}", tmp, server.url, f"{base}/gzdt/index.html",
                      extra={**SLOW, "DISTRIBUTED_REDIS_OUTAGE": "30"}) for i in range(workers)]
    wait_for_records(started[0], 10)
    server.snapshot()
    wait_for_records(started[0], 25)
    server.kill()
    time.sleep(1)
    server.start()
    run.kills = 1
    fault = time.monotonic()
    run.workers, run.codes = started, [w.wait(180) for w in started]
    run.seconds_to_exit = time.monotonic() - fault
    return run


def restarted_without_data(tmp: Path, server: RedisServer, expected: set[str], base: str) -> FaultRun:
    """SIGKILL, started again empty; then the crawl run again on it, as the user is told to."""
    run = FaultRun("kill -9, back without data", expected)
    server.start()
    first = Worker("lost", tmp, server.url, f"{base}/gzdt/index.html",
                   extra={**SLOW, "DISTRIBUTED_REDIS_OUTAGE": "30"})
    wait_for_records(first, 15)
    server.kill()
    time.sleep(1)
    server.start()
    run.kills = 1
    fault = time.monotonic()
    run.codes.append(first.wait(120))
    run.seconds_to_exit = time.monotonic() - fault
    again = Worker("again", tmp, server.url, f"{base}/gzdt/index.html",
                   extra={**SLOW, "DISTRIBUTED_REDIS_OUTAGE": "30"})
    run.workers = [first, again]
    run.codes.append(again.wait(180))
    return run


def gone_for_good(tmp: Path, server: RedisServer, expected: set[str], base: str, outage: float = 3) -> FaultRun:
    """SIGKILL, never started again: the worker waits `outage` seconds, then stops."""
    run = FaultRun("kill -9, never back", expected)
    server.start()
    worker = Worker("gone", tmp, server.url, f"{base}/gzdt/index.html",
                    extra={**SLOW, "DISTRIBUTED_REDIS_OUTAGE": str(outage)})
    wait_for_records(worker, 15)
    server.kill()
    run.kills = 1
    fault = time.monotonic()
    run.workers, run.codes = [worker], [worker.wait(120)]
    run.seconds_to_exit = time.monotonic() - fault
    return run
