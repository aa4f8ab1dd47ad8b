"""The hostile web, as data: which fault sits behind which article URL and what
the crawl must make of it. Shared by tests/hostile/ and scripts/hostile_report.py.

Every fault is an article link on one list page served by a FaultServer on
127.0.0.1; the crawl is the real `scrapy crawl provincial_portal` (or generic
for link traps) in a subprocess. Outcome of a URL: a record, an error record
with a stage, or a refusal (error record with stage `refused`).
"""

from __future__ import annotations

import json
import random
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from tests.crawler.conftest import CrawlResult, run_crawl
from tests.crawler.sites import article_html, list_html
from tests.hostile import fault_server as fs

LIST_PATH = "/xwzx/index.html"


def article_path(n: int) -> str:
    return f"/xwzx/202403/t20240312_{n}.html"


@dataclass
class Fault:
    n: int
    kind: str  # what was injected (the report groups by it)
    expect: str  # "record", "error", "refused" or "any" (record or error, never lost)
    stage: str | None = None  # the error record's stage, when expect is "error"
    reason_has: str | None = None
    hits: tuple[int, int] | None = None  # bounds on requests the server saw for the URL

    @property
    def path(self) -> str:
        return article_path(self.n)


@dataclass
class Outcome:
    fault: Fault
    url: str
    records: list[dict]
    errors: list[dict]
    hits: int

    @property
    def result(self) -> str:
        if self.records and not self.errors:
            retried_or_moved = self.hits > 1 or bool(self.records[0].get("redirect_urls"))
            return "recovered" if retried_or_moved else "record"
        if self.errors and not self.records:
            return "refused" if self.errors[0].get("error") == "refused" else "error record"
        return "lost" if not self.records and not self.errors else "duplicated"

    def problems(self) -> list[str]:
        f, out = self.fault, []
        n = len(self.records) + len(self.errors)
        if n == 0:
            out.append("lost: neither record nor error record")
        if n > 1:
            out.append(f"{n} outputs for one URL")
        if f.expect == "record" and not self.records:
            out.append(f"expected a record, got {[(e['error'], e['reason']) for e in self.errors]}")
        if f.expect in ("error", "refused") and not self.errors:
            out.append("expected an error record, got a record")
        if self.errors:
            e = self.errors[0]
            if f.expect == "refused" and e["error"] != "refused":
                out.append(f"expected stage refused, got {e['error']}: {e['reason']}")
            if f.stage and e["error"] != f.stage:
                out.append(f"expected stage {f.stage}, got {e['error']}: {e['reason']}")
            if f.reason_has and f.reason_has not in e["reason"]:
                out.append(f"expected reason with {f.reason_has!r}, got {e['reason']!r}")
            if e["reason"].startswith("unexpected"):
                out.append(f"cleaner crashed: {e['reason']}")
        if f.hits and not f.hits[0] <= self.hits <= f.hits[1]:
            out.append(f"server saw {self.hits} requests, expected {f.hits[0]}..{f.hits[1]}")
        return out


@dataclass
class GroupResult:
    name: str
    crawl: CrawlResult
    outcomes: list[Outcome]
    server: fs.FaultServer
    extra: dict = field(default_factory=dict)

    def problems(self) -> dict[str, list[str]]:
        return {f"{o.fault.kind} ({o.url})": p for o in self.outcomes if (p := o.problems())}


def serve_list(server: fs.FaultServer, faults: list[Fault], extra_links: list[tuple[str, str]] = ()) -> str:
    links = [(f.path, f"文章{f.n}") for f in faults] + list(extra_links)
    return server.route(LIST_PATH, fs.page(list_html("新闻中心", links)))


def good(title: str, n: int = 4) -> fs.Behaviour:
    return fs.page(article_html(title, "2024-03-12", paragraphs=n))


# --- server faults ---------------------------------------------------------------

SERVER_FAULT_SETTINGS = {
    "DOWNLOAD_TIMEOUT": "2", "RETRY_TIMES": "2", "RETRY_BACKOFF_BASE": "0.2", "RETRY_BACKOFF_MAX": "2",
    "DOWNLOAD_MAXSIZE": str(1024 * 1024), "DOWNLOAD_WARNSIZE": "0", "REDIRECT_MAX_TIMES": "10",
    "CONCURRENT_REQUESTS": "32", "CONCURRENT_REQUESTS_PER_DOMAIN": "32", "CLEAN_WORKERS": "0",
}
GZIP_BOMB_SIZE = 200 * 1024 * 1024  # decompressed; about 200 KB on the wire


