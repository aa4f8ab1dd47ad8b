"""Finding articles the way sites publish them: Hanweb datastores and dataproxy
pages, script links, short notices, soft blocks, and never a silent empty list."""

from __future__ import annotations

import json
from collections import Counter

import pytest
from scrapy.http import HtmlResponse

from crawler.fetch.blocks import block_reason
from crawler.discover.classify import classify, features
from crawler.discover.links import anchors, is_asset
from crawler.discover.list_sources import (
    api_entries,
    dataproxy_ranges,
    dataproxy_url,
    datastore_entries,
    datastore_total,
    jpage_config,
    list_mechanism,
    script_entries,
    script_url,
)
from crawler.fetch.replay.saved import SavedStore
from tests.crawler.conftest import FIXTURES
from tests.crawler.fixture_server import FixtureServer
from tests.crawler.sites import HTML, article_html, list_html
from tests.crawler.test_e2e_sites import SITES

HANWEB = "http://jyt.hxs.gov.cn"
HANWEB_COLUMN = HANWEB + "/col/col3185/index.html"
HANWEB_ARTICLES = SITES[("provincial_portal", "hanweb_jyt")]


def hanweb_store() -> SavedStore:
    return SavedStore.load(FIXTURES / "sites" / "hanweb_jyt")


def hanweb_column_text() -> str:
    return hanweb_store().get(HANWEB_COLUMN).body.decode("gb18030")


# --- Hanweb datastore and jpage widget ------------------------------------------------


def test_hanweb_column_records_are_read_with_their_dates():
    entries = datastore_entries(hanweb_column_text(), HANWEB_COLUMN)
    assert [e.url for e in entries] == HANWEB_ARTICLES[:3]
    assert entries[0].text == "全省教育系统召开2021年工作会议"
    assert [e.date for e in entries] == ["2021-02-13", "2021-02-09", "2021-02-03"]


def test_hanweb_jpage_widget_gives_the_dataproxy_requests():
    jpage = jpage_config(hanweb_column_text(), HANWEB_COLUMN)
    assert jpage is not None
    assert (jpage.proxy_url, jpage.per_page, jpage.total) == (HANWEB + "/module/web/jpage/dataproxy.jsp", 3, 8)
    params = dict(jpage.params)
    assert params["columnid"] == "3185" and params["unitid"] == "8841" and params["webname"] == "华夏省教育厅"
    ranges = dataproxy_ranges(jpage, have=3, max_requests=100)
    assert ranges == [(4, 6), (7, 8)]
    assert dataproxy_url(jpage, 4, 6) == HANWEB + "/module/web/jpage/dataproxy.jsp?startrecord=4&endrecord=6&perpage=3"
    assert dataproxy_ranges(jpage, have=3, max_requests=1) == [(4, 6)]  # within the list-page limit


def test_dataproxy_answers_are_saved_by_method_url_and_body():
    store = hanweb_store()
    url = HANWEB + "/module/web/jpage/dataproxy.jsp?startrecord=4&endrecord=6&perpage=3"
    assert store.get(url) is None  # a GET of the same URL was never saved
    form = ("permissiontype=0&webname=%E5%8D%8E%E5%A4%8F%E7%9C%81%E6%95%99%E8%82%B2%E5%8E%85&unitid=8841&"
            "sourceContentType=1&columnid=3185&path=%2F&webid=12&appid=1&col=1")  # fields in another order
    saved = store.get(url, "POST", form.encode())
    assert saved is not None
    text = saved.body.decode("gb18030")
    assert datastore_total(text) == 8
    assert [e.url for e in datastore_entries(text, url)] == HANWEB_ARTICLES[3:6]
    assert store.get(url, "POST", form.replace("3185", "3186").encode()) is None  # another column


def test_jpage_with_parameters_only_in_nextgroup():
    """Older Hanweb pages: no ajaxParam, the column's fields in the <nextgroup> link."""
    page = """<div id="1"><script type="text/xml"><datastore>
<nextgroup><![CDATA[<a href="/module/jpage/dataproxy.jsp?page=1&webid=3&path=/&columnid=77&unitid=99&webname=X&permissiontype=0"></a>]]></nextgroup>
<recordset><record><![CDATA[<li><a href='/art/2020/3/1/art_77_5.html'>一</a> [2020-03-01]</li>]]></record></recordset>
</datastore></script></div>
<script>var totalRecord = 40; var perPage = 20;</script>"""
    jpage = jpage_config(page, "http://a.gov.cn/col/col77/index.html")
    assert jpage.proxy_url == "http://a.gov.cn/module/jpage/dataproxy.jsp"
    assert dict(jpage.params) == {"webid": "3", "path": "/", "columnid": "77", "unitid": "99", "webname": "X",
                                  "permissiontype": "0"}
    assert dataproxy_ranges(jpage, 1, 10) == [(2, 21), (22, 40)]
    [entry] = datastore_entries(page, "http://a.gov.cn/col/col77/index.html")
    assert (entry.url, entry.date) == ("http://a.gov.cn/art/2020/3/1/art_77_5.html", "2020-03-01")


