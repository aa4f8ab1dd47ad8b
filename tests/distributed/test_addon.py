"""The add-on switches distributed mode on from REDIS_URL alone, and off without it."""

from __future__ import annotations

from scrapy.settings import Settings

from crawler import settings as project_settings
from crawler.scale.distributed import DistributedCrawl, EmitOncePipeline, start_request


def project(**cmdline) -> Settings:
    s = Settings()
    s.setmodule(project_settings, priority="project")
    for k, v in cmdline.items():
        s.set(k, v, priority="cmdline")
    DistributedCrawl().update_settings(s)
    return s


def test_without_redis_url_nothing_changes():
    s = project()
    assert s.get("SCHEDULER") == "scrapy.core.scheduler.Scheduler"
    assert s.get("DUPEFILTER_CLASS") == "scrapy.dupefilters.RFPDupeFilter"
    assert s.get("STATE_URI", "").startswith("sqlite")
    assert EmitOncePipeline not in s.getdict("ITEM_PIPELINES")


def test_redis_url_switches_on_scheduler_dupefilter_state_and_emit_once():
    s = project(REDIS_URL="redis://127.0.0.1:6390/2")
    assert s.get("SCHEDULER") == "crawler.scale.distributed.LeasingScheduler"
    assert s.get("DUPEFILTER_CLASS") == "crawler.scale.distributed.FingerprintDupeFilter"
    assert s.getbool("SCHEDULER_PERSIST") is True
    assert s.get("STATE_URI") == "redis://127.0.0.1:6390/2?outage=60"  # rides out an outage like the scheduler
    assert s.getdict("ITEM_PIPELINES")[EmitOncePipeline] == 850
    assert s.getdict("FEED_STORAGES")["file"] == "crawler.scale.distributed.FlushingFileFeedStorage"


def test_an_explicit_state_uri_is_kept():
    s = project(REDIS_URL="redis://127.0.0.1:6390/2", STATE_URI="sqlite:////tmp/x.db")
    assert s.get("STATE_URI") == "sqlite:////tmp/x.db"


def test_pushed_entries_become_the_spiders_start_requests():
    from crawler.spiders.provincial_portal import ProvincialPortalSpider

    spider = ProvincialPortalSpider(start_urls="http://127.0.0.1:9/gzdt/index.html")
    spider.configure(Settings({"SITES_REGISTRY": ""}))
    req = start_request(spider, b'{"url": "http://www.sdjky.cn/gzdt/index_1.html", "site": "sdjky"}')
    assert req.callback == spider.parse_list and req.meta["site"] == "sdjky" and req.meta["start"]
    assert "sdjky" in spider.sites and "sdjky.cn" in spider.allowed_domains
    bare = start_request(spider, "http://127.0.0.1:9/gzdt/index_2.html")
    assert bare.url.endswith("index_2.html") and bare.meta["site"] == "127.0.0.1:9"
    assert start_request(spider, b"{not json") is None


def test_push_urls_says_when_redis_is_unreachable(capsys):
    from crawler.push_urls import main as push
    from tests.distributed.redis_faults import free_port

    code = push(["--redis", f"redis://127.0.0.1:{free_port()}/0", "--outage", "0.5", "provincial_portal",
                 "http://www.sdjky.cn/gzdt/index.html"])
    err = capsys.readouterr().err
    assert code == 1 and "unreachable" in err and "nothing pushed" in err


def test_a_dead_workers_leases_and_start_urls_go_back(redis_url):
    """RECLAIM, on a real Redis: the requests a dead worker leased go back into the
    queue with their priority, the pushed start URLs it was scheduling back into
    the start list; nothing while its heartbeat lives."""
    import redis

    from crawler.scale.distributed import RECLAIM

    r = redis.Redis.from_url(redis_url)
    keys = ["s:requests", "s:leases:w", "s:workers", "s:worker:w", "s:starting:w", "s:start_urls"]
    r.hset("s:leases:w", mapping={"-5:w-1": b"req-a", "0:w-2": b"req-b"})
    r.rpush("s:starting:w", "u1", "u2")
    r.rpush("s:start_urls", "u3")
    r.sadd("s:workers", "w")
    r.set("s:worker:w", "1")
    reclaim = r.register_script(RECLAIM)
    assert reclaim(keys=keys, args=["w"]) == -1 and r.llen("s:starting:w") == 2  # alive: untouched
    r.delete("s:worker:w")
    assert reclaim(keys=keys, args=["w"]) == 2
    assert r.zrange("s:requests", 0, -1, withscores=True) == [(b"req-a", -5.0), (b"req-b", 0.0)]
    assert r.lrange("s:start_urls", 0, -1) == [b"u1", b"u2", b"u3"]
    assert not r.exists("s:leases:w", "s:starting:w") and not r.sismember("s:workers", "w")
