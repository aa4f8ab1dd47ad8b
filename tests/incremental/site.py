"""A small news site on 127.0.0.1 whose pages a test changes between runs.

Served like a TRS provincial portal (`/news/index.html`, articles at
`/news/202403/t20240312_<n>.html`), with real HTTP validators: every article
has an ETag and a Last-Modified, and a request carrying a matching
If-None-Match (or If-Modified-Since not older) gets `304 Not Modified`.
Articles can be slowed down (`delay`) so a crawl can be killed half-way.
Each article's text is its own: sentences drawn from a word list with a seed,
so no two articles are near duplicates unless a test makes them so.
"""

from __future__ import annotations

import hashlib
import json
import os
import random
import subprocess
import sys
import threading
import time
from email.utils import formatdate
from http.server import BaseHTTPRequestHandler
from pathlib import Path

from tests.local_http import LoopbackServer

ROOT = Path(__file__).resolve().parents[2]

WORDS = ("教育 学校 学生 教师 课程 改革 发展 质量 建设 工作 会议 部署 推进 落实 加强 提高 完善 "
         "体系 评价 管理 服务 实践 创新 乡村 城市 中小学 高校 职业 家庭 社会 健康 体育 美育 劳动 "
         "科学 阅读 课后 作业 减负 安全 资源 数字 平台 培训 队伍 师德 招生 考试 资助 保障 督导").split()


def article_text(seed: int, paragraphs: int = 5) -> list[str]:
    rnd = random.Random(seed)
    out = []
    for _ in range(paragraphs):
        sentences = ["".join(rnd.choice(WORDS) for _ in range(rnd.randint(8, 14))) + "。" for _ in range(4)]
        out.append("".join(sentences))
    return out


def article_page(title: str, date: str, paragraphs: list[str], extra_head: str = "") -> bytes:
    body = "".join(f"<p>{p}</p>" for p in paragraphs)
    return f"""<!DOCTYPE html>
<html><head><meta charset="utf-8"><title>{title}--本地教育网</title>{extra_head}</head>
<body>
<div class="nav"><a href="/">首页</a> <a href="/news/index.html">新闻中心</a></div>
<div class="article">
<h1 class="title">{title}</h1>
<div class="info">发布时间：{date} 来源：本地教育厅</div>
<div class="content">{body}</div>
</div>
<div class="footer">版权所有 本地教育网</div>
</body></html>""".encode("utf-8")


def list_page(links: list[tuple[str, str]]) -> bytes:
    items = "".join(f'<li><a href="{href}">{text}</a><span>2024-03-12</span></li>' for href, text in links)
    return f"""<!DOCTYPE html>
<html><head><meta charset="utf-8"><title>新闻中心</title></head>
<body><div class="nav"><a href="/">首页</a></div>
<h2>新闻中心</h2><ul class="list">{items}</ul>
<div class="footer">版权所有 本地教育网</div></body></html>""".encode("utf-8")


class Page:
    def __init__(self, body: bytes, modified: float):
        self.body = body
        self.etag = '"' + hashlib.sha1(body).hexdigest()[:16] + '"'
        self.last_modified = formatdate(modified, usegmt=True)
        self.modified = int(modified)


class LocalSite(LoopbackServer):
    """`articles`: n -> (title, paragraphs). Pages are rebuilt by `publish()`."""

    LIST_PATH = "/news/index.html"

    def __init__(self, validators: bool = True):
        self.validators = validators
        self.pages: dict[str, Page] = {}
        self.articles: dict[int, tuple[str, list[str]]] = {}
        self.delay = 0.0
        self.requests: list[tuple[str, str, int]] = []  # (path, conditional header, status)
        self.lock = threading.Lock()
        self._clock = time.time() - 86400

    @staticmethod
    def article_path(n: int) -> str:
        return f"/news/202403/t20240312_{n}.html"

    def set_article(self, n: int, title: str, paragraphs: list[str]) -> None:
        self.articles[n] = (title, paragraphs)

    def publish(self) -> None:
        """Rebuild the list page and the articles whose content changed."""
        self._clock += 60
        with self.lock:
            links = [(self.article_path(n), title) for n, (title, _) in sorted(self.articles.items())]
            self.pages[self.LIST_PATH] = Page(list_page(links), self._clock)
            for n, (title, paragraphs) in self.articles.items():
                body = article_page(title, "2024-03-12", paragraphs)
                old = self.pages.get(self.article_path(n))
                if old is None or old.body != body:
                    self.pages[self.article_path(n)] = Page(body, self._clock)

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def url(self, path: str) -> str:
        return self.base + path

    def start(self) -> "LocalSite":
        site = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args) -> None:
                pass

            def do_GET(self) -> None:
                path = self.path.split("?")[0]
                with site.lock:
                    page = site.pages.get(path)
                if path.startswith("/news/202") and site.delay:
                    time.sleep(site.delay)
                inm = self.headers.get("If-None-Match")
                ims = self.headers.get("If-Modified-Since")
                status = 200 if page else 404
                if page and site.validators and (inm == page.etag or (inm is None and ims == page.last_modified)):
                    status = 304
                with site.lock:
                    site.requests.append((path, inm or ims or "", status))
                self.send_response(status)
                if page and site.validators:
                    self.send_header("ETag", page.etag)
                    self.send_header("Last-Modified", page.last_modified)
                body = page.body if page and status == 200 else b""
                if status != 304:
                    self.send_header("Content-Type", "text/html; charset=utf-8")
                    self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                if status != 304:
                    self.wfile.write(body)

        self.serve(Handler)
        return self


FAST = {
    "AUTOTHROTTLE_ENABLED": "0",
    "DOWNLOAD_DELAY": "0",
    "RETRY_TIMES": "0",
    "CLEAN_WORKERS": "0",
    "ROBOTSTXT_OBEY": "0",
    "LOG_LEVEL": "INFO",
    "DOWNLOAD_TIMEOUT": "20",
}


def env() -> dict[str, str]:
    out = {k: v for k, v in os.environ.items() if "proxy" not in k.lower()}
    out["PYTHONPATH"] = str(ROOT)
    return out


def crawl_command(spider: str, feed: Path, state_db: Path, args: dict[str, str] | None = None,
                  settings: dict[str, str] | None = None) -> list[str]:
    cmd = [sys.executable, "-m", "scrapy", "crawl", spider, "-o", str(feed)]
    for k, v in (args or {}).items():
        cmd += ["-a", f"{k}={v}"]
    merged = {**FAST, "STATE_ENABLED": "1", "STATE_URI": f"sqlite:///{state_db}", **(settings or {})}
    for k, v in merged.items():
        cmd += ["-s", f"{k}={v}"]
    return cmd


def run(cmd: list[str], timeout: float = 120) -> subprocess.CompletedProcess:
    return subprocess.run(cmd, cwd=ROOT, env=env(), capture_output=True, text=True, timeout=timeout)


def read_jsonl(path: Path) -> list[dict]:
    """Every line must parse: a torn line fails the test."""
    if not path.exists():
        return []
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def summary_of(feed: Path) -> dict:
    path = feed.with_name(feed.name[: -len(".jsonl")] + ".summary.json")
    return json.loads(path.read_text(encoding="utf-8")) if path.exists() else {}
