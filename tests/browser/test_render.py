"""Pages built by JavaScript, rendered with the real system Chromium.

One local site on 127.0.0.1 (tests/browser/site.py), made from the gxxk_party
fixture: the static pages, the same pages built by script (`-a render=true`),
and empty script shells the crawler must recognise by itself. The rendered
records must equal the static ones; a page that never finishes loading becomes
a `render` error record; nothing of the browser outlives the crawl.
"""

from __future__ import annotations

import hashlib
import subprocess
import time

import pytest

from crawler.schema import validation_errors
from tests.browser.conftest import (
    ROOT,
    crawl_command,
    crawl_env,
    interrupt,
    leftovers,
    needs_chromium,
    run_crawl,
    tagged_processes,
)
from tests.browser.site import ARTICLES, HANG_ID, LocalSite

pytestmark = [pytest.mark.browser, needs_chromium]

SPIDER = "university_party"


def by_article(records: list[dict]) -> dict[str, dict]:
    return {r["url"].rsplit("/", 1)[1].split(".")[0]: r for r in records}


def content(record: dict) -> dict:
    return {k: record[k] for k in ("title", "published_at", "text", "source", "author", "attachments")}


@pytest.fixture(scope="module")
def site():
    with LocalSite() as s:
        yield s


@pytest.fixture(scope="module")
def static_crawl(site, tmp_path_factory):
    return run_crawl(tmp_path_factory.mktemp("static"), SPIDER, {"start_urls": f"{site.base}/static/zzgz/gzdt.htm"})


def test_static_site_stays_plain_and_never_starts_the_browser(static_crawl):
    assert static_crawl.returncode == 0, static_crawl.log[-3000:]
    records = by_article(static_crawl.records)
    assert sorted(records) == sorted(aid for aid, _ in ARTICLES)
    assert all(r["rendered"] is False and "rendered_sha256" not in r for r in records.values())
    # The browser handler is installed, but nothing of Playwright was started.
    assert "starting the browser" not in static_crawl.log
    assert "playwright/browser_count" not in static_crawl.log
    assert "Launching browser" not in static_crawl.log
    assert "Starting download handler" not in static_crawl.log  # not even Playwright's driver
    assert leftovers(static_crawl.tag, grace=0) == []


def test_script_built_pages_render_to_the_static_records(site, static_crawl, tmp_path):
    crawl = run_crawl(tmp_path, SPIDER, {"start_urls": f"{site.base}/js/zzgz/gzdt.htm", "render": "true"})
    assert crawl.returncode == 0, crawl.log[-3000:]
    static, rendered = by_article(static_crawl.records), by_article(crawl.records)
    # The list's links exist only after its script ran: both articles were found.
    assert sorted(rendered) == sorted(static)
    for aid, record in rendered.items():
        assert record["text"], aid
        assert content(record) == content(static[aid]), aid
        assert record["rendered"] is True
        served = site.routes[f"/js/info/1012/{aid}.htm"][2]
        assert record["raw_sha256"] == hashlib.sha256(served).hexdigest()  # what the server sent
        assert record["rendered_sha256"] != record["raw_sha256"]
        assert validation_errors(record, "crawl-record") == []
    # The page whose script never arrives times out (BROWSER_PAGE_TIMEOUT=3) into an error record.
    [error] = crawl.errors
    assert error["error"] == "render" and error["url"].endswith(f"/{HANG_ID}.htm")
    assert "Timeout" in error["reason"], error["reason"]
    # A script on `localhost` (loopback, not the start URL's host) was refused inside the browser.
    assert "/evil.js" not in site.requests
    assert "/js/data/2345.json" in site.requests  # the page's own fetch went through
    assert leftovers(crawl.tag) == []


def test_empty_script_shells_are_recognised_and_rendered(site, static_crawl, tmp_path):
    crawl = run_crawl(tmp_path, SPIDER, {"start_urls": f"{site.base}/shell/zzgz/gzdt.htm"})
    assert crawl.returncode == 0, crawl.log[-3000:]
    assert crawl.errors == []
    static, rendered = by_article(static_crawl.records), by_article(crawl.records)
    assert sorted(rendered) == sorted(static)
    for aid, record in rendered.items():
        assert content(record) == content(static[aid]), aid
        assert record["rendered"] is True
        # raw_sha256 is the shell the plain fetch received, not the rendered DOM.
        shell = site.routes[f"/shell/info/1012/{aid}.htm"][2]
        assert record["raw_sha256"] == hashlib.sha256(shell).hexdigest()
        assert validation_errors(record, "crawl-record") == []
    # The list page and both articles came back as shells and were fetched again, rendered.
    assert crawl.log.count("looks like a page built by script") == 3
    assert leftovers(crawl.tag) == []


@pytest.mark.parametrize("presses", [1, 2], ids=["ctrl-c", "ctrl-c-twice"])
def test_ctrl_c_during_a_render_closes_the_browser(site, tmp_path, presses):
    """Once: Scrapy stops gracefully (the render in flight ends by its timeout) and
    closes the browser. Twice: an unclean stop, and still no browser is left."""
    tag = f"interrupt-{presses}-{time.monotonic_ns()}"
    cmd = crawl_command(SPIDER, tmp_path / "out.jsonl",
                        {"start_urls": f"{site.base}/js/zzgz/gzdt.htm", "render": "true"},
                        {"BROWSER_PAGE_TIMEOUT": "6"})
    held_before = site.requests.count("/never.js")
    proc = subprocess.Popen(cmd, cwd=ROOT, env=crawl_env(tag),
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.monotonic() + 60
        # Wait until Chromium is stuck on the page that never finishes loading.
        while site.requests.count("/never.js") == held_before and time.monotonic() < deadline:
            assert proc.poll() is None, "crawl ended before the browser was busy"
            time.sleep(0.1)
        assert site.requests.count("/never.js") > held_before, "the browser never reached the held page"
        assert any("chrom" in cmd.lower() for _, cmd in tagged_processes(tag))
        for _ in range(presses):
            interrupt(proc)
            time.sleep(0.5)
        _, log = proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.communicate(timeout=10)
    assert "shutting down gracefully" in log
    if presses == 2:
        assert "forcing unclean shutdown" in log
    assert leftovers(tag) == []
