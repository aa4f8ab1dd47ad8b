"""End to end: the real spiders and pipelines, in a `scrapy crawl` subprocess,
against the fixture sites served from 127.0.0.1 (as an HTTP/HTTPS proxy for the
sites' real URLs), and offline from fixtures/ with REPLAY_DIR."""

from __future__ import annotations

import json
from collections import Counter

import pytest

from crawler.schema import validator
from tests.crawler.conftest import FIXTURES
from tests.crawler.fixture_server import FixtureServer
from tests.crawler.golden import check_golden

# (spider, site) -> the article URLs the site has (list pages and attachments excluded).
SITES = {
    ("provincial_portal", "sdjky"): [
        "http://www.sdjky.cn/gzdt/202012/t20201228_1226.html",
        "http://www.sdjky.cn/gzdt/202101/t20210108_1235.html",  # split: + _1.html
        "http://www.sdjky.cn/gzdt/202102/t20210209_1231.html",
        "http://www.sdjky.cn/gzdt/202102/t20210213_1234.html",
        "http://www.sdjky.cn/gzdt/202102/t20210215_1240.html",
    ],
    ("quality_education", "chce"): [
        f"http://www.chce.org.cn/Article/ShowArticle.asp?ArticleID={n}" for n in (3305, 3310, 3314, 3316, 3318)
    ],
    ("university_party", "gxxk_party"): [
        f"http://zzb.gxxk.edu.cn/info/1012/{n}.htm" for n in (2305, 2318, 2331, 2345, 2361)
    ],
    ("mirror", "mirror_en"): [
        "https://www.chinaedu-en.net/2021/01/06/beijing-primary-and-secondary-schools-to-start-winter-vacation-on-january-16/",
        "https://www.chinaedu-en.net/2021/01/08/2021-national-education-work-conference-held-in-beijing/",
        "https://www.chinaedu-en.net/2021/01/12/ministry-of-education-resolutely-curb-the-disorderly-expansion-of-off-campus-training/",
        "https://www.chinaedu-en.net/2021/02/01/ministry-of-education-issues-notice-on-mobile-phone-management-in-primary-and-secondary-schools/",
    ],
    # Hanweb JCMS: 3 records inline in the column's datastore, 5 from two dataproxy POSTs.
    ("provincial_portal", "hanweb_jyt"): [
        f"http://jyt.hxs.gov.cn/art/{d}/art_3185_{n}.html"
        for d, n in (("2021/2/13", 10290011), ("2021/2/9", 10290007), ("2021/2/3", 10290002),
                     ("2021/1/26", 10289986), ("2021/1/19", 10289971), ("2021/1/12", 10289950),
                     ("2021/1/5", 10289933), ("2020/12/29", 10289920))
    ],
    ("mirror", "mirror_spam"): [
        f"http://www.szhxjy.com/news/{d}/{n}.html"
        for d, n in (("20221031", 8815), ("20221101", 8817), ("20221102", 8819), ("20221104", 8823))
    ],
}
SPLIT = {"http://www.sdjky.cn/gzdt/202101/t20210108_1235.html": [
    "http://www.sdjky.cn/gzdt/202101/t20210108_1235.html",
    "http://www.sdjky.cn/gzdt/202101/t20210108_1235_1.html",
]}

RECORD_VALIDATOR = validator("crawl-record")
ERROR_VALIDATOR = validator("crawl-error")


def schema_problems(records: list[dict], errors: list[dict]) -> list[str]:
    out = []
    for r in records:
        out += [f"{r.get('url')}: {e.message}" for e in RECORD_VALIDATOR.iter_errors(r)]
    for r in errors:
        out += [f"error record {r.get('url')}: {e.message}" for e in ERROR_VALIDATOR.iter_errors(r)]
    return out


def check_site_crawl(result, spider: str, site: str, expected_urls: list[str]) -> None:
    assert result.returncode == 0, result.log[-3000:]
    urls = [r["url"] for r in result.records]
    dupes = [u for u, n in Counter(urls).items() if n > 1]
    assert not dupes, f"articles emitted more than once: {dupes}"
    assert sorted(urls) == sorted(expected_urls)
    assert result.errors == [], json.dumps(result.errors, ensure_ascii=False, indent=1)
    assert schema_problems(result.records, result.errors) == []
    for r in result.records:
        assert r["site"] == site and r["spider"] == spider
        assert r["crawl_id"] == result.summary["crawl_id"]
        assert r["fetched_at"].endswith("Z")
        assert r["text"].strip()
        if r["url"] in SPLIT:
            assert r.get("part_urls") == SPLIT[r["url"]]
    assert result.summary["articles_emitted"] == len(expected_urls)
    problems = check_golden(site, result.records)
    assert not problems, "\n".join(problems) + (
        "\n(if the cleaners changed on purpose: UPDATE_GOLDEN=1 pytest tests/crawler, and review the diff)")


@pytest.fixture(scope="module")
def fixture_proxy():
    with FixtureServer.from_dir(FIXTURES) as server:
        yield server


@pytest.mark.slow
@pytest.mark.parametrize("spider,site", list(SITES))
def test_site_through_local_server(crawl, fixture_proxy, spider, site):
    result = crawl(spider, args={"site": site}, proxy=fixture_proxy.proxy)
    check_site_crawl(result, spider, site, SITES[(spider, site)])
    # The saved seed articles come out with the expected attribution.
    for path in sorted((FIXTURES / "expected" / site).glob("*.json")):
        expected = json.loads(path.read_text(encoding="utf-8"))
        record = next(r for r in result.records if r["url"] == expected["url"])
        assert record["title"] == expected["title"], path.name
        assert record["published_at"] == expected["published_at"], path.name


@pytest.mark.slow
@pytest.mark.parametrize("spider", sorted({s for s, _ in SITES}))
def test_offline_replay(crawl, spider):
    """-s REPLAY_DIR=fixtures: every registry site of the type, no network at all
    (the proxy points at a closed port: any real fetch would fail)."""
    result = crawl(spider, settings={"REPLAY_DIR": str(FIXTURES)}, proxy="http://127.0.0.1:9")
    assert result.returncode == 0, result.log[-3000:]
    assert result.errors == [], json.dumps(result.errors, ensure_ascii=False, indent=1)
    for (sp, site), urls in SITES.items():
        if sp != spider:
            continue
        mine = [r for r in result.records if r["site"] == site]
        check_site_crawl(_Sub(result, mine), spider, site, urls)
    assert "replay/served" in result.log


class _Sub:
    """The part of a crawl result that belongs to one site."""

    def __init__(self, result, records):
        self.returncode, self.errors, self.log = result.returncode, result.errors, result.log
        self.records = records
        self.summary = {**result.summary, "articles_emitted": len(records)}
