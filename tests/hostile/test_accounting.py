"""The summary accounts for every page: articles + list pages + article parts +
error records + named drops = pages, on the hostile site (crawler/emit/accounting.py)."""

from __future__ import annotations

import pytest

from tests.crawler.conftest import run_crawl
from tests.crawler.sites import article_html, list_html
from tests.hostile import fault_server as fs
from tests.hostile import scenarios

pytestmark = [pytest.mark.slow, pytest.mark.timeout(300)]


def check_balanced(group: scenarios.GroupResult) -> dict:
    acc = group.crawl.summary["accounting"]
    assert acc["balanced"] and acc["unaccounted"] == 0, acc
    assert acc["pages"] == len(group.outcomes) + 1, "the list page and one page per fault URL"
    assert acc["articles"] == len(group.crawl.records)
    assert acc["error_records"] == len(group.crawl.errors)
    assert "unaccounted" not in group.crawl.log
    return acc


def test_every_page_of_the_server_faults_is_accounted_for(server_faults):
    acc = check_balanced(server_faults)
    # timeouts, resets, truncated bodies and oversized ones never gave a response
    assert acc["failed_requests"] >= 6


def test_every_page_of_the_bad_content_is_accounted_for(bad_content):
    check_balanced(bad_content)


@pytest.mark.parametrize("spider", ["provincial_portal", "generic"])
@pytest.mark.parametrize("fail_on_dataloss", ["1", "0"])
def test_a_body_shorter_than_its_content_length_is_an_error_record(tmp_path, spider, fail_on_dataloss):
    """The server declares 1,425 bytes and closes after 10: an error record, whether
    Scrapy fails the download (the default) or hands the broken body on."""
    article = article_html("截断的文章", "2024-03-12").encode("utf-8")
    with fs.FaultServer() as server:
        server.route(scenarios.LIST_PATH, fs.page(list_html("新闻中心", [
            (scenarios.article_path(1), "截断的文章"), (scenarios.article_path(2), "完整的文章")])))
        server.route(scenarios.article_path(1), fs.truncated(article[:10], 1425))
        server.route(scenarios.article_path(2), fs.page(article))
        crawl = run_crawl(spider, tmp_path, args={"start_urls": server.url(scenarios.LIST_PATH)},
                          settings={"ADDRESS_ALLOW_HOSTS": server.host, "RETRY_TIMES": "0",
                                    "DOWNLOAD_FAIL_ON_DATALOSS": fail_on_dataloss}, timeout=120)
        truncated_url = server.url(scenarios.article_path(1))
    assert crawl.returncode == 0, crawl.log[-3000:]
    assert [r["url"] for r in crawl.records] == [server.url(scenarios.article_path(2))]
    assert [(e["url"], e["error"]) for e in crawl.errors] == [(truncated_url, "fetch")]
    if fail_on_dataloss == "0":
        assert crawl.errors[0]["reason"].startswith("truncated body: 10 bytes of 1425 declared")
    acc = crawl.summary["accounting"]
    assert (acc["pages"], acc["articles"], acc["error_records"], acc["balanced"]) == (3, 1, 1, True), acc


def test_a_bug_in_a_callback_is_an_error_record_and_the_page_is_accounted_for(tmp_path):
    with fs.FaultServer() as server:
        paths = [f"/bug/202403/t20240312_{n}.html" for n in (1, 2, 3)]
        server.route("/bug/index.html", fs.page(list_html("新闻中心", [(p, p) for p in paths])))
        for n, path in enumerate(paths, 1):
            server.route(path, fs.page(article_html(f"文章{n}", "2024-03-12", paragraphs=3 + n)))
        crawl = run_crawl("buggy_portal", tmp_path, args={"start_urls": server.url("/bug/index.html")},
                          settings={"ADDRESS_ALLOW_HOSTS": server.host,
                                    "SPIDER_MODULES": "crawler.spiders,tests.hostile.buggy_spider"}, timeout=120)
    assert crawl.returncode == 0, crawl.log[-3000:]
    assert len(crawl.records) == 2
    assert sorted(e["error"] for e in crawl.errors) == ["spider", "spider"], crawl.errors
    assert "Traceback" in crawl.log and "a bug in the article callback" in crawl.log
    acc = crawl.summary["accounting"]
    assert (acc["pages"], acc["articles"], acc["error_records"], acc["list_pages"], acc["balanced"]) == \
        (4, 2, 2, 0, True), acc


def test_statuses_the_spider_does_not_handle_are_counted_once(tmp_path):
    """302 without a Location, 300, and a 304 nobody asked for: Scrapy hands them to
    the errback as HttpError; each is one page and one error record."""
    with fs.FaultServer() as server:
        faults = {1: fs.page(b"", 302, {"Content-Type": "text/html"}),
                  2: fs.page(b"<html>x</html>", 304, {"Content-Type": "text/html"}),
                  3: fs.page(b"<html>x</html>", 300, {"Content-Type": "text/html"})}
        server.route(scenarios.LIST_PATH, fs.page(list_html("新闻中心", [
            (scenarios.article_path(n), f"文章{n}") for n in faults])))
        for n, behaviour in faults.items():
            server.route(scenarios.article_path(n), behaviour)
        crawl = run_crawl("provincial_portal", tmp_path, args={"start_urls": server.url(scenarios.LIST_PATH)},
                          settings={"ADDRESS_ALLOW_HOSTS": server.host}, timeout=120)
    assert len(crawl.errors) == 3
    acc = crawl.summary["accounting"]
    assert (acc["pages"], acc["list_pages"], acc["error_records"], acc["balanced"]) == (4, 1, 3, True), acc
