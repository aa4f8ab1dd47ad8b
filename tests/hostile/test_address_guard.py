"""The crawler cannot be turned against its own network. The check itself is
tested on every range with a stub resolver (no packet sent); the crawl is
tested on loopback only: a page on 127.0.0.1 linking and redirecting to 127.0.0.2."""

from __future__ import annotations

import asyncio

import pytest
from scrapy.http import Request
from scrapy.utils.test import get_crawler

from crawler.fetch.middlewares.address_guard import AddressGuardMiddleware, AddressRefused
from crawler.fetch.security import AddressPolicy
from tests.hostile import scenarios

STUB_DNS = {
    "intranet.example.edu.cn": ["10.2.3.4"],
    "metadata.example.cn": ["169.254.169.254"],
    "rebound.example.cn": ["203.0.113.9", "192.168.1.10"],  # one private answer is enough
    "v6only.example.cn": ["fd12::1"],
    "www.moe.gov.cn": ["111.206.1.1"],
}


def stub_resolver(host: str) -> list[str]:
    return STUB_DNS.get(host, [])


@pytest.mark.parametrize("url", [
    "http://127.0.0.2/", "http://10.0.0.1/", "http://172.16.5.4/", "http://172.31.255.255/",
    "http://192.168.0.1/", "http://169.254.169.254/latest/meta-data/", "http://[::1]/", "http://[fc00::1]/",
    "http://[fd12:3456::1]/", "http://[fe80::1]/", "http://[::ffff:127.0.0.1]/", "http://0.0.0.0/",
    "http://127.1/", "http://0x7f000001/", "http://2130706433/", "http://localhost:8080/",
    "http://intranet.example.edu.cn/", "http://metadata.example.cn/", "http://rebound.example.cn/",
    "http://v6only.example.cn/", "file:///etc/passwd", "ftp://10.0.0.1/",
])
def test_blocked_targets_are_refused(url):
    assert AddressPolicy.from_lists(resolver=stub_resolver).refusal(url)


@pytest.mark.parametrize("url", ["http://www.moe.gov.cn/jyb_xwfb/", "http://111.206.1.1/", "http://172.32.0.1/",
                                 "http://unresolvable.example.cn/"])
def test_public_targets_pass(url):
    assert AddressPolicy.from_lists(resolver=stub_resolver).refusal(url) is None


def test_user_exceptions():
    policy = AddressPolicy.from_lists(["intranet.example.edu.cn", "[::1]"], ["192.168.0.0/16"], stub_resolver)
    assert policy.refusal("http://intranet.example.edu.cn/") is None
    assert policy.refusal("http://[0:0::1]/") is None
    assert policy.refusal("http://192.168.9.9/") is None
    assert policy.refusal("http://10.0.0.1/")


def _middleware(**settings):
    crawler = get_crawler(settings_dict={"ADDRESS_RESOLVER": "tests.hostile.test_address_guard.stub_resolver",
                                         **settings})
    crawler.stats.open_spider()
    return crawler, AddressGuardMiddleware.from_crawler(crawler)


def test_middleware_refuses_with_a_typed_error_and_counts():
    crawler, mw = _middleware(ADDRESS_ALLOW_NETWORKS="10.2.0.0/16")
    article = Request("http://metadata.example.cn/t20240312_1.html", meta={"kind": "article"})
    listing = Request("http://192.168.1.1/index.html", meta={"kind": "list"})
    with pytest.raises(AddressRefused) as a:
        asyncio.run(mw.process_request(article))
    with pytest.raises(AddressRefused) as b:
        asyncio.run(mw.process_request(listing))
    assert a.value.stage == "refused" and a.value.record and not b.value.record
    assert asyncio.run(mw.process_request(Request("http://intranet.example.edu.cn/a.html"))) is None
    assert crawler.stats.get_value("address_guard/refused") == 2


def test_middleware_is_off_when_replaying():
    from scrapy.exceptions import NotConfigured

    with pytest.raises(NotConfigured):
        _middleware(REPLAY_DIR="fixtures")


@pytest.mark.slow
@pytest.mark.timeout(200)
def test_links_and_redirects_to_another_loopback_address_are_refused(tmp_path):
    g = scenarios.run_address_guard(tmp_path)
    assert g.crawl.returncode == 0, g.crawl.log[-3000:]
    assert g.extra["second_hits"] == 0, "127.0.0.2 was contacted"
    assert g.problems() == {}, scenarios.dump(g)
    assert {o.fault.n: o.result for o in g.outcomes} == {3001: "record", 3002: "refused", 3003: "refused"}
    assert scenarios.stats_from_log(g.crawl.log).get("address_guard/refused") == 2


@pytest.mark.slow
@pytest.mark.timeout(200)
def test_allowed_hosts_are_fetched(tmp_path):
    g = scenarios.run_address_guard(tmp_path, allow_second=True)
    assert g.extra["second_hits"] >= 2
    assert [o.result for o in g.outcomes] == ["record", "record", "recovered"], scenarios.dump(g)
