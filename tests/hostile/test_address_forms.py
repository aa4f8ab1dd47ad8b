"""Address forms and the start host's other ports.

Every spelling of an address that reaches a forbidden IPv4 address is judged by
that address (IPv6 forms that embed or map it included), deprecated local
ranges are refused, and a start URL allows its origin (scheme, host, port), not
every port of its host. The check runs on a stub resolver (no packet sent); the
port rule is also tested as a user meets it: a crawl on 127.0.0.1 whose page
links to a second server on another port of 127.0.0.1.
"""

from __future__ import annotations

import pytest

from crawler.fetch.security import AddressPolicy, blocked_reason, parse_host_entry
from tests.hostile.scenarios import stats_from_log
from tests.hostile.security_scenarios import run_other_port


def no_dns(host: str) -> list[str]:
    return []


STUB_DNS = {"mapped.example.cn": ["::ffff:10.1.2.3"], "nat64.example.cn": ["64:ff9b::a9fe:a9fe"],
            "public.example.cn": ["2400:cb00::1", "203.0.114.7"]}


@pytest.mark.parametrize("address", [
    # IPv4-compatible (deprecated), in every spelling
    "::127.0.0.2", "::7f00:2", "0:0:0:0:0:0:7f00:2", "::a00:1", "::c0a8:101",
    # IPv4-mapped and IPv4-translated (SIIT)
    "::ffff:127.0.0.2", "::ffff:a00:1", "::ffff:0:7f00:2", "::ffff:0:a9fe:a9fe",
    # NAT64: well-known and local-use prefixes, both placements of the address
    "64:ff9b::7f00:2", "64:ff9b::a00:1", "64:ff9b:1::a00:1", "64:ff9b:1:a00:1:0:1::", "64:ff9b:1::ac10:1",
    # 6to4, Teredo, ISATAP carrying a private address
    "2002:a00:1::1", "2002:7f00:2::", "2001:0:4136:e378:8000:63bf:f5ff:fffe", "2404:6800::5efe:a00:1",
    # deprecated and non-unicast local ranges
    "fec0::1", "fec0:1::a", "feff::1", "fe80::1", "fd00::1", "ff02::1", "100::1", "::2", "4000::1",
    "2001:db8::1", "5f00::1", "192.88.99.1",
])
def test_address_forms_that_reach_a_forbidden_address_are_refused(address):
    assert blocked_reason(address), address
    assert AddressPolicy.from_lists(resolver=no_dns).refusal(f"http://[{address}]/" if ":" in address
                                                             else f"http://{address}/")


@pytest.mark.parametrize("address", ["::ffff:8.8.8.8", "64:ff9b::808:808", "2002:808:808::1", "2400:cb00::1",
                                     "240e:e9::1", "8.8.8.8"])
def test_forms_of_public_addresses_pass(address):
    assert blocked_reason(address) is None


@pytest.mark.parametrize("url", ["http://%31%32%37.0.0.2/", "http://127.0.0.2./", "http://0177.0.0.2/",
                                 "http://[::127.0.0.2]:8080/", "http://mapped.example.cn/", "http://nat64.example.cn/"])
def test_spellings_and_names_are_judged_by_the_address(url):
    assert AddressPolicy.from_lists(resolver=lambda h: STUB_DNS.get(h, [])).refusal(url)


def test_a_start_url_allows_its_origin_not_its_host():
    policy = AddressPolicy.from_lists(resolver=no_dns)
    policy.allow_url("http://127.0.0.1:8000/news/")
    assert policy.refusal("http://127.0.0.1:8000/other.html") is None
    assert policy.refusal("http://[::ffff:127.0.0.1]:8000/") is None  # the same address, spelled otherwise
    assert policy.refusal("http://127.0.0.1:6379/")  # a local Redis
    assert policy.refusal("http://127.0.0.1/")  # port 80
    assert policy.refusal("https://127.0.0.1:8000/")  # another scheme
    assert policy.endpoint_refusal("127.0.0.1", 8000) is None  # a tunnel to the origin (wss, https)
    assert policy.endpoint_refusal("127.0.0.1", 6379)
    policy.allow_url("http://intranet.example:81/")
    assert policy.refusal("http://intranet.example:81/a") is None
    assert policy.refusal("http://intranet.example:82/a") is None  # unresolvable: nothing reached
    assert AddressPolicy.from_lists(resolver=lambda h: ["10.0.0.5"]).refusal("http://intranet.example:82/a")


def test_the_user_allows_more_hosts_ports_and_networks():
    policy = AddressPolicy.from_lists(["127.0.0.2", "127.0.0.3:9000", "[::1]:8080", "localhost:7000"],
                                      ["10.9.0.0/16"], no_dns)
    assert policy.refusal("http://127.0.0.2:1234/") is None  # a host: any port
    assert policy.refusal("http://127.0.0.3:9000/") is None and policy.refusal("http://127.0.0.3:9001/")
    assert policy.refusal("http://[::1]:8080/") is None and policy.refusal("http://[::1]:8081/")
    assert policy.refusal("http://localhost:7000/") is None and policy.refusal("http://localhost:7001/")
    assert policy.refusal("http://10.9.3.4:5/") is None
    assert parse_host_entry("::1") == ("::1", None)
    assert parse_host_entry("[::1]") == ("::1", None)
    assert parse_host_entry("http://Example.org:81/x") == ("example.org", 81)


@pytest.mark.slow
@pytest.mark.timeout(200)
def test_a_crawl_started_on_one_port_does_not_reach_another_port_of_its_host(tmp_path):
    g = run_other_port(tmp_path)
    crawl = g["crawl"]
    assert crawl.returncode == 0, crawl.log[-3000:]
    assert g["other_port_hits"] == 0, "the other port was contacted"
    assert g["records"] == g["expected_records"]
    assert g["refused"] == g["expected_refused"], crawl.errors
    assert stats_from_log(crawl.log).get("address_guard/refused") == 2


def test_each_crawler_in_a_process_has_its_own_policy():
    """run_all runs several crawlers at once: each one's browser must get its own
    start URLs' origins, not those of the crawler opened last."""
    from types import SimpleNamespace

    from scrapy.utils.test import get_crawler

    from crawler.fetch.middlewares.address_guard import AddressGuardMiddleware, crawl_policy

    guards = []
    for port in (8001, 8002):
        crawler = get_crawler(settings_dict={"ADDRESS_RESOLVER": "tests.hostile.test_address_forms.no_dns"})
        guard = AddressGuardMiddleware.from_crawler(crawler)
        guard.spider_opened(SimpleNamespace(start_urls=[f"http://127.0.0.1:{port}/"]))
        guards.append((crawler, guard))
    (first, _), (second, _) = guards
    assert crawl_policy(first).refusal("http://127.0.0.1:8001/a") is None
    assert crawl_policy(first).refusal("http://127.0.0.1:8002/a")
    assert crawl_policy(second).refusal("http://127.0.0.1:8002/a") is None
    guards[0][1].spider_closed(None)
    assert crawl_policy(second).refusal("http://127.0.0.1:8002/a") is None
