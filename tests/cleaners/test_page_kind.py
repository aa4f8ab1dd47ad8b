"""The record says what kind of page it was: one decision (cleaners/page_kind.py) for
the crawler's classifier and clean_page; `python -m cleaners --articles-only` leaves
list and navigation pages out, each with a line of its own."""

from __future__ import annotations

import json

import pytest
from scrapy.http import HtmlResponse

from cleaners import CleanError, clean_page
from cleaners.validation import validation_errors
from crawler.discover.classify import classify, features
from crawler.discover.links import anchors
from tests.crawler.test_units import saved_pages

from .fixture_pages import ROOT
from .test_cli import run_cli

NOTICES = ROOT / "fixtures" / "sites" / "notices" / "pages"
SPAM = ROOT / "fixtures" / "sites" / "mirror_spam" / "pages"
SAVED = list(saved_pages())


@pytest.mark.parametrize("saved,kind", SAVED, ids=lambda v: getattr(v, "url", v))
def test_saved_pages_have_the_crawlers_kind(saved, kind):
    # Lists and articles of every fixture site, short notices among the articles.
    record = clean_page(saved.body, saved.url, saved.headers)
    assert record.page_kind == kind, (record.page_kind, record.text[:80])
    assert validation_errors(record.to_dict(), "record") == []
    resp = HtmlResponse(saved.url, body=saved.body, headers=saved.headers)
    assert classify(features(resp, anchors(resp))) == record.page_kind  # one decision, two callers


def test_both_kinds_are_among_the_saved_pages():
    kinds = [kind for _, kind in SAVED]
    assert kinds.count("list") >= 10 and kinds.count("article") >= 20


def test_the_caller_may_say_what_the_page_is():
    # A spider sends only articles: the crawl's records say so without a second decision.
    saved = next(s for s, kind in SAVED if kind == "list")
    assert clean_page(saved.body, saved.url, saved.headers, page_kind="article").page_kind == "article"
    with pytest.raises(CleanError) as info:
        clean_page(saved.body, saved.url, saved.headers, page_kind="column")
    assert info.value.stage == "input"


def test_cli_articles_only_gives_a_line_for_each_page_left_out():
    # A notice list and two short notices (an article each, two sentences and an attachment),
    # read from disk with no URL: the page's shape decides.
    inputs = sorted(NOTICES.glob("*.html"))
    done = run_cli("--articles-only", str(NOTICES))
    assert done.returncode == 0, done.stderr.decode()
    lines = [json.loads(line) for line in done.stdout.decode().splitlines()]
    assert [line["path"] for line in lines] == [str(p) for p in inputs]
    left_out = [line for line in lines if line.get("error") == "not_article"]
    assert [(line["path"].rsplit("/", 1)[-1], line["page_kind"]) for line in left_out] == [("tzgg.html", "list")]
    assert "a list page, not an article" in left_out[0]["reason"] and len(left_out[0]["raw_sha256"]) == 64
    assert validation_errors(left_out[0], "error") == []
    articles = [line for line in lines if "error" not in line]
    assert len(articles) == 2 and {a["page_kind"] for a in articles} == {"article"}
    assert "2 records, 0 errors, 1 non-article page left out (list 1)" in done.stderr.decode()


def test_cli_without_the_option_keeps_list_pages_and_says_their_kind():
    page = SPAM / "news.html"  # its text is "、、、、，欢迎您！" and no more
    done = run_cli(str(page), "--url", "http://www.szhxjy.com/news/")
    assert done.returncode == 0, done.stderr.decode()
    record = json.loads(done.stdout)
    assert record["page_kind"] == "list" and "error" not in record
    assert "1 record, 0 errors" in done.stderr.decode() and "left out" not in done.stderr.decode()


def test_text_after_a_comment_is_the_pages_and_nav_text_is_not():
    # The tree walk never visits comments; the text after one still counts (a CMS puts
    # <!--发布时间--> markers right before the date), and a <nav>'s text never does.
    body = ("<html><body><nav>首页 新闻 通知公告</nav><h1>关于开展安全检查的通知</h1>"
            "<div class='info'><!--pub-->发布时间：2024-03-12</div>"
            "<div class='content'>各学院：<!-- x -->请于三月底前完成本单位的安全检查，并将检查结果报送保卫处。</div>"
            "</body></html>").encode()
    resp = HtmlResponse("http://a.edu.cn/tzgg.htm", body=body, encoding="utf-8")
    f = features(resp, anchors(resp))
    assert f.has_labelled_date and f.has_title_heading
    assert f.text_chars == len("关于开展安全检查的通知发布时间：2024-03-12各学院："
                                                   "请于三月底前完成本单位的安全检查，并将检查结果报送保卫处。")
    assert classify(f) == "article"  # a short notice


PROSE = "学校召开新学期工作部署会，总结上学期工作，部署本学期重点任务。会议要求各单位压实责任，" * 4


def _page(head: str, body: str) -> bytes:
    return f"<html><head><title>t</title>{head}</head><body>{body}</body></html>".encode()


def test_a_published_date_in_the_markup_is_a_date_line_for_a_page_on_its_own():
    # No date in the text and no article address: the page's own metadata dates it.
    meta = '<meta property="article:published_time" content="2024-03-12T10:00:00+08:00">'
    menu = "".join(f"<li>学院概况第{i}栏目介绍</li>" for i in range(16))  # text, not paragraphs
    body = f"<h1>学校召开新学期工作部署会</h1><ul>{menu}</ul><div class='content'><p>{PROSE}</p></div>"
    url = "http://www.example.edu.cn/news/page.html"
    assert clean_page(_page(meta, body), url).page_kind == "article"
    assert clean_page(_page("", body), url).page_kind == "other"  # the same page undated: not sure


def test_a_dated_list_page_stays_a_list():
    meta = '<meta property="article:published_time" content="2024-03-12T10:00:00+08:00">'
    items = "".join(f"<li><a href='/info/1012/{2300 + i}.htm'>学校召开第{i}次工作例会暨部署会</a>"
                    f"<span>2024-03-{i + 1:02d}</span></li>" for i in range(10))
    page = _page(meta, f"<h1>工作动态</h1><ul>{items}</ul>")
    assert clean_page(page, "http://www.example.edu.cn/gzdt.htm").page_kind == "list"
