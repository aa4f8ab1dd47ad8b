"""Feed names: unique per run, never shared by two feeds' errors files, and no
stray files for a feed that is not a local file (crawler/emit/feeds.py)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from scrapy.settings import Settings

from crawler.emit.feeds import FeedInUse, beside_feed, hold_feed, main_feed_path, release_feed, run_stamp
from crawler.run_all import RUN_ALL_OUTPUT
from crawler.settings import CRAWLER_OUTPUT


class Spider:
    name = "generic"
    crawl_id = "c1"
    run_time = "2026-01-02T03-04-05Z"


def test_two_runs_started_in_the_same_second_get_different_default_feeds():
    assert "%(run)s" in CRAWLER_OUTPUT and "%(run)s" in RUN_ALL_OUTPUT
    settings = Settings({"FEEDS": {}, "CRAWLER_OUTPUT": CRAWLER_OUTPUT})
    a, b = Spider(), Spider()
    path_a, path_b = main_feed_path(settings, a), main_feed_path(settings, b)
    assert path_a != path_b
    assert path_a.name.startswith("2026-01-02T03-04-05Z-") and path_a.suffix == ".jsonl"
    assert main_feed_path(settings, a) == path_a, "one name for the whole run"
    assert run_stamp(a) in str(beside_feed(settings, a, ".errors.jsonl", "ERRORS_URI"))


@pytest.mark.parametrize("feeds", [["out.jsonl", "out.csv"], ["out.jsonl", "out.json"], ["out.jl", "out.jsonl"]])
def test_two_feeds_in_one_folder_never_share_an_errors_file(feeds):
    errors = {beside_feed(Settings({"FEEDS": {f"/tmp/x/{name}": {}}}), Spider(), ".errors.jsonl", "ERRORS_URI")
              for name in feeds}
    assert len(errors) == 2, errors
    assert Path("/tmp/x/out.errors.jsonl") in errors


@pytest.mark.parametrize("uri", ["stdout:", "-", "s3://bucket/x.jsonl"])
def test_a_feed_that_is_not_a_local_file_puts_errors_where_the_default_feed_would(uri):
    settings = Settings({"FEEDS": {uri: {"format": "jsonl"}}, "CRAWLER_OUTPUT": "output/%(name)s/%(time)s.jsonl"})
    assert str(beside_feed(settings, Spider(), ".errors.jsonl", "ERRORS_URI")) == \
        "output/generic/2026-01-02T03-04-05Z.errors.jsonl"


def test_a_feed_held_by_another_process_is_refused_and_freed_when_it_dies(tmp_path):
    feed = tmp_path / "feed.jsonl"
    holder = subprocess.Popen(
        [sys.executable, "-c", "import fcntl, sys, time; f = open(sys.argv[1], 'ab'); "
         "fcntl.flock(f, fcntl.LOCK_EX); print('held', flush=True); time.sleep(60)", str(feed)],
        stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "held"
        with pytest.raises(FeedInUse, match="being written by another run"):
            hold_feed(feed)
    finally:
        holder.kill()  # SIGKILL: the kernel drops its lock
        holder.wait()
    hold_feed(feed)
    try:
        with pytest.raises(FeedInUse, match="named twice"):
            hold_feed(feed)
    finally:
        release_feed(feed)
