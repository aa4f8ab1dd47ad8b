"""A generated news site of any size on 127.0.0.1, built from the fixtures' real pages.

The site has the shape of a provincial portal (TRS WCM): list pages
`/gzdt/index.html`, `/gzdt/index_1.html`... with PER_LIST article links each
and a pager, articles at `/gzdt/<yyyymm>/t<yyyymmdd>_<n>.html`. Each article is
one of the fixtures' saved article pages (GB2312/GBK portals and ASP CMS pages,
UTF-8 university pages), with its title numbered and its paragraphs rotated
and numbered, so that every article has its own text and content hash and is
served in its template's encoding and headers. Pages are made on request
(deterministic from the article number), so a 20,000-page site costs no memory.

    with serve(GeneratedSite(3000)) as base:
        ...  # crawl base + "/gzdt/index.html" with the provincial_portal spider

`python -m benchmarks.generated_site --articles 500` serves one until Ctrl-C.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import re
import threading
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, timedelta
from functools import cached_property
from pathlib import Path
from typing import Iterator

ROOT = Path(__file__).resolve().parents[1]
FIXTURES = ROOT / "fixtures" / "sites"
TEMPLATE_SITES = ("sdjky", "chce", "gxxk_party")
PER_LIST = 20
FIRST_DAY = date(2021, 1, 4)

_P = re.compile(rb"(<p\b[^>]*>)(.*?)(</p>)", re.S | re.I)
_TITLE = re.compile(rb"(<title>)(.*?)(</title>)", re.S | re.I)


@dataclass
class Template:
    name: str
    headers: dict[str, str]
    charset: str  # what the bytes really are
    body: bytes


def _charset(headers: dict[str, str], body: bytes) -> str:
    declared = ""
    m = re.search(r"charset=([\w-]+)", headers.get("Content-Type", ""), re.I)
    if m:
        declared = m.group(1)
    else:
        m = re.search(rb"charset=[\"']?([\w-]+)", body[:2048], re.I)
        declared = m.group(1).decode() if m else "utf-8"
    declared = declared.lower()
    return "gb18030" if declared in ("gb2312", "gbk", "gb18030", "cp936") else declared


def load_templates() -> list[Template]:
    """The fixtures' article pages (not list pages, not pages of split articles)."""
    out = []
    for site in TEMPLATE_SITES:
        index = json.loads((FIXTURES / site / "index.json").read_text(encoding="utf-8"))
        for entry in index["responses"]:
            url, headers = entry["url"], entry["headers"]
            if entry["status"] != 200 or "html" not in headers.get("Content-Type", ""):
                continue
            if url in index["start_urls"] or re.search(r"index|ShowClass|gzdt(/\d+)?\.htm$|_\d+_\d+\.html$", url):
                continue
            body = (FIXTURES / site / entry["body"]).read_bytes()
            if len(_P.findall(body)) < 2 or re.search(rb"_\d+_1\.html", body):
                continue  # too little text, or the first page of a split article
            out.append(Template(site, {k: v for k, v in headers.items() if k.lower() in
                                       ("content-type", "server")}, _charset(headers, body), body))
    if not out:
        raise RuntimeError(f"no article templates under {FIXTURES}")
    return out