def test_a_page_without_a_widget_has_no_dataproxy():
    assert jpage_config("<html><body><ul><li><a href='/a.html'>a</a></li></ul></body></html>", "http://a.cn/") is None
    assert datastore_entries("<p>datastore</p><record>x</record>", "http://a.cn/") == []


# --- links only script follows, and what a list without links seems to use ------------


@pytest.mark.parametrize("code,url", [
    ("window.open('/xwzx/2024/0312/c45a1001/page.htm')", "/xwzx/2024/0312/c45a1001/page.htm"),
    ("javascript:window.location.href='/news/show-123.html'", "/news/show-123.html"),
    ("javascript:openArticle('../info/1012/2345.htm')", "../info/1012/2345.htm"),
    ("javascript:void(0)", None),
    ("javascript:window.print()", None),
])
def test_script_urls(code, url):
    assert script_url(code) == url


def test_script_entries_are_read_from_onclick_and_javascript_links():
    resp = HtmlResponse("http://a.cn/news/index.html", encoding="utf-8", body="""<html><body><ul>
<li onclick="window.open('/news/2024/0312/c1a101/page.htm')">学校召开工作会议</li>
<li><a href="javascript:show('/news/2024/0313/c1a102/page.htm')">春季运动会</a></li>
<li><a href="javascript:void(0)" onclick="location.href='/news/2024/0314/c1a103/page.htm'">第三篇</a></li>
<li><a href="javascript:window.close()">关闭</a></li></ul></body></html>""".encode())
    got = [(e.url, e.text) for e in script_entries(resp.selector.root, resp.url)]
    assert got == [("http://a.cn/news/2024/0312/c1a101/page.htm", "学校召开工作会议"),
                   ("http://a.cn/news/2024/0313/c1a102/page.htm", "春季运动会"),
                   ("http://a.cn/news/2024/0314/c1a103/page.htm", "第三篇")]


@pytest.mark.parametrize("body,expected", [
    ("<script type='text/xml'><datastore><recordset></recordset></datastore></script>"
     "<script src='/module/web/jpage/jpage.js'></script>", "Hanweb"),
    ("<iframe src='/list/news_list.html'></iframe>", "iframe"),
    ("<ul id='list'></ul><script>$.ajax({url: '/api/news/list', success: function(d){}})</script>", "API"),
    ("<div id='l'></div><script>document.getElementById('l').innerHTML = items.join('')</script>", "script"),
    ("<p>本栏目暂无信息</p>", None),
])
def test_list_mechanism_names_what_a_list_uses(body, expected):
    resp = HtmlResponse("http://a.cn/", encoding="utf-8", body=f"<html><body>{body}</body></html>".encode())
    got = list_mechanism(resp.text, resp.selector.root)
    assert (got is None) if expected is None else (expected in got), got


def test_api_entries_follow_the_registry_description():
    body = json.dumps({"code": 0, "data": {"list": [
        {"id": 11, "title": "一", "url": "/news/11.html", "publishTime": "2024-03-12"},
        {"id": 12, "title": "二", "url": "http://a.cn/news/12.html", "publishTime": "2024-03-11"},
        {"id": 13, "title": "三"},
    ]}})
    got = api_entries(body, {"items": "data.list", "link": "url", "date": "publishTime"}, "http://a.cn/api/list")
    assert [(e.url, e.text, e.date) for e in got] == [("http://a.cn/news/11.html", "一", "2024-03-12"),
                                                      ("http://a.cn/news/12.html", "二", "2024-03-11")]
    templ = api_entries(body, {"items": "data.list", "link_template": "/detail?id={id}"}, "http://a.cn/api/list")
    assert [e.url for e in templ] == [f"http://a.cn/detail?id={n}" for n in (11, 12, 13)]
    assert api_entries("<html>", {"items": "data.list"}, "http://a.cn/") is None
    assert api_entries('{"data": {}}', {"items": "data.list"}, "http://a.cn/") is None


def test_download_scripts_are_assets():
    assert is_asset("http://a.cn/module/download/downfile.jsp?classid=0&filename=2101191120456.xls")
    assert is_asset("http://a.cn/attach/x.pdf")
    assert not is_asset("http://a.cn/show.jsp?name=page.html")
    assert not is_asset("http://a.cn/art/2021/2/13/art_3185_10290011.html")


# --- short notices are articles ------------------------------------------------------

