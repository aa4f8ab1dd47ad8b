"""A local site on 127.0.0.1 built from the gxxk_party fixture, three ways:

- /static/...  the saved list layout and the saved article bytes, as served;
- /js/...      the same pages, but the list's links are built by a script and
               the article body is fetched and inserted by a script after load
               (the rest of the page is there: not an empty shell);
- /shell/...   empty script shells: the whole <body> is built by a script, so
               the crawler has to notice by itself that they need a browser.

Plus /js/info/1012/9999.htm, an article whose script never arrives (the server
holds /never.js open), so the page never finishes loading.

The server records every path asked for; `release()` lets held requests go.
"""

from __future__ import annotations

import json
import re
import threading
from http.server import BaseHTTPRequestHandler
from pathlib import Path

from tests.local_http import LoopbackServer

ROOT = Path(__file__).resolve().parents[2]
PAGES = ROOT / "fixtures" / "sites" / "gxxk_party" / "pages"
# (article id, link text) of the fixture articles used.
ARTICLES = (("2345", "【转载学习】2025年全区教育工作会议召开"), ("2305", "学校举办2024年第二期发展对象培训班"))
HANG_ID = "9999"
HOLD_SECONDS = 60  # upper bound on how long a held request is kept open
HTML = "text/html; charset=utf-8"

_CONTENT = re.compile(r'(<div class="v_news_content">)(.*?)(</div>\s*</div>\s*<div id="div_vote_id">)', re.S)


def article_bytes(article_id: str) -> bytes:
    return (PAGES / f"info_1012_{article_id}.htm").read_bytes()


def static_list(prefix: str) -> str:
    items = "".join(
        f'<li id="line_u8_{i}"><a href="{prefix}/info/1012/{aid}.htm" title="{title}">{title}</a>'
        f"<span>2025-02-21</span></li>" for i, (aid, title) in enumerate(ARTICLES))
    return f"""<!DOCTYPE html><html><head><meta charset="utf-8"><title>工作动态-党委组织部</title></head>
<body><div class="nav"><a href="{prefix}/index.htm">部门首页</a></div>
<div class="list"><ul>{items}</ul></div>
<div class="footer">版权所有 党委组织部</div></body></html>"""


def script_list(prefix: str, extra: tuple[tuple[str, str], ...] = ()) -> str:
    items = [[f"{prefix}/info/1012/{aid}.htm", title] for aid, title in (*ARTICLES, *extra)]
    return f"""<!DOCTYPE html><html><head><meta charset="utf-8"><title>工作动态-党委组织部</title></head>
<body><div class="nav"><a href="{prefix}/index.htm">部门首页</a></div>
<div class="list"><ul id="list"></ul></div>
<script>
var items = {json.dumps(items, ensure_ascii=False)};
window.addEventListener("load", function () {{
  items.forEach(function (item, i) {{
    var li = document.createElement("li"), a = document.createElement("a");
    li.id = "line_u8_" + i; a.href = item[0]; a.title = item[1]; a.textContent = item[1];
    li.appendChild(a); document.getElementById("list").appendChild(li);
  }});
}});
</script></body></html>"""


def script_article(article_id: str, data_url: str, refused_script: str) -> bytes:
    """The saved article with its body emptied; a script fetches it after load."""
    html = article_bytes(article_id).decode("utf-8")
    loader = f"""<script src="{refused_script}"></script>
<script>
window.addEventListener("load", function () {{
  setTimeout(function () {{
    fetch("{data_url}").then(function (r) {{ return r.json(); }}).then(function (d) {{
      document.querySelector(".v_news_content").innerHTML = d.html;
    }});
  }}, 100);
}});
</script></body>"""
    emptied, n = _CONTENT.subn(r"\1\3", html)
    assert n == 1, "fixture layout changed: no v_news_content"
    return emptied.replace("</body>", loader, 1).encode("utf-8")


def article_content(article_id: str) -> str:
    m = _CONTENT.search(article_bytes(article_id).decode("utf-8"))
    assert m
    return m.group(2)


