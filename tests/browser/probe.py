"""A rendered article that tries every way a page can make Chromium open a
connection, against two sinks that count what reaches them: one on a second
loopback address (127.0.0.2), one on another port of the start host. Shared by
tests/browser/test_browser_network.py and scripts/hostile_report.py.

The attacks: sub-resources, frames, forms, pings, beacons, fetch, XHR,
EventSource, WebSocket, workers, a service worker, a popup (with requests of its
own), favicon, preconnect/prefetch/preload, WebRTC (STUN over UDP, TURN over TCP
and UDP), WebTransport, a meta refresh.
"""

from __future__ import annotations

import html
import json
import threading
from http.server import BaseHTTPRequestHandler
from pathlib import Path

from tests.browser.conftest import run_crawl
from tests.browser.sink import Sink
from tests.crawler.sites import PARA, PARA2
from tests.hostile.scenarios import stats_from_log
from tests.local_http import LoopbackServer

ARTICLE = "/xwzx/202403/t20240312_1.html"
TITLE = "关于做好2024年春季学期开学工作的通知"


def head_attacks(t: str) -> str:
    return f"""<link rel="icon" href="{t}/favicon.ico"><link rel="apple-touch-icon" href="{t}/touch.png">
<link rel="preconnect" href="{t}"><link rel="dns-prefetch" href="{t}">
<link rel="prefetch" href="{t}/prefetch"><link rel="preload" href="{t}/preload" as="fetch" crossorigin>
<link rel="modulepreload" href="{t}/modulepreload.js"><link rel="stylesheet" href="{t}/style.css">
<link rel="manifest" href="{t}/manifest.json">
<style>@import url("{t}/import.css"); .bg {{ background-image: url("{t}/bg.png"); }}
@font-face {{ font-family: sinkfont; src: url("{t}/font.woff"); }} .f {{ font-family: sinkfont; }}</style>"""


def body_attacks(t: str) -> str:
    refresh = html.escape(f'<meta http-equiv="refresh" content="0;url={t}/refresh">')
    return f"""<div class="bg f">.</div><img src="{t}/img.png" alt=""><img srcset="{t}/srcset.png 1x" alt="">
<picture><source srcset="{t}/source.png"><img alt=""></picture>
<script async src="{t}/script.js"></script><iframe src="{t}/iframe"></iframe>
<iframe srcdoc="{refresh}"></iframe><object data="{t}/object"></object><embed src="{t}/embed">
<video src="{t}/video" poster="{t}/poster.png"></video><audio src="{t}/audio" preload="auto"></audio>
<input type="image" src="{t}/input.png" alt="">
<a class="ping" href="#done" ping="{t}/ping">.</a>
<form class="post" action="{t}/form" method="post" target="formframe"><input name="a" value="b"></form>
<iframe name="formframe"></iframe>"""


def script_attacks(t: str) -> str:
    """JavaScript that tries the target `t` (http://host:port) every scripted way."""
    host_port = t.split("//", 1)[1]
    ws = "ws://" + host_port
    worker = json.dumps(f"fetch('{t}/worker').catch(function(){{}}); try {{ new WebSocket('{ws}/worker-ws'); }} catch (e) {{}}")
    return f"""(function () {{
  var T = {json.dumps(t)}, W = {json.dumps(ws)}, HP = {json.dumps(host_port)};
  function tryit(f) {{ try {{ var p = f(); if (p && p.catch) p.catch(function () {{}}); }} catch (e) {{}} }}
  tryit(function () {{ return fetch(T + "/fetch"); }});
  tryit(function () {{ return fetch(T + "/no-cors", {{mode: "no-cors"}}); }});
  tryit(function () {{ var x = new XMLHttpRequest(); x.open("GET", T + "/xhr"); x.send(); }});
  tryit(function () {{ navigator.sendBeacon(T + "/beacon", "x"); }});
  tryit(function () {{ new EventSource(T + "/events"); }});
  tryit(function () {{ new WebSocket(W + "/ws"); }});
  tryit(function () {{ new WebSocket("wss://" + HP + "/wss"); }});
  tryit(function () {{ window.open(T + "/popup"); }});
  tryit(function () {{ var i = new Image(); i.src = T + "/image"; }});
  tryit(function () {{ return import(T + "/module.js"); }});
  var blob = URL.createObjectURL(new Blob([{worker}], {{type: "text/javascript"}}));
  tryit(function () {{ new Worker(blob); }});
  tryit(function () {{ new SharedWorker(blob); }});
  tryit(function () {{ new WebTransport("https://" + HP + "/wt"); }});
  tryit(function () {{
    var pc = new RTCPeerConnection({{iceServers: [{{urls: "stun:" + HP}},
      {{urls: "turn:" + HP + "?transport=tcp", username: "u", credential: "p"}},
      {{urls: "turn:" + HP + "?transport=udp", username: "u", credential: "p"}}]}});
    pc.createDataChannel("x");
    return pc.createOffer().then(function (o) {{ return pc.setLocalDescription(o); }});
  }});
  tryit(function () {{ var l = document.createElement("link"); l.rel = "prefetch"; l.href = T + "/prefetch2";
                        document.head.appendChild(l); }});
}})();"""