NOTICE = """<!DOCTYPE html><html><head><meta charset="utf-8"><title>{title}-党委组织部</title></head><body>
<div class="nav"><a href="/">首页</a> <a href="/zzgz.htm">组织工作</a> <a href="/dyjy.htm">党员教育</a></div>
<form name="_newscontent_fromname"><h1 class="title">{title}</h1>
<div class="info">发布日期：2025-03-0{n}　作者：组织部　浏览次数：<script>_showDynClicks("wbnews", 1, 2)</script></div>
<div id="vsb_content"><div class="v_news_content"><p>{body}</p></div></div>
<div class="attach">附件【<a href="/system/_content/download.jsp?urltype=news.DownloadAttachUrl&wbfileid=88{n}">名单.xlsx</a>】</div>
</form>
<div class="foot">版权所有 某某学院党委组织部</div></body></html>"""
NOTICES = [
    ("关于2025年第一批发展对象培训的通知", "各党总支：定于3月10日举办2025年第一批发展对象培训班，请按附件名单通知学员准时参加。"),
    ("关于报送2024年度党费收缴情况的通知", "各党总支：请于3月15日前将2024年度党费收缴情况报送组织部。"),
    ("2025年党员发展计划公示", "根据各党总支申报，现将2025年党员发展计划予以公示，公示期为五个工作日。"),
]


@pytest.mark.parametrize("n", range(len(NOTICES)))
def test_short_notice_is_an_article(n):
    title, body = NOTICES[n]
    resp = HtmlResponse(f"http://zzb.a.edu.cn/info/1013/30{n}.htm", encoding="utf-8",
                        body=NOTICE.format(title=title, body=body, n=n + 1).encode())
    f = features(resp, anchors(resp))
    assert classify(f) == "article", f


def test_short_pages_that_are_not_notices_are_not_articles():
    nav = HtmlResponse("http://zzb.a.edu.cn/gywm.htm", encoding="utf-8", body="""<html><body>
<div class="nav"><a href="/">首页</a> <a href="/zzgz.htm">组织工作</a></div><h2 class="title">联系我们</h2>
<div>地址：某某路1号　电话：0771-1234567</div></body></html>""".encode())
    assert classify(features(nav, anchors(nav))) != "article"
    listing = HtmlResponse("http://zzb.a.edu.cn/tzgg.htm", encoding="utf-8", body=list_html("通知公告", [
        (f"/info/1013/30{n}.htm", t) for n, (t, _) in enumerate(NOTICES)]).encode())
    assert classify(features(listing, anchors(listing))) == "list"


# --- soft blocks -------------------------------------------------------------------------

RATE_LIMIT = "<html><head><title>提示信息</title></head><body><p>您的访问过于频繁，请稍后再试。</p></body></html>"
LOGIN_WALL = """<html><head><title>统一身份认证</title></head><body><div class="login"><h2>统一身份认证平台</h2>
<form action="/cas/login" method="post"><input name="username"><input type="password" name="password">
<button>登录</button></form></div></body></html>"""
WAF = """<html><head><title>网站防火墙</title></head><body><h1>网站防火墙</h1>
<p>您的请求带有不合法参数，已被网站管理员设置拦截！</p><p>可能原因：您提交的内容包含危险的攻击请求</p></body></html>"""
CHECK = "<html><head><title>安全验证</title></head><body><div>请完成安全验证后继续访问</div><div id='slider'></div></body></html>"


@pytest.mark.parametrize("body,kind", [(RATE_LIMIT, "rate limit"), (LOGIN_WALL, "login wall"),
                                       (WAF, "firewall"), (CHECK, "security check")])
def test_block_pages_are_recognised_in_either_encoding(body, kind):
    for codec in ("utf-8", "gb18030"):
        assert (block_reason(body.encode(codec)) or "").startswith(kind)


def test_articles_about_logins_and_firewalls_are_not_blocks():
    about_login = article_html("关于统一身份认证系统升级的通知", "2024-03-01", paragraphs=1)
    about_waf = article_html("学校部署网站防火墙 拦截攻击请求三万余次", "2024-03-02", paragraphs=3)
    with_login_box = article_html("学校召开工作会议", "2024-03-03", extra=(
        '<div class="login">用户登录<input name="u"><input type="password" name="p"></div>'))
    for page in (about_login, about_waf, with_login_box):
        assert block_reason(page.encode()) is None
    assert block_reason(RATE_LIMIT.encode(), status=429) is None  # an error status is reported as such


def test_no_saved_fixture_page_is_a_block_page():
    store = SavedStore.load(FIXTURES)
    assert [r.url for r in [*store.exact.values(), *store.other.values()] if block_reason(r.body, r.status)] == []


