"""Pause and resume: a crawl killed outright (SIGKILL) or stopped with Ctrl-C
half-way, then run again, emits every article exactly once across the two
feeds, and every line parses."""

from __future__ import annotations

import os
import signal
import subprocess
import time
from collections import Counter

import pytest

from tests.incremental.site import ROOT, LocalSite, article_text, crawl_command, env, read_jsonl, run

ARTICLES = range(3001, 3013)


def lines_in(path) -> int:
    try:
        return path.read_bytes().count(b"\n")
    except FileNotFoundError:
        return 0


@pytest.mark.parametrize("how", [signal.SIGKILL, signal.SIGINT], ids=["SIGKILL", "Ctrl-C"])
def test_stopped_mid_crawl_then_resumed_emits_each_article_once(tmp_path, how):
    site = LocalSite()
    for n in ARTICLES:
        site.set_article(n, f"第{n}号简报", article_text(n))
    site.publish()
    site.delay = 0.4  # per article: the kill lands while the crawl is under way
    state = tmp_path / "state.db"
    feed1, feed2 = tmp_path / "killed.jsonl", tmp_path / "resumed.jsonl"
    with site:
        cmd = crawl_command("provincial_portal", feed1, state, args={"start_urls": site.url(site.LIST_PATH)},
                            settings={"CONCURRENT_REQUESTS": "2", "CONCURRENT_REQUESTS_PER_DOMAIN": "2"})
        proc = subprocess.Popen(cmd, cwd=ROOT, env=env(), stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                                start_new_session=True)
        try:
            deadline = time.monotonic() + 60
            while lines_in(feed1) < 3 and time.monotonic() < deadline and proc.poll() is None:
                time.sleep(0.05)
            assert proc.poll() is None, "the crawl ended before it could be killed"
            assert lines_in(feed1) >= 3, "no records within 60 s"
            os.kill(proc.pid, how)
            if how == signal.SIGINT:
                proc.wait(timeout=60)  # Scrapy's graceful stop: in-flight pages finish
        finally:
            proc.kill()
            proc.wait(timeout=30)
            proc.stderr.close()
        killed = read_jsonl(feed1)
        assert 3 <= len(killed) < len(ARTICLES), f"{len(killed)} records before the kill"

        site.delay = 0
        done = run(crawl_command("provincial_portal", feed2, state, args={"start_urls": site.url(site.LIST_PATH)}))
        assert done.returncode == 0, done.stderr[-3000:]
        if how == signal.SIGKILL:
            assert "reconciled 1 unfinished run" in done.stderr
        expected = {site.url(site.article_path(n)) for n in ARTICLES}
    resumed = read_jsonl(feed2)
    urls = Counter(r["url"] for r in killed + resumed)
    assert set(urls) == expected, "an article was lost"
    assert max(urls.values()) == 1, f"emitted twice: {[u for u, c in urls.items() if c > 1]}"
    assert all(r["version"] == 1 for r in killed + resumed)
