"""Hostile but ordinary responses: each ends as a counted outcome and, where a
page was expected, an error record (stage + reason) in the errors file; the
crawl itself never fails and nothing goes into the article feed but articles."""

from __future__ import annotations

import json
import socket

import pytest

from crawler.schema import validator
from tests.crawler.fixture_server import FixtureServer
from tests.crawler.sites import HOSTILE_BASE, add_hostile_site

A = f"{HOSTILE_BASE}/xwzx/202403/"


@pytest.fixture(scope="module")
def hostile_crawl(tmp_path_factory):
    from tests.crawler.conftest import run_crawl

    with FixtureServer() as server:
        starts = add_hostile_site(server)
        slow = f"{HOSTILE_BASE}/slow/index.html"
        server.add(slow, "<html><body>slow</body></html>")
        server.delays[slow] = 3
        result = run_crawl("provincial_portal", tmp_path_factory.mktemp("hostile"),
                           args={"start_urls": ",".join([*starts, slow])},
                           settings={"DOWNLOAD_TIMEOUT": "1", "RETRY_TIMES": "0",
                                     "DOWNLOAD_MAXSIZE": "100000"},
                           proxy=server.proxy)
        yield result


def by_url(errors: list[dict]) -> dict[str, dict]:
    return {e["url"]: e for e in errors}


@pytest.mark.slow
def test_crawl_finishes_and_only_articles_are_emitted(hostile_crawl):
    r = hostile_crawl
    assert r.returncode == 0, r.log[-3000:]
    assert sorted(rec["url"] for rec in r.records) == [f"{A}t20240312_1001.html", f"{A}t20240312_1004.html"]
    assert not any("error" in rec for rec in r.records)
    schema = validator("crawl-record")
    for rec in r.records:
        assert list(schema.iter_errors(rec)) == []


@pytest.mark.slow
def test_redirect_chain_is_followed_and_recorded(hostile_crawl):
    rec = next(x for x in hostile_crawl.records if x["url"] == f"{A}t20240312_1004.html")
    assert rec["final_url"] == f"{HOSTILE_BASE}/final/202403/t20240312_1004.html"
    assert rec["redirect_urls"] == [f"{A}t20240312_1004.html", f"{HOSTILE_BASE}/moved/t20240312_1004.html"]
    assert rec["http"]["status"] == 200
    assert rec["title"] == "搬过家的文章"


@pytest.mark.slow
@pytest.mark.parametrize("url,stage,reason", [
    (f"{A}t20240312_1002.html", "http", "HTTP 404"),
    (f"{A}t20240312_1003.html", "http", "HTTP 500"),
    (f"{A}t20240312_1005.html", "content", "empty body"),
    (f"{A}t20240312_1006.html", "content", "not HTML: application/pdf body is PDF"),
    (f"{A}t20240312_1007.html", "content", "not HTML: unlabelled body is PNG image"),
    (f"{A}t20240312_1008.html", "content", "not HTML: image/png body is PNG image"),
    (f"{A}t20240312_1009.html", "robots", "Forbidden by robots.txt"),
    (f"{A}t20240312_1010.html", "fetch", "redirected off site to www.elsewhere.test"),
    (f"{A}t20240312_1011.html", "fetch",
     "DownloadCancelledError: Expected to receive 648854 bytes which is larger than download max size (100000)"),
    (f"{A}t20240312_1012.html", "discover", "article link led to a list page, not an article"),
    (f"{HOSTILE_BASE}/empty/index.html", "discover", "list page has no article or pagination links"),
    (f"{HOSTILE_BASE}/gone/index.html", "http", "HTTP 404"),
])
def test_each_failure_is_an_error_record(hostile_crawl, url, stage, reason):
    err = by_url(hostile_crawl.errors).get(url)
    assert err is not None, f"no error record for {url}: {json.dumps(hostile_crawl.errors, ensure_ascii=False)}"
    assert (err["error"], err["reason"]) == (stage, reason)
    assert err["spider"] == "provincial_portal" and err["crawl_id"] == hostile_crawl.summary["crawl_id"]
    assert list(validator("crawl-error").iter_errors(err)) == []


@pytest.mark.slow
def test_timeout_is_an_error_record(hostile_crawl):
    err = by_url(hostile_crawl.errors)[f"{HOSTILE_BASE}/slow/index.html"]
    assert err["error"] == "fetch" and "Timeout" in err["reason"]


@pytest.mark.slow
def test_outcomes_are_counted_in_the_summary(hostile_crawl):
    s = hostile_crawl.summary
    assert s["articles_emitted"] == 2
    assert s["errors"] == len(hostile_crawl.errors) == 13
    assert s["errors_by_stage"] == {"http": 3, "content": 4, "discover": 2, "fetch": 3, "robots": 1}
    assert s["errors_by_reason"]["http: HTTP 404"] == 2
    assert s["pages_fetched"] >= 10
    assert "lists/no_links" in hostile_crawl.log


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.mark.slow
def test_connection_refused_is_an_error_record(crawl):
    url = f"http://127.0.0.1:{free_port()}/xwzx/index.html"
    r = crawl("provincial_portal", args={"start_urls": url}, settings={"RETRY_TIMES": "0"})
    assert r.returncode == 0
    assert r.records == []
    [err] = r.errors
    assert err["url"] == url and err["error"] == "fetch" and "ConnectionRefused" in err["reason"]
