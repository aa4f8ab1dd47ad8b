"""The add-on switches distributed mode on from REDIS_URL alone, and off without it."""

from __future__ import annotations

from scrapy.settings import Settings

from crawler import settings as project_settings
from crawler.distributed import DistributedCrawl, EmitOncePipeline, start_request


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
    assert s.get("SCHEDULER") == "crawler.distributed.LeasingScheduler"
    assert s.get("DUPEFILTER_CLASS") == "crawler.distributed.FingerprintDupeFilter"
    assert s.getbool("SCHEDULER_PERSIST") is True
    assert s.get("STATE_URI") == "redis://127.0.0.1:6390/2?outage=60"  # rides out an outage like the scheduler
    assert s.getdict("ITEM_PIPELINES")[EmitOncePipeline] == 850
    assert s.getdict("FEED_STORAGES")["file"] == "crawler.distributed.FlushingFileFeedStorage"


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