class SequenceServer(FixtureServer):
    """A fixture server whose URLs can answer differently the first times they are asked."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.first: dict[str, list[str]] = {}

    def _answer(self, handler, head, method="GET", body=b""):
        url = self.url_for(handler.path, getattr(handler, "tunnel", None))
        if self.first.get(url):
            page = self.first[url].pop(0).encode()
            self.requests.append(url)
            if page.startswith(b"REDIRECT "):
                handler.send_response(302)
                handler.send_header("Location", page.split(b" ", 1)[1].decode())
                handler.send_header("Content-Length", "0")
                handler.end_headers()
                return
            handler.send_response(200)
            handler.send_header("Content-Type", "text/html; charset=utf-8")
            handler.send_header("Content-Length", str(len(page)))
            handler.end_headers()
            handler.wfile.write(page)
            return
        super()._answer(handler, head, method, body)


@pytest.mark.slow
def test_block_pages_are_retried_and_never_records(crawl):
    """Each article's first answer is a block page (one each kind), later ones the
    article; one article stays behind a login wall: an error record `blocked`."""
    base = "http://www.blocked-edu.test"
    paths = [f"/xwzx/202403/t20240312_20{n}.html" for n in range(5)]
    with SequenceServer() as server:
        server.add(f"{base}/xwzx/index.html", list_html("新闻中心", [(p, f"文章{n}") for n, p in enumerate(paths)]),
                   headers=HTML)
        for n, p in enumerate(paths):
            server.add(base + p, article_html(f"第{n}篇正常的文章", f"2024-03-1{n}"), headers=HTML)
        for p, block in zip(paths, (RATE_LIMIT, LOGIN_WALL, WAF, CHECK)):
            server.first[base + p] = [block]
        server.first[base + paths[4]] = [LOGIN_WALL] * 10
        # One article's first answer redirects to the site's login page; asked again, it is there.
        server.first[base + paths[3]] = ["REDIRECT /cas/login"]
        server.add(f"{base}/cas/login", LOGIN_WALL, headers=HTML)
        r = crawl("provincial_portal", args={"start_urls": f"{base}/xwzx/index.html"}, proxy=server.proxy,
                  settings={"BLOCK_BACKOFF_BASE": "0.05", "BLOCK_RETRY_TIMES": "2"})
        asked = Counter(server.requests)
    assert r.returncode == 0, r.log[-3000:]
    assert sorted(rec["url"] for rec in r.records) == sorted(base + p for p in paths[:4])
    assert not any(rec["title"] in ("统一身份认证", "提示信息", "网站防火墙", "安全验证") for rec in r.records)
    [err] = r.errors
    assert (err["url"], err["error"]) == (base + paths[4], "blocked")
    assert err["reason"].startswith("blocked: login wall")
    assert asked[base + paths[4]] == 3 and all(asked[base + p] == 2 for p in paths[:4])
    assert r.summary["errors_by_stage"] == {"blocked": 1}


# --- whole crawls: Hanweb under another address, short notices, never a silent empty list ---


@pytest.mark.slow
def test_generic_reads_a_hanweb_column_it_has_never_seen(crawl):
    """The saved Hanweb column moved to 127.0.0.1:<port>: the generic spider reads the
    datastore, asks the dataproxy for the rest (POST), and finds every article once."""
    with FixtureServer(hanweb_store(), direct_base=HANWEB, rewrite=True) as server:
        r = crawl("generic", args={"start_urls": server.base + "/col/col3185/index.html"})
        served = server.base
    assert r.returncode == 0, r.log[-3000:]
    urls = [rec["url"] for rec in r.records]
    assert sorted(urls) == sorted(served + u[len(HANWEB):] for u in HANWEB_ARTICLES)
    assert all(e["error"] == "http" for e in r.errors)  # the column menu's other columns were not saved
    notice = next(rec for rec in r.records if rec["url"].endswith("art_3185_10289971.html"))
    assert notice["title"] == "关于公布2020年度省级示范性家长学校名单的公告"


@pytest.mark.slow
def test_generic_keeps_a_column_of_short_notices(crawl):
    base = "http://zzb.notices.test"
    with FixtureServer(direct_base=base, rewrite=True) as server:
        links = [(f"/info/1013/30{n}.htm", t) for n, (t, _) in enumerate(NOTICES)]
        server.add(f"{base}/tzgg.htm", list_html("通知公告", links), headers=HTML)
        for n, (title, body) in enumerate(NOTICES):
            server.add(f"{base}/info/1013/30{n}.htm", NOTICE.format(title=title, body=body, n=n + 1), headers=HTML)
        r = crawl("generic", args={"start_urls": server.base + "/tzgg.htm"})
    assert r.returncode == 0, r.log[-3000:]
    assert sorted(rec["title"] for rec in r.records) == sorted(t for t, _ in NOTICES)


@pytest.mark.slow
def test_a_list_built_by_an_api_is_never_a_silent_empty_crawl(crawl):
    base = "http://www.xhr-edu.test"
    with FixtureServer() as server:
        server.add(f"{base}/xwzx/index.html", """<html><head><title>新闻中心</title></head><body>
