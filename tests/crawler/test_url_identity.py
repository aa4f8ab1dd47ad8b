"""One URL identity (cleaners/urls.py): one article linked under the variants
real sites produce is one request, one record, one id; the record id, the
duplicate filter, the replay store and the state store agree on it."""

from __future__ import annotations

import threading
from collections import Counter
from http.server import BaseHTTPRequestHandler
from pathlib import Path

import pytest

from cleaners.fingerprint import record_id
from cleaners.urls import canonical_url
from crawler.fetch.replay.saved import url_key
from tests.local_http import LoopbackServer

ROOT = Path(__file__).resolve().parents[2]
ARTICLE_BODY = ROOT / "fixtures/sites/chce/pages/Article_ShowArticle__ArticleID-3305.html"
ARTICLE = "/Article/ShowArticle.asp?ArticleID=3305&ClassID=12"

# One article under seven links, as real sites write them.
VARIANTS = (
    "/Article/ShowArticle.asp?ArticleID=3305&ClassID=12",
    "/Article/ShowArticle.asp?ArticleID=3305&ClassID=12&utm_source=wechat&utm_medium=social",
    "/Article/ShowArticle.asp?from=timeline&ArticleID=3305&ClassID=12",
    "/Article/ShowArticle.asp;jsessionid=0A1B2C3D4E5F?ArticleID=3305&ClassID=12",
    "/Article/ShowArticle.asp?ArticleID=3305&ClassID=12#comments",
    "/Article/ShowArticle.asp?ClassID=12&ArticleID=3305",
    "/Article/ShowArticle.asp?ArticleID=3305&ClassID=12&spm=a2c4g.11186623&isappinstalled=0",
)
# A different article that only looks alike: another id, never merged.
OTHER = "/Article/ShowArticle.asp?ArticleID=3306&ClassID=12"


class VariantsSite(LoopbackServer):
    """A PowerEasy-style list page linking one article under VARIANTS (and one other)."""

    def start(self) -> "VariantsSite":
        self.hits: Counter[str] = Counter()
        lock = threading.Lock()
        body = ARTICLE_BODY.read_bytes()
        links = "".join(f'<li><a href="{v}">第{i}条 教育工作动态</a></li>' for i, v in enumerate(VARIANTS))
        links += f'<li><a href="{OTHER}">另一条 教育工作动态</a></li>'
        listing = (f"<html><head><meta charset='utf-8'><title>工作动态</title></head><body>"
                   f"<ul class='list'>{links}</ul></body></html>").encode()
        site = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                with lock:
                    site.hits[self.path] += 1
                if self.path.startswith("/Article/ShowClass.asp"):
                    self.reply(listing, "text/html; charset=utf-8")
                elif self.path.startswith("/Article/ShowArticle.asp"):
                    self.reply(body, "text/html")
                else:
                    self.send_error(404)

            def reply(self, data: bytes, ctype: str) -> None:
                self.send_response(200)
                self.send_header("Content-Type", ctype)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args) -> None:
                pass

        self.serve(Handler)
        return self

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def start_url(self) -> str:
        return f"{self.base}/Article/ShowClass.asp?ClassID=12"

    def article_fetches(self) -> int:
        return sum(n for path, n in self.hits.items() if "ArticleID=3305" in path)


@pytest.fixture
def variants_site():
    with VariantsSite() as site:
        yield site


def assert_one_article(records: list[dict], site: VariantsSite) -> None:
    mine = [r for r in records if "ArticleID=3305" in r["url"]]
    assert len(mine) == 1, [r["url"] for r in mine]
    assert {r["id"] for r in mine} == {record_id(site.base + ARTICLE)}
    others = [r for r in records if "ArticleID=3306" in r["url"]]
    assert len(others) == 1 and others[0]["id"] != mine[0]["id"]
    assert site.article_fetches() == 1, dict(site.hits)


def test_every_variant_has_one_canonical_form_and_one_id():
    base = "http://127.0.0.1:8080"
    forms = {canonical_url(base + v) for v in VARIANTS}
    assert forms == {base + ARTICLE}
    assert len({record_id(base + v) for v in VARIANTS}) == 1
    assert len({url_key(base + v) for v in VARIANTS}) == 1  # the replay store's lookup key
    # the host's case and a default port are not identity either
    assert canonical_url("HTTP://WWW.Chce.org.cn:80" + VARIANTS[5]) == "http://www.chce.org.cn" + ARTICLE
    assert record_id(base + OTHER) != record_id(base + ARTICLE)


def test_the_request_fingerprint_follows_the_canonical_url():
    from scrapy import Request

    from crawler.discover.url_policy import CanonicalRequestFingerprinter

    fp = CanonicalRequestFingerprinter()
    base = "http://127.0.0.1:8080"
    assert len({fp.fingerprint(Request(base + v)) for v in VARIANTS}) == 1
    assert fp.fingerprint(Request(base + OTHER)) != fp.fingerprint(Request(base + ARTICLE))
    assert fp.fingerprint(Request(base + ARTICLE, method="POST")) != fp.fingerprint(Request(base + ARTICLE))


def test_a_plain_crawl_gives_one_record_with_one_id(crawl, variants_site):
    result = crawl("quality_education", args={"start_urls": variants_site.start_url},
                   settings={"ROBOTSTXT_OBEY": "0"})
    assert result.returncode == 0, result.log[-3000:]
    assert_one_article(result.records, variants_site)
