"""Redis failing under a distributed crawl (issue #10, "Redis goes away"), with a
real redis-server on a loopback port (tests/distributed/redis_faults.py).

What a user must see each time: no page lost (every article page fetched ends
as one record or one error record, nothing "Error processing"), no article
written twice, a worker that ends by itself, and an exit status and summary
that do not call an unfinished crawl finished."""

from __future__ import annotations

import pytest

from benchmarks.generated_site import GeneratedSite, serve
from crawler.commands.crawl import INCOMPLETE_EXIT
from tests.distributed import redis_faults as faults
from tests.distributed.workers import article_urls, assert_exactly_once

pytestmark = pytest.mark.redis


@pytest.fixture(scope="module")
def small_site():
    site = GeneratedSite(120)
    with serve(site) as base:
        yield base, article_urls(site, base)


def assert_nothing_lost_or_twice(run: faults.FaultRun) -> None:
    """No pipeline failure, every article page accounted for, no article twice."""
    assert run.pipeline_failures() == 0, "a pipeline failed on a page (\"Error processing\")"
    assert run.unaccounted() == 0, [w.summary() for w in run.workers]
    assert run.duplicated() == 0, "an article written twice"


def test_redis_unreachable_at_start_the_worker_says_so_and_exits(tmp_path, small_site):
    base, _ = small_site
    run = faults.unreachable_at_start(tmp_path, base, outage=2)
    log = run.workers[0].log.read_text()
    assert run.codes[0] != 0, log[-2000:]
    assert run.seconds_to_exit < 60  # waited its bound, not forever
    assert "Redis unreachable" in log and "unreachable at start" in log, log[-2000:]
    assert not run.records()


def test_redis_killed_and_restarted_with_its_data(tmp_path, redis_server, small_site):
    base, expected = small_site
    run = faults.restarted_with_data(tmp_path, redis_server(persistence=True), expected, base)
    worker = run.workers[0]
    log = worker.log.read_text()
    assert run.codes == [0], log[-3000:]
    assert "Redis unreachable" in log and "Redis answers again" in log
    assert_exactly_once(run.records(), expected)
    assert not run.errors()
    assert run.finish_reasons() == ["finished"]
    assert_nothing_lost_or_twice(run)


def test_redis_back_from_an_older_snapshot_two_workers(tmp_path, redis_server, small_site):
    base, expected = small_site
    run = faults.rolled_back(tmp_path, redis_server(persistence="rdb"), expected, base)
    assert run.codes == [0, 0], [w.log.read_text()[-3000:] for w in run.workers]
    logs = "".join(w.log.read_text() for w in run.workers)
    assert "Redis came back without" in logs  # the workers put back what the snapshot did not have
    assert run.emitted() == expected and not run.errors()
    # Pages fetched since the snapshot are fetched again; an article written
    # twice (another worker refetched it before its writer was back) only where
    # the log says so.
    assert run.written_twice() == run.reported_twice()
    assert run.pipeline_failures() == 0 and run.unaccounted() == 0


def test_redis_restarted_without_its_data_stops_the_worker_and_says_so(tmp_path, redis_server, small_site):
    base, expected = small_site
    run = faults.restarted_without_data(tmp_path, redis_server(persistence=False), expected, base)
    first, again = run.workers
    log = first.log.read_text()
    assert run.codes[0] == INCOMPLETE_EXIT, log[-3000:]
    assert "lost the data of crawl" in log and "the crawl is incomplete" in log
    assert "state store" in log and "lost its data" in log
    assert run.finish_reasons()[0] == "redis_data_lost"
    # Run again on the same (now empty) Redis: the store was given back what
    # the first worker emitted, so nothing is emitted twice, and the two feeds
    # together hold every article.
    assert run.codes[1] == 0, again.log.read_text()[-3000:]
    assert_exactly_once(run.records(), expected)
    assert_nothing_lost_or_twice(run)


def test_redis_gone_for_good_the_worker_stops_within_its_bound(tmp_path, redis_server, small_site):
    base, expected = small_site
    run = faults.gone_for_good(tmp_path, redis_server(persistence=False), expected, base, outage=3)
    log = run.workers[0].log.read_text()
    assert run.codes == [INCOMPLETE_EXIT], log[-3000:]
    assert run.seconds_to_exit < 60
    assert run.finish_reasons() == ["redis_unavailable"]
    assert "stops (redis_unavailable)" in log
    assert_nothing_lost_or_twice(run)
    for error in run.errors():  # pages in flight when the store went: error records, with the reason
        assert error["error"] == "state" and "unreachable" in error["reason"], error
