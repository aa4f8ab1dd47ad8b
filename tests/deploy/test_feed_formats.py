"""Feeds in the formats corpus builders load, read by the tools that read them.

Replay crawls of two saved sites (`scrapy crawl ... -O FILE`, as a user types
it) whose records differ in shape: on the mirror every `source` is null, on
sdjky a string; only some sdjky records have `part_urls`. Their Parquet feeds
must load together with HuggingFace `datasets` (offline: it must never reach
the hub), and their CSV feeds must keep every field, nested ones as JSON.
"""

from __future__ import annotations

import csv
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.crawler.conftest import FAST, read_jsonl

ROOT = Path(__file__).resolve().parents[2]
FIXTURES = ROOT / "fixtures"
SITES = {"sdjky": "provincial_portal", "mirror_en": "mirror"}

pytestmark = pytest.mark.slow
# `datasets` must never reach the hub: the feeds are local files.
os.environ.setdefault("HF_DATASETS_OFFLINE", "1")
os.environ.setdefault("HF_HUB_OFFLINE", "1")


def crawl_to(tmp: Path, ext: str) -> dict[str, tuple[Path, str]]:
    """One replay crawl per site, in parallel: {site: (feed file, log)}."""
    env = {k: v for k, v in os.environ.items() if "proxy" not in k.lower()}
    env["PYTHONPATH"] = str(ROOT)
    procs = {}
    for site, spider in SITES.items():
        feed = tmp / f"{site}.{ext}"
        cmd = [sys.executable, "-m", "scrapy", "crawl", spider, "-a", f"site={site}", "-O", str(feed),
               "-s", f"REPLAY_DIR={FIXTURES}"]
        for k, v in FAST.items():
            cmd += ["-s", f"{k}={v}"]
        procs[site] = (feed, subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=subprocess.DEVNULL,
                                              stderr=subprocess.PIPE, text=True))
    out = {}
    for site, (feed, proc) in procs.items():
        _, log = proc.communicate(timeout=240)
        assert proc.returncode == 0, log[-3000:]
        out[site] = (feed, log)
    return out


def golden(site: str) -> dict[str, dict]:
    return {r["id"]: r for r in read_jsonl(FIXTURES / "golden" / f"{site}.jsonl")}


def test_parquet_feeds_load_together_with_datasets(tmp_path, monkeypatch):
    monkeypatch.setenv("HF_DATASETS_OFFLINE", "1")
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    monkeypatch.setenv("HF_HOME", str(tmp_path / "hf"))
    import datasets

    feeds = crawl_to(tmp_path, "parquet")
    files = [str(feeds[site][0]) for site in SITES]
    ds = datasets.load_dataset("parquet", data_files=files, split="train", cache_dir=str(tmp_path / "cache"))

    expected = {**golden("sdjky"), **golden("mirror_en")}
    assert ds.num_rows == len(expected) == 9
    # Dates keep their offset: strings, exactly as in the JSONL records.
    assert ds.features["published_at"].dtype == "string"
    rows = {row["id"]: row for row in ds}
    assert set(rows) == set(expected)
    for rid, want in expected.items():
        row = rows[rid]
        assert row["published_at"] == want["published_at"]
        assert row["source"] == want["source"] and row["title"] == want["title"] and row["text"] == want["text"]
        assert row["part_urls"] == want.get("part_urls")
        assert row["http"]["status"] == 200
        assert row["attachments"] == want["attachments"]
        assert json.loads(row["cleaning"]) == want["cleaning"]
    assert all(r["published_at"].endswith("+08:00") for r in rows.values())
    assert any(r["source"] is None for r in rows.values()) and any(r["source"] for r in rows.values())
    assert any(r["part_urls"] for r in rows.values()) and any(r["part_urls"] is None for r in rows.values())
    # The errors file and the summary go beside a Parquet feed too.
    for feed, _ in feeds.values():
        assert feed.with_name(feed.name + ".summary.json").exists()  # only .jsonl leaves the name


def test_csv_feed_keeps_every_field_and_writes_nested_ones_as_json(tmp_path):
    feeds = crawl_to(tmp_path, "csv")
    for site, (feed, log) in feeds.items():
        assert "dropped fields" not in log
        with open(feed, newline="", encoding="utf-8") as fh:
            rows = list(csv.DictReader(fh))
        want = golden(site)
        assert len(rows) == len(want)
        assert "part_urls" in rows[0] and "warc" in rows[0]
        for row in rows:
            record = want[row["id"]]
            assert json.loads(row["http"])["status"] == 200
            assert json.loads(row["encoding"]) == record["encoding"]
            assert json.loads(row["cleaning"]) == record["cleaning"]
            assert json.loads(row["attachments"]) == record["attachments"]
            assert json.loads(row["spam"]) == record["spam"]
            assert (json.loads(row["part_urls"]) if row["part_urls"] else None) == record.get("part_urls")
            assert row["title"] == record["title"] and row["text"] == record["text"]
            assert row["source"] == (record["source"] or "")
            assert "{'" not in "".join(row.values())  # no Python repr anywhere


def test_parquet_refuses_to_append_to_an_existing_file(tmp_path):
    from crawler.emit.exporters import ParquetRecordExporter

    path = tmp_path / "old.parquet"
    path.write_bytes(b"PAR1 an earlier feed PAR1")
    with open(path, "ab") as fh, pytest.raises(ValueError, match="use -O"):
        ParquetRecordExporter(fh)
    assert path.read_bytes() == b"PAR1 an earlier feed PAR1"
