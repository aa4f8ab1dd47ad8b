"""The leasing scheduler against a real redis-server that is killed and comes
back from an older RDB snapshot, driven step by step in this process: which
requests go back into the queue, which leases go, which workers stay listed.

A list page leased before the snapshot queues its articles after it; Redis
dies and comes back from the snapshot (the articles and their "seen" marks
gone, the list page's lease back). The list page must go back into the queue
when the worker is done with it: fetched again, it queues its articles again.
Released as usual, those articles would never be fetched by anyone.
"""

from __future__ import annotations

from types import SimpleNamespace

import pytest
from scrapy import Request, Spider
from scrapy.utils.test import get_crawler

from crawler.compat.scrapy_redis import decode_request
from crawler.scale.distributed import LEASES_KEY, WORKERS_KEY, DistributedCrawl, LeasingScheduler
from tests.distributed.redis_faults import RedisServer


class ListSpider(Spider):
    name = "outage_probe"

    def parse(self, response):  # never called: requests are only queued and leased here
        pass


def open_scheduler(url: str):
    crawler = get_crawler(ListSpider, {"REDIS_URL": url, "DISTRIBUTED_REDIS_OUTAGE": "20",
                                       "ADDONS": {DistributedCrawl: 0}, "LOG_LEVEL": "WARNING"})
    spider = ListSpider.from_crawler(crawler)
    scheduler = LeasingScheduler.from_crawler(crawler)
    slot = SimpleNamespace(inprogress=set(), nextcall=SimpleNamespace(schedule=lambda: None))
    crawler.engine = SimpleNamespace(_slot=slot, spider=spider)
    scheduler.open(spider)
    scheduler._loop.stop()  # no reactor runs here: the steps are called by the test
    return scheduler, slot


def fetch(scheduler, slot):
    request = scheduler.next_request()
    assert request is not None
    slot.inprogress.add(request)
    return request


def queued_urls(scheduler) -> list[str]:
    return sorted(decode_request(scheduler.queue, data).url
                  for data in scheduler.server.zrange(scheduler.queue.key, 0, -1))


@pytest.mark.parametrize("noticed", ["before the release", "by the release"])
def test_a_request_held_across_a_rollback_goes_back_into_the_queue(redis_server, noticed):
    server = redis_server(persistence="rdb").start()
    scheduler, slot = open_scheduler(server.url)
    scheduler.enqueue_request(Request("http://127.0.0.1:9/list.html", dont_filter=True))
    page = fetch(scheduler, slot)
    server.snapshot()
    articles = [Request(f"http://127.0.0.1:9/a{i}.html") for i in range(3)]
    for article in articles:  # queued after the snapshot: lost with it
        assert scheduler.enqueue_request(article)
    server.kill()
    server.start()

    if noticed == "before the release":
        assert not scheduler.data_lost()  # the tick's first command waits out the outage
    slot.inprogress.clear()  # the engine is done with the list page
    scheduler.release_finished()

    assert queued_urls(scheduler) == [page.url]  # fetched again, it queues its articles again
    assert scheduler.server.hlen(scheduler.key(LEASES_KEY)) == 0 and not scheduler.leased
    assert scheduler.stats.get_value("distributed/requeued_after_outage") == 1
    again = fetch(scheduler, slot)
    assert again.url == page.url
    for article in articles:  # the seen set went back with the snapshot: queued anew
        assert scheduler.enqueue_request(article)
    slot.inprogress.clear()
    scheduler.release_finished()  # no outage since: released, not queued again
    assert queued_urls(scheduler) == sorted(a.url for a in articles)
    assert scheduler.server.hlen(scheduler.key(LEASES_KEY)) == 0
    scheduler.close("shutdown")


def test_without_an_outage_a_finished_request_is_released(redis_server):
    server = redis_server(persistence=False).start()
    scheduler, slot = open_scheduler(server.url)
    scheduler.enqueue_request(Request("http://127.0.0.1:9/list.html"))
    fetch(scheduler, slot)
    slot.inprogress.clear()
    scheduler.release_finished()
    assert queued_urls(scheduler) == [] and scheduler.server.hlen(scheduler.key(LEASES_KEY)) == 0
    assert scheduler.stats.get_value("distributed/requeued_after_outage") is None
    scheduler.close("shutdown")


def test_a_worker_taken_for_dead_is_listed_again_by_its_next_lease_and_beat(redis_server):
    """A worker that another one reclaimed while it was only slow is no longer in
    the workers set; unlisted, its later leases would be invisible to the end of
    the crawl and to reclaiming."""
    server = redis_server(persistence=False).start()
    scheduler, slot = open_scheduler(server.url)
    workers = scheduler.key(WORKERS_KEY)
    for url in ("http://127.0.0.1:9/a.html", "http://127.0.0.1:9/b.html"):
        scheduler.enqueue_request(Request(url))
    scheduler.server.srem(workers, scheduler.worker)
    fetch(scheduler, slot)
    assert scheduler.server.sismember(workers, scheduler.worker)
    assert not scheduler.crawl_done()  # its lease counts
    scheduler.server.srem(workers, scheduler.worker)
    scheduler.beat()
    assert scheduler.server.sismember(workers, scheduler.worker)
    scheduler.close("shutdown")


def test_a_pop_sent_again_after_its_reply_was_lost_leases_under_a_new_field(redis_server):
    """redis-py sends a command again when the connection died before its reply: the
    first pop ran, its request is leased but the worker never got it. The second must
    not overwrite that lease (the request would be lost): it stays, a stale lease that
    goes back into the queue."""
    from crawler.scale.distributed import LEASE_SEQ_KEY

    server = redis_server(persistence=False).start()
    scheduler, slot = open_scheduler(server.url)
    for url in ("http://127.0.0.1:9/a.html", "http://127.0.0.1:9/b.html"):
        scheduler.enqueue_request(Request(url))
    keys = [scheduler.queue.key, scheduler.key(LEASES_KEY), scheduler.key(WORKERS_KEY),
            scheduler.key(LEASE_SEQ_KEY)]
    scheduler._pop(keys=keys, args=[scheduler.worker])  # its reply lost with the connection
    got = fetch(scheduler, slot)  # the same call, sent again
    assert scheduler.server.hlen(scheduler.key(LEASES_KEY)) == 2  # both leased, neither overwritten
    slot.inprogress.clear()
    scheduler.release_finished()
    assert scheduler.requeue_stale_leases() == 1
    assert queued_urls(scheduler) == sorted({"http://127.0.0.1:9/a.html", "http://127.0.0.1:9/b.html"} - {got.url})
    scheduler.close("shutdown")
