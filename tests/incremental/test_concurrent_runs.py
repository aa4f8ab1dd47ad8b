"""Two runs at once on one state store, and feeds that a run must not erase.

The incident: two `python -m crawler.run_all` started in the same second on one
SQLite state file wrote to the same feed path; one wrote 60 articles, the other
found them unchanged and wrote an empty file over them, and the store kept all
60 as emitted, so no later run emitted them again. Here every article must be
in some feed exactly once, and everything the store counts as emitted must be
in a feed on disk, whatever the runs collide on.
"""

from __future__ import annotations

import subprocess
from collections import Counter
from pathlib import Path

import pytest

from crawler.run_all import RUN_ALL_OUTPUT
from tests.hostile.loss import PER_SECOND, REFUSED, run_two_at_once, start_together
from tests.incremental.site import LocalSite, article_text, crawl_command, env, read_jsonl, run

pytestmark = [pytest.mark.slow, pytest.mark.timeout(400)]

ARTICLES = range(4001, 4031)


@pytest.fixture
def site():
    s = LocalSite()
    for n in ARTICLES:
        s.set_article(n, f"第{n}号通知", article_text(n))
    s.publish()
    with s:
        yield s


@pytest.mark.parametrize("template", [RUN_ALL_OUTPUT, PER_SECOND], ids=["run_all default", "one name per second"])
def test_two_run_all_at_once_lose_nothing_and_a_third_emits_nothing(tmp_path, template):
    r = run_two_at_once(tmp_path, template, articles=30)
    for code, err in zip(r["returncodes"], r["stderr"]):
        # Each run finishes, or is refused because the other holds the same feed.
        assert code == 0 or (code == 1 and REFUSED in err), err
    assert r["refused"] < 2
    if template == RUN_ALL_OUTPUT:
        assert r["returncodes"] == [0, 0], "feeds unique per run: both runs go ahead"
    assert (r["lost"], r["duplicated"]) == (0, 0), r
    assert r["in_store_not_in_feed"] == 0, "the store counts as emitted an article that is in no feed"
    assert r["third_returncode"] == 0, r["stderr"][2]
    assert r["third_emitted"] == 0, "nothing new: nothing emitted"


def crawl(site: LocalSite, tmp_path: Path, feed: Path, flag: str = "-o", **settings: str) -> list[str]:
    cmd = crawl_command("provincial_portal", feed, tmp_path / "state.db",
                        args={"start_urls": site.url(site.LIST_PATH)}, settings=settings)
    cmd[cmd.index("-o")] = flag
    return cmd


def test_dash_O_never_erases_a_feed_the_store_counts_as_emitted(site, tmp_path):
    feed = tmp_path / "latest.jsonl"
    done = run(crawl(site, tmp_path, feed, "-O"))
    assert done.returncode == 0, done.stderr[-3000:]
    assert len(read_jsonl(feed)) == len(ARTICLES)
    site.set_article(4031, "新的通知", article_text(4031))
    site.publish()

    again = run(crawl(site, tmp_path, feed, "-O"))
    assert again.returncode != 0
    assert "-O would erase them" in again.stderr and "Use -o to append" in again.stderr
    assert len(read_jsonl(feed)) == len(ARTICLES), "the first run's lines are still there"

    append = run(crawl(site, tmp_path, feed, "-o"))
    assert append.returncode == 0, append.stderr[-3000:]
    assert [r["url"] for r in read_jsonl(feed)][-1] == site.url(site.article_path(4031))
    assert len(read_jsonl(feed)) == len(ARTICLES) + 1

    stateless = run(crawl(site, tmp_path, feed, "-O", STATE_ENABLED="0"))
    assert stateless.returncode == 0, "without the store, -O overwrites as asked"
    assert len(read_jsonl(feed)) == len(ARTICLES) + 1


def test_two_crawls_with_state_on_one_feed_at_once_one_is_refused(site, tmp_path):
    site.delay = 0.1
    feed = tmp_path / "shared.jsonl"
    first, second = start_together([crawl(site, tmp_path, feed)] * 2)
    codes = sorted([first.returncode, second.returncode])
    assert codes == [0, 1], (first.stderr[-2000:], second.stderr[-2000:])
    refused = first if first.returncode else second
    assert REFUSED in refused.stderr
    urls = Counter(r["url"] for r in read_jsonl(feed))
    assert len(urls) == len(ARTICLES) and max(urls.values()) == 1


