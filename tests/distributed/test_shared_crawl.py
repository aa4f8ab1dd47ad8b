"""Several crawler processes share one crawl through a real Redis: every article
exactly once across their feeds, even when a worker is killed part-way."""

from __future__ import annotations

import time

import pytest
import redis

from tests.distributed.workers import Worker, article_urls, assert_exactly_once

pytestmark = pytest.mark.redis


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
    while victim.records_so_far() < 40:  # part-way: the victim has emitted some articles
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