<div class="nav"><a href="/">首页</a></div><ul id="news"></ul>
<script>$.ajax({url: '/api/content/list?channelId=12&pageNo=1', success: function (d) { render(d) }});</script>
</body></html>""", headers=HTML)
        r = crawl("provincial_portal", args={"start_urls": f"{base}/xwzx/index.html"}, proxy=server.proxy)
    assert r.returncode == 0, r.log[-3000:]
    assert r.records == []
    [err] = r.errors
    assert err["error"] == "discover" and err["url"] == f"{base}/xwzx/index.html"
    assert "an API" in err["reason"] and "/api/content/list" in err["reason"]
    assert r.summary["sites_without_articles"] == ["www.xhr-edu.test"]
    assert "NO ARTICLES from site www.xhr-edu.test" in r.log


# --- a JSON list API described in the registry ----------------------------------------

API_BASE = "http://news.api-school.test"


def add_api_site(server: FixtureServer, method: str) -> None:
    """A news column filled by XHR from a JSON API: 5 articles, 2 per page."""
    server.add(f"{API_BASE}/xwdt/index.html", """<html><head><title>新闻动态</title></head><body>
<ul id="list"></ul><script>axios.get('/api/cms/articles?column=7&page=1').then(r => render(r.data))</script>
</body></html>""", headers=HTML)
    items = [{"id": 500 + n, "title": f"学校新闻第{n}篇", "path": f"/xwdt/2024/03/1{n}/news_{500 + n}.html",
              "pubDate": f"2024-03-1{n} 08:00"} for n in range(5)]
    for page in (1, 2, 3, 4):
        answer = json.dumps({"code": 200, "result": {"total": 5, "records": items[(page - 1) * 2:page * 2]}})
        if method == "GET":
            server.add(f"{API_BASE}/api/cms/articles?column=7&page={page}&size=2", answer,
                       headers={"Content-Type": "application/json;charset=UTF-8"})
        else:
            server.add(f"{API_BASE}/api/cms/articles", answer, method="POST", request_body=f"column=7&page={page}&size=2",
                       headers={"Content-Type": "application/json;charset=UTF-8"})
    for n, item in enumerate(items):
        server.add(API_BASE + item["path"], article_html(item["title"], f"2024-03-1{n}"), headers=HTML)


@pytest.mark.slow
@pytest.mark.parametrize("method", ["GET", "POST"])
def test_a_json_api_list_comes_out_with_every_article(crawl, tmp_path, method):
    url = f"{API_BASE}/api/cms/articles" + ("?column=7&page={page}&size=2" if method == "GET" else "")
    params = "" if method == "GET" else 'params = {column = "7", page = "{page}", size = "2"}\n'
    registry = tmp_path / "sites.toml"
    registry.write_text(f"""[sites.api_school]