def shell_article(article_id: str, data_url: str) -> bytes:
    """Head as saved, an empty <body>: the whole body arrives by script."""
    html = article_bytes(article_id).decode("utf-8")
    head = html[: html.index("<body>")]
    return (head + f"""<body><div id="app"></div>
<script>
fetch("{data_url}").then(function (r) {{ return r.json(); }}).then(function (d) {{
  document.body.innerHTML = d.html;
}});
</script></body></html>""").encode("utf-8")


def body_of(article_id: str) -> str:
    html = article_bytes(article_id).decode("utf-8")
    return html[html.index("<body>") + len("<body>"): html.rindex("</body>")]


def shell_list(prefix: str) -> str:
    body = static_list(prefix)
    inner = body[body.index("<body>") + len("<body>"): body.rindex("</body>")]
    return f"""<!DOCTYPE html><html><head><meta charset="utf-8"><title>工作动态-党委组织部</title></head>
<body><div id="app"></div><noscript>请启用JavaScript以浏览本站</noscript>
<script>
document.addEventListener("DOMContentLoaded", function () {{
  document.getElementById("app").innerHTML = {json.dumps(inner, ensure_ascii=False)};
}});
</script></body></html>"""


class LocalSite(LoopbackServer):
    def __init__(self) -> None:
        self.routes: dict[str, tuple[int, str, bytes]] = {}
        self.requests: list[str] = []
        self.held = {"/never.js"}
        self._release = threading.Event()

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"


    def add(self, path: str, body: bytes | str, content_type: str = HTML, status: int = 200) -> None:
        self.routes[path] = (status, content_type, body.encode("utf-8") if isinstance(body, str) else body)

    def build(self) -> None:
        """All pages; needs the port (absolute URLs to `localhost` for the refused script)."""
        refused = f"http://localhost:{self.port}/evil.js"
        self.add("/robots.txt", "User-agent: *\nAllow: /\n", "text/plain")
        self.add("/static/zzgz/gzdt.htm", static_list("/static"))
        self.add("/js/zzgz/gzdt.htm", script_list("/js", ((HANG_ID, "永远加载不完的文章"),)))
        self.add("/shell/zzgz/gzdt.htm", shell_list("/shell"))
        for aid, _ in ARTICLES:
            self.add(f"/static/info/1012/{aid}.htm", article_bytes(aid))
            self.add(f"/js/info/1012/{aid}.htm", script_article(aid, f"/js/data/{aid}.json", refused))
            self.add(f"/js/data/{aid}.json", json.dumps({"html": article_content(aid)}), "application/json")
            self.add(f"/shell/info/1012/{aid}.htm", shell_article(aid, f"/shell/data/{aid}.json"))
            self.add(f"/shell/data/{aid}.json", json.dumps({"html": body_of(aid)}), "application/json")
        self.add(f"/js/info/1012/{HANG_ID}.htm", """<!DOCTYPE html><html><head><meta charset="utf-8">
<title>永远加载不完的文章</title></head><body><div class="v_news_content"></div>
<script src="/never.js"></script></body></html>""")
        self.add("/evil.js", "document.body.innerHTML = '<p>被注入的内容</p>';", "application/javascript")

    def start(self) -> LocalSite:
        site = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.0"

            def log_message(self, *args) -> None:
                pass

            def do_GET(self) -> None:
                path = self.path.split("?", 1)[0]
                site.requests.append(path)
                if path in site.held:
                    site._release.wait(HOLD_SECONDS)  # never answers while the test runs
                    return
                status, ctype, body = site.routes.get(path, (404, HTML, b"<h1>404</h1>"))
                try:
                    self.send_response(status)
                    self.send_header("Content-Type", ctype)
                    self.send_header("Content-Length", str(len(body)))
                    self.end_headers()
                    self.wfile.write(body)
                except (BrokenPipeError, ConnectionResetError):
                    pass

        self.serve(Handler)
        self.build()
        return self

    def release(self) -> None:
        self._release.set()

    def stop(self) -> None:
        self.release()
        super().stop()

