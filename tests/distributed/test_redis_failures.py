"""Redis failing under a distributed crawl (issue #10, "Redis goes away"): a real
redis-server on a loopback port, killed with SIGKILL mid-crawl and started
again with its data (AOF) or without, or never again; and Redis not there at
all when a worker starts.

What a user must see each time: no page lost (every article page fetched ends
as one record or one error record, nothing "Error processing"), no article
written twice, a worker that ends by itself, and an exit status and summary
that do not call an unfinished crawl finished."""

from __future__ import annotations

import time
from collections import Counter

import pytest

from benchmarks.generated_site import GeneratedSite, serve
from crawler.commands.crawl import INCOMPLETE_EXIT
from tests.distributed.conftest import free_port
from tests.distributed.workers import Worker, article_urls, assert_exactly_once

pytestmark = pytest.mark.redis

SLOW = {"CONCURRENT_REQUESTS": "4", "CONCURRENT_REQUESTS_PER_DOMAIN": "4"}  # still crawling at the kill


@pytest.fixture(scope="module")
def small_site():
    site = GeneratedSite(120)
    with serve(site) as base:
        yield site, base


def wait_for_records(worker: Worker, n: int, timeout: float = 90) -> None:
    deadline = time.monotonic() + timeout
    while len(worker.records()) < n:
        assert worker.proc.poll() is None, f"the crawl ended before the fault:\n{worker.log.read_text()[-2000:]}"
        assert time.monotonic() < deadline, f"fewer than {n} records in {timeout} s"
        time.sleep(0.1)


def assert_every_page_accounted_for(worker: Worker) -> None:
    """Each article page fetched is a record, an error record or a counted drop
    (a duplicate of another worker's article), and no pipeline failed on one."""
    log = worker.log.read_text()
    assert "Error processing" not in log, log[log.index("Error processing") - 200:][:3000]
    s = worker.summary()
    assert s, "no summary written"
    fetched = s["pages_by_kind"].get("article", 0)
    accounted = s["articles_emitted"] + s["errors"] + sum(s["other_drops"].values())
    assert fetched == accounted, s
    urls = Counter(r["url"] for r in worker.records())
    assert not [u for u, n in urls.items() if n > 1], "an article written twice"


def test_redis_unreachable_at_start_the_worker_says_so_and_exits(tmp_path, small_site):
    site, base = small_site
    nobody = f"redis://127.0.0.1:{free_port()}/0"
    worker = Worker("nostart", tmp_path, nobody, f"{base}/gzdt/index.html",
                    extra={"DISTRIBUTED_REDIS_OUTAGE": "2"})
    started = time.monotonic()
    code = worker.wait(90)
    log = worker.log.read_text()
    assert code != 0, log[-2000:]
    assert time.monotonic() - started < 60  # waited its bound, not forever
    assert "Redis unreachable" in log and "unreachable at start" in log, log[-2000:]
    assert not worker.records()


def test_redis_killed_and_restarted_with_its_data(tmp_path, redis_server, small_site):
    site, base = small_site
    server = redis_server(persistence=True).start()
    worker = Worker("aof", tmp_path, server.url, f"{base}/gzdt/index.html",
                    extra={**SLOW, "DISTRIBUTED_REDIS_OUTAGE": "30", "STATE_ENABLED": "1"})
    wait_for_records(worker, 15)
    server.kill()
    time.sleep(2)
    server.start()
    code = worker.wait(150)
    log = worker.log.read_text()
    assert code == 0, log[-3000:]
    assert "Redis unreachable" in log and "Redis answers again" in log
    assert_exactly_once(worker.records(), article_urls(site, base))
    assert not worker.errors()
    assert worker.summary()["finish_reason"] == "finished"
    assert_every_page_accounted_for(worker)


def test_redis_restarted_without_its_data_stops_the_worker_and_says_so(tmp_path, redis_server, small_site):
    site, base = small_site
    server = redis_server(persistence=False).start()
    extra = {**SLOW, "DISTRIBUTED_REDIS_OUTAGE": "30", "STATE_ENABLED": "1"}
    first = Worker("lost", tmp_path, server.url, f"{base}/gzdt/index.html", extra=extra)
    wait_for_records(first, 15)
    server.kill()
    time.sleep(1)
    server.start()
    code = first.wait(120)
    log = first.log.read_text()
    assert code == INCOMPLETE_EXIT, log[-3000:]
    assert "lost the data of crawl" in log and "the crawl is incomplete" in log
    assert first.summary()["finish_reason"] == "redis_data_lost"
    assert_every_page_accounted_for(first)
    # The crawl is run again on the same (now empty) Redis: the store was given
    # back what the first worker emitted, so nothing is emitted twice, and the
    # two feeds together hold every article.
    again = Worker("again", tmp_path, server.url, f"{base}/gzdt/index.html", extra=extra)
    assert again.wait(150) == 0, again.log.read_text()[-3000:]
    assert_exactly_once(first.records() + again.records(), article_urls(site, base))
    assert_every_page_accounted_for(again)


def test_redis_gone_for_good_the_worker_stops_within_its_bound(tmp_path, redis_server, small_site):
    site, base = small_site
    server = redis_server(persistence=False).start()
    worker = Worker("gone", tmp_path, server.url, f"{base}/gzdt/index.html",
                    extra={**SLOW, "DISTRIBUTED_REDIS_OUTAGE": "3", "STATE_ENABLED": "1"})
    wait_for_records(worker, 15)
    server.kill()
    killed = time.monotonic()
    code = worker.wait(90)
    log = worker.log.read_text()
    assert code == INCOMPLETE_EXIT, log[-3000:]
    assert time.monotonic() - killed < 60
    assert worker.summary()["finish_reason"] == "redis_unavailable"
    assert "worker" in log and "stops (redis_unavailable)" in log
    assert_every_page_accounted_for(worker)
    for error in worker.errors():  # pages in flight when the store went: error records, with the reason
        assert error["error"] == "state" and "unreachable" in error["reason"], error