site_type = "university_party"
start_urls = ["{API_BASE}/xwdt/index.html"]
[sites.api_school.list_api]
url = "{url}"
method = "{method}"
{params}items = "result.records"
link = "path"
title = "title"
date = "pubDate"
""", encoding="utf-8")
    with FixtureServer() as server:
        add_api_site(server, method)
        r = crawl("university_party", args={"site": "api_school"}, proxy=server.proxy,
                  settings={"SITES_REGISTRY": str(registry)})
    assert r.returncode == 0, r.log[-3000:]
    assert sorted(rec["title"] for rec in r.records) == [f"学校新闻第{n}篇" for n in range(5)]
    # The page itself has no article link: named, with the API it calls.
    [err] = r.errors
    assert err["error"] == "discover" and "/api/cms/articles" in err["reason"]
    assert r.summary["sites_without_articles"] == []


@pytest.mark.parametrize("api,message", [
    ('url = "/api/list"', "list_api.url"),
    ('url = "http://a.cn/api"\nmethod = "PUT"', "GET or POST"),
    ('url = "http://a.cn/api"\nbogus = 1', "unknown keys"),
    ('url = "http://a.cn/api"\nmax_pages = "ten"', "whole number"),
])
def test_registry_rejects_bad_list_apis(tmp_path, api, message):
    from crawler.discover.registry import Registry, RegistryError

    path = tmp_path / "sites.toml"
    path.write_text(f'[sites.x]\nsite_type = "generic"\nstart_urls = ["http://a.cn/"]\n[sites.x.list_api]\n{api}\n',
                    encoding="utf-8")
    with pytest.raises(RegistryError, match=message):
        Registry.load(path)


# --- -a since / until, -a urls_file ------------------------------------------------------


def test_date_window_reads_list_dates_then_url_dates():
    from crawler.discover.date_window import DateWindow

    w = DateWindow.from_args("2021-01-19", "2021年2月10日")
    assert w.outside("http://a.cn/x.html", "2021-01-18") and not w.outside("http://a.cn/x.html", "2021-01-19")
    assert w.outside("http://a.cn/gzdt/202102/t20210213_1234.html")  # after `until`, by its URL
    assert not w.outside("http://a.cn/news/story.html")  # no date known: fetched
    assert w.list_is_past([("http://a.cn/a.html", "2020-12-01"), ("http://a.cn/b.html", None)])
    assert not w.list_is_past([("http://a.cn/a.html", "2020-12-01"), ("http://a.cn/b.html", "2021-01-20")])
    assert w.changed_before_since("2021-01-01T08:00:00Z") and not w.changed_before_since(None)
    assert not DateWindow.from_args(None, None)
    with pytest.raises(ValueError, match="not a date"):
        DateWindow.from_args("yesterday", None)


def test_anchor_dates_are_read_beside_list_links():
    from crawler.discover.list_sources import anchor_dates

    resp = HtmlResponse("http://a.cn/list.html", encoding="utf-8", body=list_html("列表", [
        ("/a/t20240301_1.html", "2023年回顾"), ("/a/t20240302_2.html", "二")]).encode())
    assert anchor_dates(resp.selector.root, resp.url) == {"http://a.cn/a/t20240301_1.html": "2024-03-12",
                                                          "http://a.cn/a/t20240302_2.html": "2024-03-12"}


@pytest.mark.slow
def test_since_keeps_the_newer_articles_of_a_replayed_hanweb_column(crawl):
    r = crawl("provincial_portal", args={"site": "hanweb_jyt", "since": "2021-01-19"},
              settings={"REPLAY_DIR": str(FIXTURES)}, proxy="http://127.0.0.1:9")
    assert r.returncode == 0, r.log[-3000:]
    assert sorted(rec["url"] for rec in r.records) == sorted(HANWEB_ARTICLES[:5])
    assert r.errors == []
    assert "'articles/outside_dates': 3" in r.log


@pytest.mark.slow
def test_urls_file_fetches_just_those_articles(crawl, tmp_path):
    urls = tmp_path / "urls.txt"
    urls.write_text(f"# two articles\n{HANWEB_ARTICLES[1]}\n\n{HANWEB_ARTICLES[6]}\n", encoding="utf-8")
    r = crawl("provincial_portal", args={"urls_file": str(urls)},
              settings={"REPLAY_DIR": str(FIXTURES)}, proxy="http://127.0.0.1:9")
    assert r.returncode == 0, r.log[-3000:]
    assert sorted(rec["url"] for rec in r.records) == sorted([HANWEB_ARTICLES[1], HANWEB_ARTICLES[6]])
    assert all(rec["site"] == "hanweb_jyt" for rec in r.records)
    assert r.errors == [] and "pages/list" not in r.log


# --- sitemaps and RSS/Atom feeds ------------------------------------------------------------

MAP_BASE = "http://www.maps-edu.test"
MAP_ARTICLES = [f"/xwzx/{d}/t{d}_50{n}.html" for n, d in enumerate(("20231220", "20231221", "20240303", "20240304"))]
URLSET = """<?xml version="1.0" encoding="UTF-8"?>
<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">
<url><loc>{base}/xwzx/index.html</loc><lastmod>2024-03-05</lastmod></url>
{urls}
</urlset>"""
INDEX = """<?xml version="1.0" encoding="UTF-8"?>
<sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">
<sitemap><loc>{base}/sitemap-news.xml.gz</loc></sitemap><sitemap><loc>{base}/sitemap-old.xml</loc></sitemap>
</sitemapindex>"""
RSS = """<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>新闻</title>
<item><title>一</title><link>{base}/a/1.html</link><pubDate>Tue, 12 Mar 2024 08:00:00 +0800</pubDate></item>
<item><title>二</title><guid>{base}/a/2.html</guid></item></channel></rss>"""
ATOM = """<?xml version="1.0" encoding="utf-8"?><feed xmlns="http://www.w3.org/2005/Atom"><title>新闻</title>
<entry><title>三</title><link rel="alternate" href="/a/3.html"/><published>2024-03-13T09:00:00+08:00</published></entry>
</feed>"""


def urlset(paths, lastmod="2024-03-0{n}"):
    return URLSET.format(base=MAP_BASE, urls="\n".join(
        f"<url><loc>{MAP_BASE}{p}</loc><lastmod>{lastmod.format(n=n + 1)}</lastmod></url>" for n, p in enumerate(paths)))


def test_sitemaps_are_read_with_scrapys_machinery():
    import gzip

    from crawler.discover.site_indexes import read_sitemap

    page = read_sitemap(gzip.compress(urlset(MAP_ARTICLES).encode()), MAP_BASE + "/sitemap-news.xml.gz")
    assert [e.url for e in page.pages] == [MAP_BASE + "/xwzx/index.html"] + [MAP_BASE + p for p in MAP_ARTICLES]
    assert page.lastmod[MAP_BASE + MAP_ARTICLES[0]] == "2024-03-01" and page.children == []  # urlset()'s lastmod
    index = read_sitemap(INDEX.format(base=MAP_BASE).encode(), MAP_BASE + "/sitemap.xml")
    assert index.children == [MAP_BASE + "/sitemap-news.xml.gz", MAP_BASE + "/sitemap-old.xml"]
    robots = read_sitemap(b"User-agent: *\nDisallow: /admin/\nSitemap: /sitemap.xml\n", MAP_BASE + "/robots.txt")
    assert robots.children == [MAP_BASE + "/sitemap.xml"]
    assert read_sitemap(b"<html><body>not a sitemap</body></html>", MAP_BASE + "/sitemap.xml") is None


def test_feeds_are_read_with_their_dates():
    from crawler.discover.site_indexes import read_feed

    rss = read_feed(RSS.format(base=MAP_BASE).encode(), MAP_BASE + "/rss.xml")
    assert [(e.url, e.text, e.date) for e in rss] == [
        (MAP_BASE + "/a/1.html", "一", "2024-03-12T08:00:00+08:00"), (MAP_BASE + "/a/2.html", "二", None)]
    atom = read_feed(ATOM.encode(), MAP_BASE + "/atom.xml")
    assert [(e.url, e.date) for e in atom] == [(MAP_BASE + "/a/3.html", "2024-03-13T09:00:00+08:00")]
    assert read_feed(b"<html><body><p>x</p></body></html>", MAP_BASE + "/rss.xml") is None


def add_sitemap_site(server: FixtureServer) -> None:
    import gzip

    server.add(f"{MAP_BASE}/robots.txt", "User-agent: *\nDisallow: /admin/\nSitemap: /sitemap.xml\n",
               headers={"Content-Type": "text/plain"})
    server.add(f"{MAP_BASE}/sitemap.xml", INDEX.format(base=MAP_BASE), headers={"Content-Type": "application/xml"})
    server.add(f"{MAP_BASE}/sitemap-news.xml.gz", gzip.compress(urlset(MAP_ARTICLES[2:]).encode()),
               headers={"Content-Type": "application/x-gzip"})
    server.add(f"{MAP_BASE}/sitemap-old.xml", urlset(MAP_ARTICLES[:2], lastmod="2023-12-2{n}"),
               headers={"Content-Type": "application/xml"})
    for n, p in enumerate(MAP_ARTICLES):
        server.add(MAP_BASE + p, article_html(f"站点地图里的第{n}篇", f"2024-03-0{n + 1}"), headers=HTML)


@pytest.mark.slow
@pytest.mark.parametrize("since,expected", [(None, MAP_ARTICLES), ("2024-01-01", MAP_ARTICLES[2:])])
def test_a_site_is_crawled_from_its_sitemaps(crawl, since, expected):
    args = {"sitemap": f"{MAP_BASE}/robots.txt", **({"since": since} if since else {})}
    with FixtureServer() as server:
        add_sitemap_site(server)
        r = crawl("provincial_portal", args=args, proxy=server.proxy)
        asked = list(server.requests)
    assert r.returncode == 0, r.log[-3000:]
    assert sorted(rec["url"] for rec in r.records) == sorted(MAP_BASE + p for p in expected)
    assert r.errors == []
    assert f"{MAP_BASE}/xwzx/index.html" not in asked  # a column page in the sitemap is not an article


@pytest.mark.slow
def test_generic_reads_an_rss_feed(crawl):
    with FixtureServer() as server:
        server.add(f"{MAP_BASE}/rss.xml", RSS.format(base=MAP_BASE), headers={"Content-Type": "application/rss+xml"})
        for n in (1, 2):
            server.add(f"{MAP_BASE}/a/{n}.html", article_html(f"订阅里的第{n}篇", f"2024-03-1{n}"), headers=HTML)
        r = crawl("generic", args={"feed": f"{MAP_BASE}/rss.xml"}, proxy=server.proxy)
    assert r.returncode == 0, r.log[-3000:]
    assert sorted(rec["title"] for rec in r.records) == ["订阅里的第1篇", "订阅里的第2篇"]
    assert r.errors == []


@pytest.mark.slow
def test_block_pages_nobody_listed_are_caught_by_what_they_are_not(crawl):
    """The first answer to each article is a page of a sentence, no date, no known
    marker (系统繁忙): asked again, never a record; a real short undated page that
    answers the same every time stays what it is."""
    base = "http://www.busy-edu.test"
    paths = [f"/xwzx/202403/t20240312_60{n}.html" for n in range(4)]
    busy = "<html><head><title>提示</title></head><body><div class='msg'>系统繁忙，请刷新页面。</div></body></html>"
    with SequenceServer() as server:
        server.add(f"{base}/xwzx/index.html", list_html("新闻中心", [(p, f"文章{n}") for n, p in enumerate(paths)]),
                   headers=HTML)
        for n, p in enumerate(paths):
            server.add(base + p, article_html(f"繁忙之后的第{n}篇", f"2024-03-1{n}"), headers=HTML)
            server.first[base + p] = [busy]
        r = crawl("provincial_portal", args={"start_urls": f"{base}/xwzx/index.html"}, proxy=server.proxy,
                  settings={"BLOCK_BACKOFF_BASE": "0.05"})
    assert r.returncode == 0, r.log[-3000:]
    assert sorted(rec["title"] for rec in r.records) == sorted(f"繁忙之后的第{n}篇" for n in range(4))
    assert r.errors == []


def test_pages_unlike_an_article():
    from crawler.fetch.blocks import page_fingerprint, unlike_an_article

    assert unlike_an_article("<html><body><p>系统繁忙，请稍后刷新。</p></body></html>".encode("gb18030"))
    assert not unlike_an_article(article_html("文章", "2024-03-12").encode())  # dated
    assert not unlike_an_article(NOTICE.format(title="通知", body="请按时参加。", n=1).encode())
    long_undated = "<html><body>" + "<p>" + "学校召开工作会议，部署新学期重点任务。" * 40 + "</p></body></html>"
    assert not unlike_an_article(long_undated.encode())
    assert page_fingerprint(b"<p>busy, request 123</p>") == page_fingerprint(b"<p>busy, request 456</p>")


def test_jpage_with_its_parameters_in_a_variable_declared_after_the_call():
    page = """<script type="text/xml"><datastore><recordset>
