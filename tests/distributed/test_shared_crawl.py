"""Several crawler processes share one crawl through a real Redis: every article
exactly once across their feeds, even when a worker is killed part-way."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import pytest
import redis

ROOT = Path(__file__).resolve().parents[2]

pytestmark = pytest.mark.redis

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
}


class Worker:
    def __init__(self, name: str, tmp: Path, redis_url: str, start_url: str, extra: dict | None = None):
        self.feed = tmp / f"{name}.jsonl"
        self.log = tmp / f"{name}.log"
        cmd = [sys.executable, "-m", "scrapy", "crawl", "provincial_portal", "-a", f"start_urls={start_url}",
               "-O", str(self.feed)]
        for k, v in {**SETTINGS, "REDIS_URL": redis_url, **(extra or {})}.items():
            cmd += ["-s", f"{k}={v}"]
        env = {k: v for k, v in os.environ.items() if "proxy" not in k.lower()}
        env["PYTHONPATH"] = str(ROOT)
        self._log = open(self.log, "w")
        self.proc = subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=self._log, stderr=subprocess.STDOUT,
                                     start_new_session=True)

    def records(self) -> list[dict]:
        if not self.feed.exists():
            return []
        lines = self.feed.read_text(encoding="utf-8").splitlines()
        return [json.loads(line) for line in lines if line.strip()]

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


def test_two_workers_share_one_crawl(tmp_path, redis_url, site, site_base):
    start = f"{site_base}/gzdt/index.html"
    workers = [Worker(f"w{i}", tmp_path, redis_url, start) for i in range(2)]
    codes = [w.wait(150) for w in workers]
    assert codes == [0, 0], [w.log.read_text()[-2000:] for w in workers]
    per_worker = [w.records() for w in workers]
    assert all(per_worker), f"each worker emits part of the crawl: {[len(r) for r in per_worker]}"
    assert_exactly_once([r for recs in per_worker for r in recs], article_urls(site, site_base))
    # the finished crawl leaves nothing behind but what the next run must start from
    client = redis.Redis.from_url(redis_url)
    assert client.zcard("provincial_portal:requests") == 0
    assert not client.exists("provincial_portal:dupefilter")
    assert not client.keys("provincial_portal:leases:*")


def test_a_killed_worker_loses_nothing(tmp_path, redis_url, site, site_base):
    start = f"{site_base}/gzdt/index.html"
    victim = Worker("victim", tmp_path, redis_url, start)
    survivor = Worker("survivor", tmp_path, redis_url, start)
    deadline = time.monotonic() + 90
    while len(victim.records()) < 40:  # part-way: the victim has emitted some articles
        assert victim.proc.poll() is None, "the crawl ended before the kill"
        assert time.monotonic() < deadline, "the victim emitted nothing in 90 s"
        time.sleep(0.1)
    client = redis.Redis.from_url(redis_url)
    held = sum(client.hlen(k) for k in client.keys("provincial_portal:leases:*"))
    victim.kill()
    assert survivor.wait(150) == 0, survivor.log.read_text()[-3000:]
    victim_records, survivor_records = victim.records(), survivor.records()
    assert len(victim_records) >= 40 and survivor_records
    assert_exactly_once(victim_records + survivor_records, article_urls(site, site_base))
    log = survivor.log.read_text()
    if held:  # the victim's leased requests went back into the queue, not lost
        assert "back into the queue" in log


def test_start_urls_pushed_to_redis_are_crawled(tmp_path, redis_url, site, site_base):
    """A worker started on a page with no links takes the start URL pushed with push_urls."""
    from crawler.push_urls import main as push

    assert push(["--redis", redis_url, "provincial_portal", f"{site_base}/gzdt/index.html"]) == 0
    worker = Worker("pushed", tmp_path, redis_url, f"{site_base}/nothing-here.html")
    assert worker.wait(150) == 0, worker.log.read_text()[-3000:]
    assert_exactly_once(worker.records(), article_urls(site, site_base))
    assert redis.Redis.from_url(redis_url).llen("provincial_portal:start_urls") == 0
