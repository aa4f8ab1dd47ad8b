"""Crawler processes started as a user starts workers: `scrapy crawl ... -s REDIS_URL=...`."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

SETTINGS = {
    "DOWNLOAD_DELAY": "0",
    "AUTOTHROTTLE_ENABLED": "False",
    "ROBOTSTXT_OBEY": "False",
    "CONCURRENT_REQUESTS": "8",
    "CONCURRENT_REQUESTS_PER_DOMAIN": "8",
    "CLEAN_WORKERS": "0",  # two crawler processes already use both cores
    "DISTRIBUTED_WORKER_TTL": "3",
    "DISTRIBUTED_IDLE_CLOSE": "2",
    "LOG_LEVEL": "INFO",
    # Pages only: the generated site links attachments it does not serve (tests/attachments covers them).
    "ATTACHMENTS_ENABLED": "0",
}


def read_jsonl(path: Path, while_written: bool = False) -> list[dict]:
    """The records of a feed. `while_written`: the worker may be writing a line
    right now (a large write(2) is seen in parts by a reader): a last line
    without its newline is not read yet."""
    if not path.exists():
        return []
    text = path.read_text(encoding="utf-8")
    if while_written:
        text = text[:text.rfind("\n") + 1]
    return [json.loads(line) for line in text.splitlines() if line.strip()]


class Worker:
    def __init__(self, name: str, tmp: Path, redis_url: str, start_url: str, extra: dict | None = None,
                 spider: str = "provincial_portal"):
        tmp.mkdir(parents=True, exist_ok=True)
        self.feed = tmp / f"{name}.jsonl"
        self.log = tmp / f"{name}.log"
        cmd = [sys.executable, "-m", "scrapy", "crawl", spider, "-a", f"start_urls={start_url}",
               "-O", str(self.feed)]
        for k, v in {**SETTINGS, "REDIS_URL": redis_url, **(extra or {})}.items():
            cmd += ["-s", f"{k}={v}"]
        env = {k: v for k, v in os.environ.items() if "proxy" not in k.lower()}
        env["PYTHONPATH"] = str(ROOT)
        self._log = open(self.log, "w")
        self.proc = subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=self._log, stderr=subprocess.STDOUT,
                                     start_new_session=True)

    def records(self) -> list[dict]:
        return read_jsonl(self.feed)

    def records_so_far(self) -> int:
        """How many records a running worker has written."""
        return len(read_jsonl(self.feed, while_written=True))

    def errors(self) -> list[dict]:
        return read_jsonl(self.feed.with_name(self.feed.stem + ".errors.jsonl"))

    def summary(self) -> dict:
        path = self.feed.with_name(self.feed.stem + ".summary.json")
        return json.loads(path.read_text(encoding="utf-8")) if path.exists() else {}

    def wait(self, timeout: float) -> int:
        try:
            return self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            self.kill()
            pytest.fail(f"worker did not finish in {timeout} s; log:\n{self.log.read_text()[-3000:]}")
        finally:
            self._log.close()

    def kill(self) -> None:
        try:
            os.killpg(self.proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        self.proc.wait(10)


def article_urls(site, base: str) -> set[str]:
    return {base + p for p in site.article_paths()}


def assert_exactly_once(records: list[dict], expected: set[str]) -> None:
    urls = Counter(r["url"] for r in records)
    twice = {u: n for u, n in urls.items() if n > 1}
    assert not twice, f"emitted more than once: {list(twice)[:5]}"
    missing = expected - set(urls)
    assert not missing, f"{len(missing)} articles missing, e.g. {sorted(missing)[:3]}"
    assert set(urls) == expected
    ids = Counter(r["id"] for r in records)
    assert max(ids.values()) == 1