<record><![CDATA[<tr><td><a href="./art/2023/5/4/art_9_1.html" title="一">一</a></td><td>2023-05-04</td></tr>]]></record>
</recordset></datastore></script>
<script>$('#9001').jpage({dataStore: dataStore, ajaxParam: ajaxParam, proxyUrl: 'dataproxy.jsp', perPage: 15});
var ajaxParam = {"col": 1, "webid": "5", "path": "/", "columnid": "9", "unitid": "9001", "webname": "某市教育局"};
</script><p>共<span>totalrecord</span></p><datastore><totalrecord>31</totalrecord></datastore>"""
    jpage = jpage_config(page, "http://jyj.a.gov.cn/col/col9/index.html")
    assert jpage.proxy_url == "http://jyj.a.gov.cn/col/col9/dataproxy.jsp"
    assert jpage.total == 31 and dict(jpage.params)["webname"] == "某市教育局"
    [entry] = datastore_entries(page, "http://jyj.a.gov.cn/col/col9/index.html")
    assert (entry.url, entry.date) == ("http://jyj.a.gov.cn/col/col9/art/2023/5/4/art_9_1.html", "2023-05-04")


@pytest.mark.slow
def test_lists_in_iframes_and_script_links_are_followed(crawl):
    base = "http://www.frames-edu.test"
    arts = [f"/xwzx/202403/t20240312_70{n}.html" for n in range(4)]
    with FixtureServer() as server:
        server.add(f"{base}/xwzx/index.html", """<html><head><title>新闻中心</title></head><body>
<div class="nav"><a href="/">首页</a></div><iframe src="/xwzx/list_frame.html" width="100%"></iframe></body></html>""",
                   headers=HTML)
        server.add(f"{base}/xwzx/list_frame.html", "<html><body><ul>" + "".join(
            f"<li onclick=\"window.open('{p}')\">第{n}篇<span>2024-03-12</span></li>" for n, p in enumerate(arts[:2]))
            + "".join(f"<li><a href=\"javascript:openNews('{p}')\">第{n + 2}篇</a></li>" for n, p in enumerate(arts[2:]))
            + "</ul></body></html>", headers=HTML)
        for n, p in enumerate(arts):
            server.add(base + p, article_html(f"框架里的第{n}篇", "2024-03-12"), headers=HTML)
        r = crawl("provincial_portal", args={"start_urls": f"{base}/xwzx/index.html"}, proxy=server.proxy)
    assert r.returncode == 0, r.log[-3000:]
    assert sorted(rec["title"] for rec in r.records) == [f"框架里的第{n}篇" for n in range(4)]
    assert r.errors == []
    assert "'lists/iframes_followed': 1" in r.log
