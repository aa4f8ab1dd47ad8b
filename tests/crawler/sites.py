"""Small sites built in the tests: hostile-but-ordinary responses, and a site no
registry entry knows (for the generic spider)."""

from __future__ import annotations

from tests.crawler.fixture_server import FixtureServer

PARA = "教育部近日印发通知，要求各地认真做好义务教育阶段学生作业管理工作，切实减轻学生过重课业负担，促进学生全面发展、健康成长。"
PARA2 = "通知指出，要把作业管理作为落实立德树人根本任务的重要举措，统筹安排作业总量和时间，提高作业设计质量，加强作业完成指导。"


def article_html(title: str, date: str, paragraphs: int = 4, extra: str = "", charset: str = "utf-8") -> str:
    body = "".join(f"<p>{PARA if i % 2 == 0 else PARA2}（{title}第{i + 1}段）</p>" for i in range(paragraphs))
    return f"""<!DOCTYPE html>
<html><head><meta charset="{charset}"><title>{title}--测试教育网</title></head>
<body>
<div class="nav"><a href="/">首页</a> <a href="/xwzx/index.html">新闻中心</a></div>
<div class="article">
<h1 class="title">{title}</h1>
<div class="info">发布时间：{date} 来源：测试教育厅</div>
<div class="content">{body}</div>
{extra}
</div>
<div class="footer">版权所有 测试教育网 ICP备00000000号</div>
</body></html>"""


def list_html(title: str, links: list[tuple[str, str]], pager: str = "") -> str:
    items = "".join(f'<li><a href="{href}">{text}</a><span>2024-03-12</span></li>' for href, text in links)
    return f"""<!DOCTYPE html>
<html><head><meta charset="utf-8"><title>{title}</title></head>
<body><div class="nav"><a href="/">首页</a></div>
<h2>{title}</h2><ul class="list">{items}</ul><div class="pager">{pager}</div>
<div class="footer">版权所有 测试教育网</div></body></html>"""


HTML = {"Content-Type": "text/html; charset=utf-8"}

HOSTILE_BASE = "http://www.hostile-edu.test"
# (path, expected outcome) of the article links on the hostile list page.
HOSTILE_ARTICLES = {
    "/xwzx/202403/t20240312_1001.html": "record",
    "/xwzx/202403/t20240312_1002.html": "http:HTTP 404",
    "/xwzx/202403/t20240312_1003.html": "http:HTTP 500",
    "/xwzx/202403/t20240312_1004.html": "record via redirects",
    "/xwzx/202403/t20240312_1005.html": "content:empty body",
    "/xwzx/202403/t20240312_1006.html": "content:pdf",
    "/xwzx/202403/t20240312_1007.html": "content:png",
    "/xwzx/202403/t20240312_1008.html": "content:png labelled",
    "/xwzx/202403/t20240312_1009.html": "robots:disallowed",
    "/xwzx/202403/t20240312_1010.html": "fetch:redirect off site",
    "/xwzx/202403/t20240312_1011.html": "fetch:too big",
    "/xwzx/202403/t20240312_1012.html": "discover:a list behind an article link",
}


def add_hostile_site(server: FixtureServer, base: str = HOSTILE_BASE) -> list[str]:
    """A provincial-portal-shaped site where most article links fail in ordinary
    ways. Returns its start URLs (a list with links, one with no links, one 404)."""
    links = [(p, f"文章{p[-9:-5]}") for p in HOSTILE_ARTICLES]
    server.add(f"{base}/xwzx/index.html", list_html("新闻中心", links), headers=HTML)
    a = "/xwzx/202403/"
    server.add(f"{base}{a}t20240312_1001.html", article_html("正常的文章", "2024-03-12"), headers=HTML)
    server.add(f"{base}{a}t20240312_1002.html", "<h1>Not Found</h1>", status=404, headers=HTML)
    server.add(f"{base}{a}t20240312_1003.html", "<h1>Internal Server Error</h1>", status=500, headers=HTML)
    server.add(f"{base}{a}t20240312_1004.html", b"", status=301,
               headers={"Location": f"{base}/moved/t20240312_1004.html"})
    server.add(f"{base}/moved/t20240312_1004.html", b"", status=302,
               headers={"Location": f"{base}/final/202403/t20240312_1004.html"})
    server.add(f"{base}/final/202403/t20240312_1004.html", article_html("搬过家的文章", "2024-03-13"),
               headers=HTML)
    server.add(f"{base}{a}t20240312_1005.html", b"", headers=HTML)
    server.add(f"{base}{a}t20240312_1006.html", b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<<>>\nendobj\n",
               headers={"Content-Type": "application/pdf"})
    png = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00\x1f\x15\xc4\x89"
    server.add(f"{base}{a}t20240312_1007.html", png, headers={})
    server.add(f"{base}{a}t20240312_1008.html", png, headers={"Content-Type": "image/png"})
    server.add(f"{base}{a}t20240312_1009.html", article_html("不许抓的文章", "2024-03-14"), headers=HTML)
    server.add(f"{base}/robots.txt", "User-agent: *\nDisallow: /xwzx/202403/t20240312_1009.html\n",
               headers={"Content-Type": "text/plain"})
    server.add(f"{base}{a}t20240312_1010.html", b"", status=302,
               headers={"Location": "http://www.elsewhere.test/t20240312_1010.html"})
    server.add(f"{base}{a}t20240312_1011.html", article_html("很大的页面", "2024-03-15", paragraphs=3000),
               headers=HTML)
    server.add(f"{base}{a}t20240312_1012.html", list_html("专题列表", [
        (f"/zt/202403/t20240301_{n}.html", f"专题文章{n}") for n in range(900, 910)]), headers=HTML)
    server.add(f"{base}/empty/index.html", list_html("空栏目", []), headers=HTML)
    return [f"{base}/xwzx/index.html", f"{base}/empty/index.html", f"{base}/gone/index.html"]


