"""Data loss in scheduled crawls, as runnable scenarios: two runs at once on one
state store, and the cleaning workers of a crawler killed with SIGKILL.
Shared by the tests (tests/incremental/test_concurrent_runs.py,
tests/test_cleaning_pool.py) and scripts/hostile_report.py.
"""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

from crawler.run_all import RUN_ALL_OUTPUT  # noqa: F401  (the shipped file name, for callers)
from tests.incremental.site import FAST, ROOT, LocalSite, article_text, env, read_jsonl, run

REFUSED = "being written by another run"
PER_SECOND = "output/%(name)s/%(time)s-%(site_arg)s.jsonl"  # the file name of one run per second


# --- two runs at once on one state store -----------------------------------------------

def registry(site: LocalSite, tmp: Path) -> Path:
    path = tmp / "sites.toml"
    path.write_text(f"""[sites.local]
site_name = "本地教育网"
site_type = "provincial_portal"
start_urls = ["{site.url(site.LIST_PATH)}"]
allowed_domains = ["127.0.0.1"]
""", encoding="utf-8")
    return path


def run_all_command(site: LocalSite, tmp: Path, output: str) -> list[str]:
    cmd = [sys.executable, "-m", "crawler.run_all", "--site", "local",
           "-s", f"SITES_REGISTRY={registry(site, tmp)}", "-s", f"STATE_URI=sqlite:///{tmp / 'state.db'}",
           "-s", f"CRAWLER_OUTPUT={output}", "-s", "STATE_ENABLED=1"]
    for k, v in FAST.items():
        cmd += ["-s", f"{k}={v}"]
    return cmd


def start_together(cmds: list[list[str]], timeout: float = 240) -> list[subprocess.CompletedProcess]:
    procs = [subprocess.Popen(c, cwd=ROOT, env=env(), stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
             for c in cmds]
    out = []
    for p in procs:
        _, err = p.communicate(timeout=timeout)
        out.append(subprocess.CompletedProcess(p.args, p.returncode, "", err))
    return out


def feeds_under(folder: Path) -> list[Path]:
    return [p for p in folder.rglob("*.jsonl") if not p.name.endswith(".errors.jsonl")]


def emitted_in_store(db: Path) -> set[str]:
    with sqlite3.connect(db) as conn:
        return {row[0] for row in conn.execute("SELECT id FROM articles")}


def run_two_at_once(tmp: Path, template: str, articles: int = 30) -> dict:
    """Two `python -m crawler.run_all` started together on one SQLite store
    (feed names from `template`), then a third after them. Every article must be
    in one feed exactly once, and the store may count as emitted only what a
    feed holds."""
    site = LocalSite()
    numbers = range(4001, 4001 + articles)
    for n in numbers:
        site.set_article(n, f"第{n}号通知", article_text(n))
    site.publish()
    out = tmp / "out"
    output = template.replace("output/", f"{out}/", 1)
    with site:
        first, second = start_together([run_all_command(site, tmp, output)] * 2)
        records = [r for f in feeds_under(out) for r in read_jsonl(f)]
        third = run(run_all_command(site, tmp, output), timeout=240)
        expected = {site.url(site.article_path(n)) for n in numbers}
    after = [r for f in feeds_under(out) for r in read_jsonl(f)]
    urls = Counter(r["url"] for r in records)
    return {
        "returncodes": [first.returncode, second.returncode],
        "refused": sum(REFUSED in p.stderr and p.returncode == 1 for p in (first, second)),
        "expected": len(expected),
        "emitted": len(set(urls) & expected),
        "lost": len(expected - set(urls)),
        "duplicated": sum(1 for c in urls.values() if c > 1),
        "in_store_not_in_feed": len(emitted_in_store(tmp / "state.db") - {r["id"] for r in records}),
        "third_returncode": third.returncode,
        "third_emitted": len(after) - len(records),
        "stderr": [first.stderr[-3000:], second.stderr[-3000:], third.stderr[-3000:]],
    }


# --- cleaning workers of a killed crawler ----------------------------------------------

def session_processes(sid: int) -> list[int]:
    """Live (non-zombie) processes of a session, from /proc."""
    found = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            stat = Path(f"/proc/{entry}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(stat[3]) == sid and stat[0] != "Z":
            found.append(int(entry))
    return found


def wait_until_gone(sid: int, seconds: float) -> list[int]:
    deadline = time.monotonic() + seconds
    while session_processes(sid) and time.monotonic() < deadline:
        time.sleep(0.1)
    return session_processes(sid)


def start_pool_crawl(base: str, feed: Path, log_path: Path) -> subprocess.Popen:
    """`scrapy crawl` with a 2-worker pool in its own session; returns once 10 records are written."""
    cmd = [sys.executable, "-m", "scrapy", "crawl", "provincial_portal",
           "-a", f"start_urls={base}/gzdt/index.html", "-O", str(feed)]
    for k, v in {"CLEAN_WORKERS": "2", "DOWNLOAD_DELAY": "0", "AUTOTHROTTLE_ENABLED": "False",
                 "ROBOTSTXT_OBEY": "False", "CONCURRENT_REQUESTS": "16",
                 "CONCURRENT_REQUESTS_PER_DOMAIN": "16"}.items():
        cmd += ["-s", f"{k}={v}"]
    with open(log_path, "w") as log:
        proc = subprocess.Popen(cmd, cwd=ROOT, env=env(), stdout=log, stderr=subprocess.STDOUT,
                                start_new_session=True)
    deadline = time.monotonic() + 90
    try:
        while not feed.exists() or feed.read_text(encoding="utf-8").count("\n") < 10:
            if proc.poll() is not None:
                raise AssertionError(log_path.read_text()[-2000:])
            if time.monotonic() > deadline:
                raise AssertionError("no record in 90 s")
            time.sleep(0.2)
        if len(session_processes(proc.pid)) < 3:  # the crawler, the fork server, the workers
            raise AssertionError(f"no cleaning pool: {session_processes(proc.pid)}")
    except BaseException:
        os.killpg(proc.pid, signal.SIGKILL)
        raise
    return proc


def run_orphans(tmp: Path, wait: float = 10.0) -> dict:
    """SIGKILL a crawler that cleans in a pool; how many of its processes are left after `wait` s."""
    from benchmarks.generated_site import GeneratedSite, serve

    with serve(GeneratedSite(2000)) as base:
        proc = start_pool_crawl(base, tmp / "out.jsonl", tmp / "crawl.log")
        try:
            helpers = [p for p in session_processes(proc.pid) if p != proc.pid]
            os.kill(proc.pid, signal.SIGKILL)
            proc.wait(30)
            left = wait_until_gone(proc.pid, wait)
        finally:
            if session_processes(proc.pid):
                os.killpg(proc.pid, signal.SIGKILL)
    return {"pool_processes": len(helpers), "left": len(left), "wait_s": wait}