def test_a_named_state_uri_is_used_without_state_enabled(site, tmp_path):
    def once(name: str) -> list[dict]:
        feed = tmp_path / f"{name}.jsonl"
        cmd = crawl(site, tmp_path, feed)
        i = cmd.index("STATE_ENABLED=1")
        del cmd[i - 1: i + 1]
        proc = run(cmd)
        assert proc.returncode == 0, proc.stderr[-3000:]
        return read_jsonl(feed)

    assert len(once("first")) == len(ARTICLES)
    assert once("second") == [], "the store named with STATE_URI was used: nothing new, nothing emitted"


def test_a_feed_to_stdout_leaves_no_stray_files(site, tmp_path):
    out = tmp_path / "default"
    cmd = crawl(site, tmp_path, Path("-:jsonl"), STATE_ENABLED="0", CRAWLER_OUTPUT=f"{out}/%(name)s/%(run)s.jsonl")
    # Run from an empty folder, so that a stray file would show.
    proc = subprocess.run(cmd, cwd=tmp_path, env={**env(), "SCRAPY_SETTINGS_MODULE": "crawler.settings"},
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert len(proc.stdout.splitlines()) == len(ARTICLES)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["default"], "nothing named stdout:* beside the crawl"
    left = sorted(p.suffixes[-2:] == [".errors", ".jsonl"] or p.name.endswith(".summary.json")
                  for p in (out / "provincial_portal").iterdir())
    assert left == [True, True], list((out / "provincial_portal").iterdir())


def test_a_second_run_appending_to_a_feed_keeps_the_first_runs_error_records(site, tmp_path):
    """-o appends to the feed, and so to the errors file beside it: a later run must not
    erase the error records of an earlier one (-O rewrites both)."""
    missing = site.article_path(ARTICLES[0])
    with site.lock:
        del site.pages[missing]
    feed = tmp_path / "feed.jsonl"
    errors = tmp_path / "feed.errors.jsonl"
    for n in (1, 2):
        done = run(crawl(site, tmp_path, feed, "-o"))
        assert done.returncode == 0, done.stderr[-3000:]
        failed = [r for r in read_jsonl(errors) if r["url"] == site.url(missing)]
        assert len(failed) == n, f"run {n}: error records of the missing article: {failed}"
    fresh = run(crawl(site, tmp_path, feed, "-O", STATE_ENABLED="0"))
    assert fresh.returncode == 0, fresh.stderr[-3000:]
    assert len([r for r in read_jsonl(errors) if r["url"] == site.url(missing)]) == 1, "-O rewrites the errors file too"


@pytest.mark.parametrize("given,enabled", [
    ({"STATE_URI": "sqlite:///state/x.db"}, True),  # named by the user: used
    ({"STATE_URI": "sqlite:///state/x.db", "STATE_ENABLED": "0"}, False),  # and turned off as explicitly
    ({"REDIS_URL": "redis://127.0.0.1:6379/0"}, False),  # distributed mode alone names no store
    ({"REDIS_URL": "redis://127.0.0.1:6379/0", "STATE_ENABLED": "1"}, True),
    ({"REDIS_URL": "redis://127.0.0.1:6379/0", "STATE_URI": "redis://127.0.0.1:6379/1"}, True),
    # the very database REDIS_URL names, named by the user with options of its own: used
    ({"REDIS_URL": "redis://127.0.0.1:6379/0", "STATE_URI": "redis://127.0.0.1:6379/0?prefix=edu"}, True),
    ({"REDIS_URL": "redis://127.0.0.1:6379/0", "STATE_URI": "redis://127.0.0.1:6379/0"}, True),
])
def test_which_settings_turn_the_state_store_on(given, enabled):
    from scrapy.settings import Settings

    from crawler.scale.distributed import DistributedCrawl
    from crawler.emit.state.runtime import state_enabled

    settings = Settings()
    settings.setmodule("crawler.settings", priority="project")
    settings.setdict(given, priority="cmdline")
    DistributedCrawl().update_settings(settings)  # what the add-on sets: STATE_URI with ?outage=
    assert state_enabled(settings) is enabled