def server_faults(server: fs.FaultServer, bomb: bytes) -> list[Fault]:
    faults: list[Fault] = []

    def add(n: int, behaviour: fs.Behaviour, fault: Fault) -> None:
        server.route(article_path(n), behaviour)
        faults.append(fault)

    add(1001, good("正常的文章"), Fault(1001, "control", "record", hits=(1, 1)))
    add(1002, fs.storm(2, 503, good("503风暴后恢复"), retry_after="1"),
        Fault(1002, "503 storm + Retry-After", "record", hits=(3, 3)))
    add(1003, fs.storm(2, 502, good("502风暴后恢复")), Fault(1003, "502 storm", "record", hits=(3, 3)))
    add(1004, fs.storm(99, 500, good("x")), Fault(1004, "500 storm (never recovers)", "error", "http",
                                                    "HTTP 500", hits=(3, 3)))
    add(1005, fs.storm(99, 503, good("x"), retry_after="3600"),
        Fault(1005, "503 + Retry-After over the cap", "error", "http", "HTTP 503", hits=(1, 1)))
    add(1006, fs.storm(1, 429, good("429之后恢复"), retry_after="0"),
        Fault(1006, "429 + Retry-After 0", "record", hits=(2, 2)))
    add(1007, fs.stall(30), Fault(1007, "stalled before headers", "error", "fetch", "Timeout", hits=(1, 3)))
    add(1008, fs.trickle(0.5), Fault(1008, "slow body (1 byte / 0.5 s)", "error", "fetch", hits=(1, 3)))
    add(1009, fs.reset_after(), Fault(1009, "connection reset", "error", "fetch", hits=(1, 3)))
    body = article_html("截断的文章", "2024-03-12").encode("utf-8")
    add(1010, fs.truncated(body[:300], len(body)), Fault(1010, "truncated body", "error", "fetch", hits=(1, 3)))
    add(1021, fs.truncated(body[:10], 1425), Fault(1021, "10 of 1,425 declared bytes, then closed", "error", "fetch",
                                                   hits=(1, 3)))
    loop_a, loop_b = article_path(1011), "/loop/b.html"
    add(1011, fs.redirect(loop_b), Fault(1011, "redirect loop", "error", "redirect", "redirect loop"))
    server.route(loop_b, fs.redirect(loop_a))
    add(1012, fs.redirect("/chain/1.html"), Fault(1012, "redirect chain of 15", "error", "fetch",
                                                    "max redirections"))
    for i in range(1, 15):
        server.route(f"/chain/{i}.html", fs.redirect(f"/chain/{i + 1}.html"))
    server.route("/chain/15.html", good("走了很远的文章"))
    add(1013, fs.redirect("/short/1.html", 301), Fault(1013, "redirect chain of 3", "record"))
    server.route("/short/1.html", fs.redirect("/short/2.html", 307))
    server.route("/short/2.html", good("重定向三次的文章"))
    add(1014, fs.page(b""), Fault(1014, "200 empty body", "error", "content", "empty body"))
    rnd = random.Random(7)
    add(1015, fs.page(bytes(rnd.randrange(256) for _ in range(4096))),
        Fault(1015, "200 random binary as text/html", "any"))
    add(1016, fs.page(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<<>>\nendobj\n" * 20),
        Fault(1016, "200 PDF as text/html", "error", "content", "PDF"))
    png = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(200)
    add(1017, fs.page(png), Fault(1017, "200 PNG as text/html", "error", "content", "PNG"))
    add(1018, fs.endless(declare_length=50 * 1024 * 1024),
        Fault(1018, "over size limit (Content-Length)", "error", "fetch", hits=(1, 1)))
    add(1019, fs.endless(declare_length=None),
        Fault(1019, "over size limit (no Content-Length)", "error", "fetch", hits=(1, 1)))
    add(1020, fs.gzip_bomb(bomb), Fault(1020, "gzip bomb", "error", "fetch", "DOWNLOAD_MAXSIZE", hits=(1, 1)))
    return faults


# --- bad content -----------------------------------------------------------------

BAD_CONTENT_SETTINGS = {"CLEAN_WORKERS": "0", "CLEAN_TIMEOUT": "20", "DOWNLOAD_TIMEOUT": "20",
                        "RETRY_TIMES": "0", "CONCURRENT_REQUESTS": "16"}


def bad_content(server: fs.FaultServer, nested: int = 0) -> list[Fault]:
    faults: list[Fault] = []
    text = article_html("内容很乱的文章", "2024-03-12")

    def add(n: int, kind: str, body: bytes, ctype: str = "text/html; charset=utf-8", expect: str = "any") -> None:
        server.route(article_path(n), fs.page(body, 200, {"Content-Type": ctype}))
        faults.append(Fault(n, kind, expect))

    broken = text.replace("</p>", "").replace("<div class=\"content\">", "<div class=content <b><i>")
    add(2001, "malformed HTML", (broken + "<table><tr><td><p>未闭合").encode("utf-8"), expect="record")
    add(2002, "nonsense charset label", text.replace('charset="utf-8"', 'charset="x-klingon-42"').encode("gbk"),
        ctype="text/html; charset=klingon")
    add(2003, "unknown charset (utf-7)", text.encode("utf-8"), ctype="text/html; charset=utf-7")
    half = len(text) // 2
    add(2004, "mixed utf-8 and GBK in one page", text[:half].encode("utf-8") + text[half:].encode("gbk"))
    add(2005, "NUL bytes", text.encode("utf-8").replace(b"</p>", b"\x00\x00</p>\x00"))
    line = article_html("一行十兆的文章", "2024-03-12").replace("\n", " ")
    pad = ("<span>" + "教育" * 40 + "</span>") * (10 * 1024 * 1024 // 250)
    add(2006, "10 MB single-line page", line.replace("</body>", pad + "</body>").encode("utf-8"))
    if nested:
        nest = "<div>" * nested + "<p>深层嵌套的正文。</p>" + "</div>" * nested
        add(2007, f"deeply nested markup ({nested:,} levels)", text.replace("</body>", nest + "</body>").encode("utf-8"))
    add(2008, "only a BOM and whitespace", b"\xef\xbb\xbf   \n\t ", expect="error")
    add(2009, "UTF-16 without BOM labelled utf-8", text.encode("utf-16-le"))
    return faults


# --- running a group ---------------------------------------------------------------

def outcomes_of(crawl: CrawlResult, server: fs.FaultServer, faults: list[Fault]) -> list[Outcome]:
    out = []
    for f in faults:
        url = server.url(f.path)
        out.append(Outcome(f, url, [r for r in crawl.records if r.get("url") == url],
                           [e for e in crawl.errors if e.get("url") == url], server.hits[f.path]))
    return out


def crawl_list(server: fs.FaultServer, tmp: Path, settings: dict[str, str], spider: str = "provincial_portal",
               args: dict[str, str] | None = None, timeout: int = 240) -> CrawlResult:
    args = {"start_urls": server.url(LIST_PATH), **(args or {})}
    settings = {"ADDRESS_ALLOW_HOSTS": server.host, **settings}
    return run_crawl(spider, tmp, args=args, settings=settings, timeout=timeout)


def run_server_faults(tmp: Path) -> GroupResult:
    bomb = fs.gzip_bomb_body(GZIP_BOMB_SIZE)
    with fs.FaultServer() as server:
        faults = server_faults(server, bomb)
        serve_list(server, faults)
        crawl = crawl_list(server, tmp, SERVER_FAULT_SETTINGS)
        return GroupResult("server faults", crawl, outcomes_of(crawl, server, faults), server,
                           {"bomb_bytes": len(bomb)})


def run_bad_content(tmp: Path) -> GroupResult:
    with fs.FaultServer() as server:
        faults = bad_content(server)
        serve_list(server, faults)
        crawl = crawl_list(server, tmp, BAD_CONTENT_SETTINGS)
        return GroupResult("bad content", crawl, outcomes_of(crawl, server, faults), server)


DEEP_NESTING = 50_000  # levels of <div>


def run_deep_nesting(tmp: Path, timeout: int = 30) -> GroupResult:
    """Only the deeply nested page (it is the one that can hang the spider)."""
    with fs.FaultServer() as server:
        faults = [f for f in bad_content(server, nested=DEEP_NESTING) if f.n == 2007]
        serve_list(server, faults)
        crawl = crawl_list(server, tmp, BAD_CONTENT_SETTINGS, timeout=timeout)
        return GroupResult("deep nesting", crawl, outcomes_of(crawl, server, faults), server)


def run_address_guard(tmp: Path, allow_second: bool = False) -> GroupResult:
    """A page on 127.0.0.1 that links, and redirects, to 127.0.0.2 (never allowed
    unless `allow_second`): the second server must see no request at all."""
    with fs.FaultServer("127.0.0.1") as a, fs.FaultServer("127.0.0.2") as b:
        b.route(article_path(3002), good("另一台机器上的文章"))
        b.route(article_path(3003), good("重定向到另一台机器"))
        a.route(article_path(3001), good("允许的文章"))
        a.route(article_path(3003), fs.redirect(b.url(article_path(3003))))
        faults = [Fault(3001, "control", "record"),
                  Fault(3002, "link to 127.0.0.2", "record" if allow_second else "refused"),
                  Fault(3003, "redirect to 127.0.0.2", "record" if allow_second else "refused")]
        a.route(LIST_PATH, fs.page(list_html("新闻中心", [
            (article_path(3001), "允许的文章"),
            (b.url(article_path(3002)), "另一台机器上的文章"),
            (article_path(3003), "重定向到另一台机器"),
        ])))
        args = {"allowed_domains": "127.0.0.1,127.0.0.2"}
        if allow_second:
            args["allow_hosts"] = "127.0.0.2"
        crawl = run_crawl("provincial_portal", tmp, args={"start_urls": a.url(LIST_PATH), **args},
                          settings={"CLEAN_WORKERS": "0", "ADDRESS_ALLOW_HOSTS": "127.0.0.1"}, timeout=120)
        outcomes = []
        for f in faults:
            server = a if f.n == 3001 or f.n == 3003 else b
            url = server.url(f.path)
            outcomes.append(Outcome(f, url, [r for r in crawl.records if r.get("url") == url],
                                    [e for e in crawl.errors if e.get("url") == url], server.hits[f.path]))
        return GroupResult("address guard", crawl, outcomes, a, {"second_hits": sum(b.hits.values())})


def stats_from_log(log: str) -> dict:
    """The stats Scrapy dumps at the end of a crawl ('Dumping Scrapy stats:')."""
    import ast

    marker = "Dumping Scrapy stats:"
    i = log.rfind(marker)
    if i < 0:
        return {}
    text = log[i + len(marker):]
    start = text.find("{")
    depth = 0
    for j, ch in enumerate(text[start:], start):
        depth += ch == "{"
        depth -= ch == "}"
        if depth == 0:
            try:
                return ast.literal_eval(text[start:j + 1].replace("datetime.datetime", "dict"))
            except (ValueError, SyntaxError):
                return _stats_lines(text[start:j + 1])
    return {}


def _stats_lines(text: str) -> dict:
    import re

    return {m.group(1): int(m.group(2)) for m in re.finditer(r"'([^']+)': (\d+)[,}]", text)}


def summary_table(groups: list[GroupResult]) -> tuple[Counter, dict]:
    by_kind: Counter = Counter()
    totals = {"expected": 0, "emitted": 0, "lost": 0, "duplicated": 0}
    for g in groups:
        for o in g.outcomes:
            by_kind[(g.name, o.fault.kind, o.result)] += 1
            totals["expected"] += 1
            totals["emitted"] += len(o.records) + len(o.errors) > 0
            totals["lost"] += len(o.records) + len(o.errors) == 0
            totals["duplicated"] += len(o.records) + len(o.errors) > 1
    return by_kind, totals


def dump(group: GroupResult) -> str:
    return json.dumps({"problems": group.problems(), "errors": group.crawl.errors,
                       "records": [r.get("url") for r in group.crawl.records],
                       "log_tail": group.crawl.log[-3000:]}, ensure_ascii=False, indent=1)


# --- infinite link spaces ------------------------------------------------------------

def _nav(title: str, href: str) -> str:
    return (f'<!DOCTYPE html><html><head><meta charset="utf-8"><title>{title}</title></head><body>'
            f'<h2>{title}</h2><ul><li><a href="{href}">下一页</a></li></ul></body></html>')


def run_traps(tmp: Path, depth_limit: int = 25) -> GroupResult:
    """Calendar pages, session ids in URLs, ever-deeper paths and an endless
    pager, crawled by the generic spider with no depth of its own."""
    import re as _re

    with fs.FaultServer() as server:
        def dynamic(path: str) -> fs.Behaviour | None:
            if m := _re.match(r"/cal/\?month=(\d{4})-(\d{2})$", path):
                y, mth = int(m.group(1)), int(m.group(2)) + 1
                y, mth = (y + 1, 1) if mth > 12 else (y, mth)
                return fs.page(_nav("日历", f"/cal/?month={y:04d}-{mth:02d}"))
            if path.startswith("/sess/"):
                return fs.page(_nav("会话", f"/sess/index.html;jsessionid={random.getrandbits(64):x}"
                                            f"?PHPSESSID={random.getrandbits(32):x}"))
            if path.startswith("/deep/"):
                return fs.page(_nav("越来越深", "x/"))
            if path.startswith("/deeper/"):
                n = path.count("/")
                return fs.page(_nav("更深", f"d{n}/"))
            if m := _re.match(r"/pages/\?page=(\d+)$", path):
                return fs.page(_nav("无尽分页", f"/pages/?page={int(m.group(1)) + 1}"))
            return None

        server.routes = _DynamicRoutes(dynamic)
        from datetime import date

        starts = [f"/cal/?month={date.today().year}-07", "/sess/index.html", "/deep/", "/deeper/", "/pages/?page=1"]
        crawl = run_crawl("generic", tmp, args={"start_urls": ",".join(server.url(s) for s in starts)},
                          settings={"GENERIC_MAX_DEPTH": "100000", "DEPTH_LIMIT": str(depth_limit),
                                    "CLEAN_WORKERS": "0", "ADDRESS_ALLOW_HOSTS": "127.0.0.1",
                                    "CONCURRENT_REQUESTS": "16"}, timeout=180)
        hits = Counter()
        for path, n in server.hits.items():
            hits[path.split("/")[1]] += n
        return GroupResult("link traps", crawl, [], server, {"hits_by_trap": dict(hits),
                                                            "stats": stats_from_log(crawl.log)})


class _DynamicRoutes(dict):
    def __init__(self, make):
        super().__init__()
        self.make = make

    def get(self, path, default=None):
        return self.make(path) or default


# --- kill -9 at random moments -----------------------------------------------------------

def run_kill_loop(tmp: Path, iterations: int = 3, seed: int = 1, max_wait: float = 3.0) -> dict:
    """Crawl a local site with the state store on, SIGKILL the crawl at a random
    moment `iterations` times, then let one run finish. Returns what every feed
    holds: each article must be there exactly once and every line must parse."""
    import os
    import signal
    import subprocess
    import time

    from tests.crawler.conftest import ROOT
    from tests.incremental.site import LocalSite, article_text, crawl_command, env

    articles = range(3001, 3021)

    rnd = random.Random(seed)
    site = LocalSite()
    for n in articles:
        site.set_article(n, f"第{n}号简报", article_text(n))
    site.publish()
    site.delay = 0.2
    state = tmp / "state.db"
    feeds: list[Path] = []
    kills = 0
    with site:
        args = {"start_urls": site.url(site.LIST_PATH)}
        for i in range(iterations):
            feed = tmp / f"run{i}.jsonl"
            feeds.append(feed)
            proc = subprocess.Popen(crawl_command("provincial_portal", feed, state, args=args,
                                                  settings={"CONCURRENT_REQUESTS_PER_DOMAIN": "2"}),
                                    cwd=ROOT, env=env(), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                                    start_new_session=True)
            try:
                time.sleep(rnd.uniform(0.5, max_wait))
                if proc.poll() is None:
                    os.kill(proc.pid, signal.SIGKILL)
                    kills += 1
            finally:
                proc.kill()
                proc.wait(timeout=30)
        site.delay = 0
        final = tmp / "final.jsonl"
        feeds.append(final)
        done = subprocess.run(crawl_command("provincial_portal", final, state, args=args), cwd=ROOT, env=env(),
                              capture_output=True, text=True, timeout=180)
        expected = {site.url(site.article_path(n)) for n in articles}
    torn = 0
    urls: Counter = Counter()
    for feed in feeds:
        if not feed.exists():
            continue
        for line in feed.read_text(encoding="utf-8").splitlines():
            if not line.strip():
                continue
            try:
                urls[json.loads(line)["url"]] += 1
            except (ValueError, KeyError):
                torn += 1
    return {"iterations": iterations, "kills": kills, "final_returncode": done.returncode,
            "expected": len(expected), "emitted": len(set(urls) & expected),
            "lost": len(expected - set(urls)), "duplicated": sum(1 for c in urls.values() if c > 1),
            "torn_lines": torn, "unexpected": len(set(urls) - expected), "log_tail": done.stderr[-2000:]}