class GeneratedSite:
    def __init__(self, articles: int, per_list: int = PER_LIST, cache: bool = False):
        self.articles = articles
        self.per_list = per_list
        # Pages made once and kept: the server then costs the machine (whose
        # cores the crawler being measured shares) next to nothing per request.
        self._cache: dict[str, tuple[int, dict[str, str], bytes]] | None = {} if cache else None

    def prepare(self) -> None:
        """Make every page now (with `cache`), so no measured run pays for it."""
        for k in range(self.list_pages):
            self.response(self.list_path(k))
        for path in self.article_paths():
            self.response(path)

    @cached_property
    def templates(self) -> list[Template]:
        return load_templates()

    @property
    def list_pages(self) -> int:
        return max(1, -(-self.articles // self.per_list))

    def article_path(self, n: int) -> str:
        day = FIRST_DAY + timedelta(days=n % 700)
        return f"/gzdt/{day:%Y%m}/t{day:%Y%m%d}_{n}.html"

    def list_path(self, k: int) -> str:
        return "/gzdt/index.html" if k == 0 else f"/gzdt/index_{k}.html"

    def article_paths(self) -> list[str]:
        return [self.article_path(n) for n in range(self.articles)]

    # --- pages --------------------------------------------------------------------

    def response(self, path: str) -> tuple[int, dict[str, str], bytes]:
        if self._cache is not None:
            if path not in self._cache:
                self._cache[path] = self._make(path)
            return self._cache[path]
        return self._make(path)

    def _make(self, path: str) -> tuple[int, dict[str, str], bytes]:
        m = re.fullmatch(r"/gzdt/index(?:_(\d+))?\.html", path)
        if m:
            k = int(m.group(1) or 0)
            if k < self.list_pages:
                return 200, {"Content-Type": "text/html; charset=utf-8"}, self.list_page(k)
        m = re.fullmatch(r"/gzdt/\d{6}/t\d{8}_(\d+)\.html", path)
        if m:
            n = int(m.group(1))
            if n < self.articles and path == self.article_path(n):
                return self.article_page(n)
        return 404, {"Content-Type": "text/html"}, b"<html><body>not found</body></html>"

    def list_page(self, k: int) -> bytes:
        first = k * self.per_list
        items = "".join(
            f'<li><a href="{self.article_path(n)}" target="_blank">教育工作动态第{n}号</a>'
            f"<span>{FIRST_DAY + timedelta(days=n % 700):%Y-%m-%d}</span></li>"
            for n in range(first, min(first + self.per_list, self.articles)))
        pager = [f'<a href="{self.list_path(0)}">首页</a>']
        if k + 1 < self.list_pages:
            pager.append(f'<a href="{self.list_path(k + 1)}">下一页</a>')
        pager += [f'<a href="{self.list_path(j)}">{j + 1}</a>'
                  for j in range(k + 1, min(k + 6, self.list_pages))]
        pager.append(f'<a href="{self.list_path(self.list_pages - 1)}">尾页</a>')
        return (f"""<!DOCTYPE html><html><head><meta charset="utf-8"><title>工作动态</title></head>
<body><div class="nav"><a href="/">首页</a> <a href="/gzdt/index.html">工作动态</a></div>
<h2>工作动态</h2><ul class="list">{items}</ul><div class="pager">{" ".join(pager)}</div>
<div class="footer">版权所有 测试教育网</div></body></html>""").encode("utf-8")

    def article_page(self, n: int) -> tuple[int, dict[str, str], bytes]:
        t = self.templates[n % len(self.templates)]
        enc = t.charset
        tag = f"（第{n}号）".encode(enc)
        paras = _P.findall(t.body)
        shift = n % len(paras)
        rotated = paras[shift:] + paras[:shift]
        it = iter(rotated)

        def para(m: re.Match) -> bytes:
            open_, text, close = next(it)
            return open_ + text + (tag if len(text) > 40 else b"") + close

        body = _P.sub(para, t.body)
        body = _TITLE.sub(lambda m: m.group(1) + tag + m.group(2) + m.group(3), body, count=1)
        return 200, dict(t.headers), body


# --- a small asyncio HTTP/1.1 server (keep-alive, GET/HEAD only) -------------------------

async def _handle(site: GeneratedSite, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    try:
        while True:
            head = await reader.readuntil(b"\r\n\r\n")
            line = head.split(b"\r\n", 1)[0].decode("latin-1")
            method, target, _ = (line.split(" ") + ["", ""])[:3]
            path = target.split("?", 1)[0]
            if path.startswith("http://"):
                path = "/" + path.split("/", 3)[-1]
            status, headers, body = site.response(path)
            close = b"connection: close" in head.lower()
            out = [f"HTTP/1.1 {status} {'OK' if status == 200 else 'Not Found'}"]
            out += [f"{k}: {v}" for k, v in headers.items()]
            out += [f"Content-Length: {len(body)}", "Connection: " + ("close" if close else "keep-alive"), "", ""]
            writer.write("\r\n".join(out).encode("latin-1") + (b"" if method == "HEAD" else body))
            await writer.drain()
            if close:
                break
    except (asyncio.IncompleteReadError, ConnectionError, asyncio.LimitOverrunError):
        pass
    finally:
        writer.close()


@contextmanager
def serve(site: GeneratedSite, host: str = "127.0.0.1", port: int = 0) -> Iterator[str]:
    """Serve `site` from a thread; yields the base URL."""
    loop = asyncio.new_event_loop()
    ready = threading.Event()
    holder: dict = {}

    async def start() -> None:
        server = await asyncio.start_server(lambda r, w: _handle(site, r, w), host, port)
        holder["server"] = server
        holder["port"] = server.sockets[0].getsockname()[1]
        ready.set()

    def run() -> None:
        asyncio.set_event_loop(loop)
        loop.run_until_complete(start())
        loop.run_forever()

    thread = threading.Thread(target=run, daemon=True, name="generated-site")
    thread.start()
    if not ready.wait(10):
        raise RuntimeError("generated site did not start")
    try:
        yield f"http://{host}:{holder['port']}"
    finally:
        async def stop() -> None:
            holder["server"].close()
        asyncio.run_coroutine_threadsafe(stop(), loop).result(5)
        loop.call_soon_threadsafe(loop.stop)
        thread.join(5)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--articles", type=int, default=500)
    ap.add_argument("--port", type=int, default=8800)
    args = ap.parse_args()
    with serve(GeneratedSite(args.articles), port=args.port) as base:
        print(f"serving {args.articles} articles at {base}/gzdt/index.html (Ctrl-C stops)", flush=True)
        try:
            threading.Event().wait()
        except KeyboardInterrupt:
            pass


if __name__ == "__main__":
    main()