# --- a site no registry knows, for the generic spider (served directly) --------

UNSEEN_BASE = "http://unseen-school.test"
UNSEEN_ARTICLES = {
    "/news/2024/0312/c45a1001/page.htm": "学校召开新学期工作会议",
    "/news/story-spring-sports.html": "春季运动会圆满落幕",
    "/news/2024/0315/c45a1003/page.htm": "分两页的长篇报道",
}


def add_unseen_site(server: FixtureServer, base: str = UNSEEN_BASE) -> list[str]:
    """Home -> news list (2 pages) and an about page; three articles, one split
    over two pages. Article URLs are partly shapeless (story-spring-sports.html)."""
    server.add(f"{base}/", f"""<!DOCTYPE html><html><head><meta charset="utf-8"><title>某某学校</title></head>
<body><div class="nav"><a href="/">首页</a> <a href="/news/">新闻动态</a> <a href="/about.html">学校概况</a>
<a href="/files/plan.pdf">下载</a> <a href="http://elsewhere.test/">友情链接</a></div>
<ul><li><a href="/news/2024/0312/c45a1001/page.htm">学校召开新学期工作会议</a></li></ul>
</body></html>""", headers=HTML)
    server.add(f"{base}/about.html", """<!DOCTYPE html><html><head><meta charset="utf-8"><title>学校概况</title></head>
<body><div class="nav"><a href="/">首页</a> <a href="/news/">新闻动态</a></div>
<div>学校创建于1950年。</div></body></html>""", headers=HTML)
    server.add(f"{base}/news/", list_html("新闻动态", [
        ("/news/2024/0312/c45a1001/page.htm", "学校召开新学期工作会议"),
        ("/news/story-spring-sports.html", "春季运动会圆满落幕"),
    ], pager='<a href="/news/list2.html">下一页</a>'), headers=HTML)
    server.add(f"{base}/news/list2.html", list_html("新闻动态", [
        ("/news/2024/0315/c45a1003/page.htm", "分两页的长篇报道"),
        ("/news/story-spring-sports.html", "春季运动会圆满落幕"),
    ], pager='<a href="/news/">上一页</a>'), headers=HTML)
    server.add(f"{base}/news/2024/0312/c45a1001/page.htm",
               article_html("学校召开新学期工作会议", "2024-03-12"), headers=HTML)
    server.add(f"{base}/news/story-spring-sports.html",
               article_html("春季运动会圆满落幕", "2024-04-02", paragraphs=5), headers=HTML)
    pager = '<div class="pages"><a href="page.htm">1</a> <a href="page_2.htm">2</a> <a href="page_2.htm">下一页</a></div>'
    server.add(f"{base}/news/2024/0315/c45a1003/page.htm",
               article_html("分两页的长篇报道", "2024-03-15", paragraphs=3, extra=pager), headers=HTML)
    pager2 = '<div class="pages"><a href="page.htm">1</a> <a href="page_2.htm">2</a> <a href="page.htm">上一页</a></div>'
    server.add(f"{base}/news/2024/0315/c45a1003/page_2.htm",
               article_html("分两页的长篇报道", "2024-03-15", paragraphs=2, extra=pager2).replace(
                   "第1段", "续第1段").replace("第2段", "续第2段"), headers=HTML)
    return [f"{base}/"]
