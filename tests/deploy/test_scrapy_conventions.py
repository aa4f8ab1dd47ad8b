"""Scrapy's own commands on this project, as a Scrapy user types them."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from scrapy.settings import Settings
from warcio.archiveiterator import ArchiveIterator

from crawler.fetch.middlewares.address_guard import build_policy
from tests.crawler.conftest import read_jsonl

ROOT = Path(__file__).resolve().parents[2]
FIXTURES = ROOT / "fixtures"
PAGE = FIXTURES / "sites" / "sdjky" / "pages" / "gzdt_202012_t20201228_1226.html"

pytestmark = pytest.mark.slow


def scrapy(*args: str, cwd: Path = ROOT, timeout: int = 240) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if "proxy" not in k.lower()}
    env["PYTHONPATH"] = str(ROOT)
    env["SCRAPY_SETTINGS_MODULE"] = "crawler.settings"
    return subprocess.run([sys.executable, "-m", "scrapy", *args], cwd=cwd, env=env,
                          capture_output=True, text=True, timeout=timeout)


def test_scrapy_check_runs_the_spiders_contracts_on_the_fixtures():
    proc = scrapy("check")
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert "Ran 14 contracts" in proc.stderr and proc.stderr.rstrip().endswith("OK")


def test_scrapy_check_fails_when_the_pages_are_not_there(tmp_path):
    (tmp_path / "sites").mkdir()
    proc = scrapy("check", "provincial_portal", "-s", f"REPLAY_DIR={tmp_path}")
    assert proc.returncode != 0  # every contract's page answers 404: none could run
    assert "Ran 4 contracts" not in proc.stderr


def test_scrapy_shell_opens_a_local_file_the_user_names(tmp_path):
    code = "(response.status, response.css('title::text').get(), response.url)"
    proc = scrapy("shell", str(PAGE), "-c", code, cwd=ROOT)
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert proc.stdout.startswith("(200, '全省教育科")
    assert PAGE.as_uri() in proc.stdout
    # Another file fetched from inside the shell was not typed on the command line: refused.
    proc = scrapy("shell", PAGE.as_uri(), "-c", "fetch('file:///etc/hostname')", cwd=tmp_path)
    assert "refused file:///etc/hostname" in proc.stderr
    assert "Crawled (200) <GET file:///etc/hostname>" not in proc.stderr
    assert not (tmp_path / "output").exists()  # the shell writes nothing


def test_file_urls_found_on_pages_stay_refused():
    typed = PAGE.as_uri()
    policy = build_policy(Settings({"ADDRESS_ALLOW_URLS": typed}))
    assert policy.refusal(typed) is None
    assert policy.refusal("file:///etc/passwd") == "scheme 'file' is not fetched"
    assert policy.refusal(typed + "?x") is not None
    # Without the user naming it, not even that file.
    assert build_policy(Settings()).refusal(typed) == "scheme 'file' is not fetched"


def test_bot_name_names_the_project():
    proc = scrapy("settings", "--get", "BOT_NAME")
    assert proc.stdout.strip() == "edunews-crawler"


def test_scrapy_runall_and_reclean_commands(tmp_path):
    proc = scrapy("runall", "--site", "mirror_en", "-s", f"REPLAY_DIR={FIXTURES}", "-s", "WARC_ENABLED=1",
                  "-s", "AUTOTHROTTLE_ENABLED=0", "-s", "DOWNLOAD_DELAY=0", "-s", "CLEAN_WORKERS=0", cwd=tmp_path)
    assert proc.returncode == 0, proc.stdout + proc.stderr[-3000:]
    assert "[1/1] mirror_en (mirror): 4 articles, 0 errors" in proc.stdout
    feeds = [p for p in (tmp_path / "output" / "mirror").glob("*.jsonl") if not p.name.endswith(".errors.jsonl")]
    assert len(feeds) == 1 and len(read_jsonl(feeds[0])) == 4
    warc = feeds[0].with_name(feeds[0].name[: -len(".jsonl")] + ".warc.gz")

    # The WARC opens with a warcinfo record; replayed responses say where they came from.
    with open(warc, "rb") as fh:
        records = [(r.rec_type, r.rec_headers, r.content_stream().read() if r.rec_type == "warcinfo" else b"")
                   for r in ArchiveIterator(fh)]
    assert records[0][0] == "warcinfo" and sum(1 for r in records if r[0] == "warcinfo") == 1
    info = records[0][2].decode("utf-8")
    assert "software: edunews-crawler/" in info and "spider: mirror" in info and "sites: mirror_en" in info
    assert f"replay: responses served from the saved files in {FIXTURES}" in info
    responses = [h for t, h, _ in records if t == "response"]
    assert responses and all(h.get_header("WARC-X-Replayed-From") == str(FIXTURES) for h in responses)

    # The mirror spider knows a page is an article only after writing it: the records
    # point into the WARC all the same, and a reclean finds the same articles.
    assert all(r["warc"] and tmp_path / r["warc"]["file"] == warc for r in read_jsonl(feeds[0]))
    out = tmp_path / "reclean.jsonl"
    proc = scrapy("reclean", str(warc), "-o", str(out), cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert sorted(r["id"] for r in read_jsonl(out)) == sorted(r["id"] for r in read_jsonl(feeds[0]))