def page(targets: list[str]) -> str:
    paragraphs = "".join(f"<p>{PARA if i % 2 == 0 else PARA2}（第{i + 1}段）</p>" for i in range(4))
    scripts = "\n".join(script_attacks(t) for t in targets)
    return f"""<!DOCTYPE html>
<html><head><meta charset="utf-8"><title>{TITLE}--测试教育网</title>
{''.join(head_attacks(t) for t in targets)}</head>
<body><div class="article"><h1 class="title">{TITLE}</h1>
<div class="info">发布时间：2024-03-12 来源：测试教育厅</div>
<div class="content">{paragraphs}</div></div>
{''.join(body_attacks(t) for t in targets)}
<script>
{scripts}
tryOwn();
function tryOwn() {{
  fetch("/own.json").catch(function () {{}});
  try {{ navigator.serviceWorker.register("/sw.js").catch(function () {{}}); }} catch (e) {{}}
  try {{ window.open("/popup.html"); }} catch (e) {{}}
  document.querySelectorAll("a.ping").forEach(function (a) {{ a.click(); }});
  document.querySelectorAll("form.post").forEach(function (f) {{ f.submit(); }});
}}
</script></body></html>"""


def popup(targets: list[str]) -> str:
    """A popup on the allowed origin, whose own requests go to the sinks."""
    scripts = "\n".join(script_attacks(t) for t in targets)
    return f"""<!DOCTYPE html><html><head><meta charset="utf-8"><title>popup</title>
{''.join(head_attacks(t) for t in targets)}</head><body><p>popup</p>{''.join(body_attacks(t) for t in targets)}
<script>{scripts}</script></body></html>"""


def service_worker(targets: list[str]) -> str:
    return "".join(f"fetch('{t}/sw').catch(function () {{}});\n" for t in targets)


class ProbeSite(LoopbackServer):
    """The start URL's origin: the attacking article, its popup and service worker."""

    def __init__(self, targets: list[str]) -> None:
        self.targets = targets
        self.requests: list[str] = []
        self._lock = threading.Lock()

    def start(self) -> ProbeSite:
        site = self
        routes = {
            ARTICLE: ("text/html; charset=utf-8", page(self.targets)),
            "/popup.html": ("text/html; charset=utf-8", popup(self.targets)),
            "/sw.js": ("application/javascript", service_worker(self.targets)),
            "/own.json": ("application/json", "{}"),
            "/robots.txt": ("text/plain", "User-agent: *\nAllow: /\n"),
        }

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.0"

            def log_message(self, *args) -> None:
                pass

            def do_GET(self) -> None:
                path = self.path.split("?", 1)[0]
                with site._lock:
                    site.requests.append(path)
                ctype, body = routes.get(path, ("text/html", "<h1>404</h1>"))
                data = body.encode("utf-8")
                self.send_response(200 if path in routes else 404)
                self.send_header("Content-Type", ctype)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            do_POST = do_GET

        self.serve(Handler)
        return self

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"



def run_browser_probe(tmp: Path) -> dict:
    with Sink("127.0.0.2") as other_host, Sink("127.0.0.1") as other_port:
        with ProbeSite([other_host.base, other_port.base]) as site:
            crawl = run_crawl(tmp, "generic", {"start_urls": site.base + ARTICLE, "render": "true"},
                              {"BROWSER_SETTLE_TIMEOUT": "3", "BROWSER_PAGE_TIMEOUT": "20"})
    return {"crawl": crawl, "site": site, "other_host": other_host, "other_port": other_port,
            "stats": stats_from_log(crawl.log)}
