"""Scheduled runs end to end: `scrapy crawl` in a subprocess, three times, against
a site on 127.0.0.1 that changes between runs; the state store in a temp dir."""

from __future__ import annotations

import pytest

from crawler.schema import validator
from tests.incremental.site import LocalSite, Page, article_text, crawl_command, read_jsonl, run, summary_of

VALIDATOR = validator("crawl-record")


def schema_problems(records: list[dict]) -> list[str]:
    return [f"{r.get('url')}: {e.message}" for r in records for e in VALIDATOR.iter_errors(r)]


@pytest.fixture
def site():
    s = LocalSite()
    for n in range(1001, 1005):
        s.set_article(n, f"第{n}号通知", article_text(n))
    s.publish()
    with s:
        yield s


def crawl(site: LocalSite, tmp_path, name: str):
    feed = tmp_path / f"{name}.jsonl"
    proc = run(crawl_command("provincial_portal", feed, tmp_path / "state.db",
                             args={"start_urls": site.url(LocalSite.LIST_PATH)}))
    assert proc.returncode == 0, proc.stderr[-3000:]
    return read_jsonl(feed), summary_of(feed), proc.stderr


def test_first_run_all_second_none_third_only_the_changed_and_the_new(site, tmp_path):
    first, summary1, _ = crawl(site, tmp_path, "run1")
    urls = {site.url(site.article_path(n)) for n in range(1001, 1005)}
    assert {r["url"] for r in first} == urls and len(first) == 4
    assert all(r["version"] == 1 and r["previous_content_sha256"] is None for r in first)
    assert all(r["dup_of"] is None for r in first), "distinct articles marked as duplicates"
    assert schema_problems(first) == []
    assert summary1["incremental"]["new"] == 4

    # Nothing changed: the known articles are asked for conditionally and answer 304.
    site.requests.clear()
    second, summary2, log2 = crawl(site, tmp_path, "run2")
    assert second == []
    assert summary2["articles_emitted"] == 0
    assert summary2["incremental"]["not_modified_304"] == 4
    assert summary2["incremental"]["verdict"].startswith("nothing new or changed")
    # Every page is accounted for: the list page, and four articles that answered 304.
    acc = summary2["accounting"]
    assert (acc["pages"], acc["list_pages"], acc["dropped"], acc["balanced"]) == \
        (5, 1, {"not_modified_304": 4}, True), acc
    conditional = [(p, h, s) for p, h, s in site.requests if p.startswith("/news/202")]
    assert len(conditional) == 4 and all(h and s == 304 for _, h, s in conditional), conditional
    assert site.requests[0][0] == LocalSite.LIST_PATH and site.requests[0][1] == ""  # lists in full

    # One article changes, one is added.
    old = {r["url"]: r for r in first}
    changed_url = site.url(site.article_path(1002))
    site.set_article(1002, "第1002号通知", article_text(1002)[:4] + ["补充说明：" + article_text(99)[0]])
    site.set_article(1005, "第1005号通知", article_text(1005))
    site.publish()
    third, summary3, _ = crawl(site, tmp_path, "run3")
    by_url = {r["url"]: r for r in third}
    assert set(by_url) == {changed_url, site.url(site.article_path(1005))}
    changed = by_url[changed_url]
    assert changed["version"] == 2
    assert changed["previous_content_sha256"] == old[changed_url]["content_sha256"]
    assert changed["content_sha256"] != old[changed_url]["content_sha256"]
    assert changed["id"] == old[changed_url]["id"]
    assert by_url[site.url(site.article_path(1005))]["version"] == 1
    assert schema_problems(third) == []
    inc = summary3["incremental"]
    assert (inc["new"], inc["changed"], inc["not_modified_304"]) == (1, 1, 3)


def test_content_unchanged_without_validators_is_not_emitted_again(tmp_path):
    """A server without ETag/Last-Modified: the page is fetched in full, cleaned,
    and its content hash says it is the same article."""
    s = LocalSite(validators=False)
    for n in (2001, 2002):
        s.set_article(n, f"第{n}号公告", article_text(n))
    s.publish()
    with s:
        first, _, _ = crawl(s, tmp_path, "a")
        # The pages change around the article (a script, the menu) but not its text.
        for path, page in list(s.pages.items()):
            if path.startswith("/news/202"):
                s.pages[path] = Page(page.body.replace(b"</head>", b"<script>var visits=12345;</script></head>")
                                     .replace("新闻中心".encode(), "新闻动态".encode()), 0)
        second, summary, _ = crawl(s, tmp_path, "b")
    assert len(first) == 2 and second == []
    assert summary["incremental"]["unchanged"] == 2
    assert summary["incremental"]["not_modified_304"] == 0
    acc = summary["accounting"]
    assert (acc["pages"], acc["dropped"], acc["balanced"]) == (3, {"unchanged": 2}, True), acc
