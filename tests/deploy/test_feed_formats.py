"""Feeds in the formats corpus builders load, read by the tools that read them.

Replay crawls of two saved sites (`scrapy crawl ... -O FILE`, as a user types
it) whose records differ in shape: on the mirror every `source` is null, on
sdjky a string; only some sdjky records have `part_urls`. Their Parquet feeds
must load together with HuggingFace `datasets` (offline: it must never reach
the hub), and their CSV feeds must keep every field, nested ones as JSON.
JSONL feeds of scheduled runs, whose fields are null in every row of one
file, load together with `load_feeds` (README's command) with the Parquet
feed's columns and types.
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


def crawl_to(tmp: Path, ext: str, sites: dict[str, str] = SITES,
             default_feed: bool = False) -> dict[str, tuple[Path | None, str]]:
    """One replay crawl per site, in parallel: {site: (feed file, log)}. With
    `default_feed`, no -O: each run writes its own feed as scheduled crawls do,
    tmp/output/<spider>/<run>.jsonl (the feed's name is then not known: None)."""
    env = {k: v for k, v in os.environ.items() if "proxy" not in k.lower()}
    env["PYTHONPATH"] = str(ROOT)
    procs = {}
    for site, spider in sites.items():
        feed = None if default_feed else tmp / f"{site}.{ext}"
        output = (["-s", f"CRAWLER_OUTPUT={tmp}/output/%(name)s/%(run)s.jsonl"] if default_feed
                  else ["-O", str(feed)])
        cmd = [sys.executable, "-m", "scrapy", "crawl", spider, "-a", f"site={site}", *output,
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


# Three scheduled runs, each writing its own JSONL feed. The mirror's feed sorts
# first and has fields null in every row (`source`, `script`: a mirror names no
# source) and `attachments` empty in every row, where the other feeds have
# strings and attachment links: `datasets.load_dataset("json", ...)` infers its
# types from that first file alone and fails on the others (and reads
# `published_at` as a timestamp without its offset).
JSONL_SITES = {"mirror_en": "mirror", "sdjky": "provincial_portal", "chce": "quality_education"}


def test_jsonl_feeds_load_together_with_datasets_as_readme_says(tmp_path, monkeypatch):
    monkeypatch.setenv("HF_DATASETS_OFFLINE", "1")
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    monkeypatch.setenv("HF_HOME", str(tmp_path / "hf"))
    monkeypatch.setenv("HF_DATASETS_CACHE", str(tmp_path / "hf" / "datasets"))
    import datasets

    crawl_to(tmp_path, "jsonl", JSONL_SITES, default_feed=True)
    parquet, _ = crawl_to(tmp_path, "parquet", {"sdjky": "provincial_portal"})["sdjky"]
    output = tmp_path / "output"
    feeds = {site: next((output / spider).glob("*Z-??????.jsonl")) for site, spider in JSONL_SITES.items()}
    lines = {site: read_jsonl(feed) for site, feed in feeds.items()}
    assert sorted(feeds.values())[0] == feeds["mirror_en"]
    # The feeds' shapes differ as the comment above says: it is so in the files read here.
    for field in ("source", "script"):
        assert all(r[field] is None for r in lines["mirror_en"])
        assert all(isinstance(r[field], str) for r in lines["sdjky"])
    assert all(r["attachments"] == [] for r in lines["mirror_en"])
    assert any(r["attachments"] for r in lines["chce"])
    assert len({frozenset(r["cleaning"]) for r in lines["sdjky"] + lines["mirror_en"]}) > 1  # keys vary
    # Each run left its error records and its summary beside its feed: not articles.
    assert all(feed.with_name(feed.stem + ".errors.jsonl").exists() for feed in feeds.values())
    assert all(feed.with_name(feed.stem + ".summary.json").exists() for feed in feeds.values())

    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert "from crawler.emit.hf_datasets import load_feeds" in readme and 'load_feeds("output/")' in readme
    monkeypatch.chdir(tmp_path)
    from crawler.emit.hf_datasets import load_feeds

    ds = load_feeds("output/")  # the README's command, in the folder the crawls wrote

    expected = {r["id"]: r for site in JSONL_SITES for r in lines[site]}
    assert set(expected) == {r["id"] for site in JSONL_SITES for r in golden(site).values()}
    assert ds.num_rows == len(expected) == sum(len(v) for v in lines.values()) == 14
    rows = {row["id"]: row for row in ds}
    assert set(rows) == set(expected)
    for rid, want in expected.items():
        row = rows[rid]
        for field in ("url", "title", "text", "source", "script", "published_at", "fetched_at",
                      "content_sha256", "site", "spider", "crawl_id"):
            assert row[field] == want[field], field
        assert row["part_urls"] == want.get("part_urls")
        assert json.loads(row["cleaning"]) == want["cleaning"]  # its own keys, no others' as nulls
        assert row["http"]["status"] == want["http"]["status"] == 200
        assert len(row["attachments"]) == len(want["attachments"])
        for got, link in zip(row["attachments"], want["attachments"]):
            assert {k: got[k] for k in link} == link and all(got[k] is None for k in set(got) - set(link))
    assert all(r["published_at"].endswith("+08:00") for r in rows.values())
    # The Parquet feed's columns and types, loaded the way README loads Parquet feeds.
    pq = datasets.load_dataset("parquet", data_files=[str(parquet)], split="train")
    assert ds.features == pq.features
    assert list(ds.features) == list(pq.features)
    assert ds.features["published_at"].dtype == "string" and ds.features["cleaning"].dtype == "string"
    # The same page read from either feed is the same row (but for the run it was fetched in).
    assert pq.num_rows == len(lines["sdjky"])
    for pq_row in pq:
        same_run = ("crawl_id", "fetched_at")
        assert {k: v for k, v in rows[pq_row["id"]].items() if k not in same_run} == \
            {k: v for k, v in pq_row.items() if k not in same_run}


def write_lines(path: Path, records: list[dict], end: bytes = b"") -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "ab") as fh:
        fh.write(b"".join(json.dumps(r, ensure_ascii=False).encode() + b"\n" for r in records) + end)


def test_load_feeds_reads_only_complete_lines_and_sees_lines_added_later(tmp_path, monkeypatch, caplog):
    monkeypatch.setenv("HF_DATASETS_OFFLINE", "1")
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    monkeypatch.setenv("HF_DATASETS_CACHE", str(tmp_path / "cache"))
    from crawler.emit.hf_datasets import load_feeds

    records = read_jsonl(FIXTURES / "golden" / "sdjky.jsonl")
    feed = tmp_path / "out" / "run.jsonl"
    write_lines(feed, records[:3], end=json.dumps(records[3]).encode()[:40])  # a line being written
    (tmp_path / "out" / "run.errors.jsonl").write_text('{"error": "fetch", "reason": "timeout"}\n')
    (tmp_path / "out" / "run.summary.json").write_text("{}")

    ds = load_feeds(tmp_path / "out")
    assert [r["id"] for r in ds] == [r["id"] for r in records[:3]]
    assert "line 4 has no end" in caplog.text

    with open(feed, "r+b") as fh:  # the crawl finishes the line, then writes another
        fh.truncate(fh.seek(0, 2) - 40)
    write_lines(feed, records[3:5])
    again = load_feeds(tmp_path / "out")
    assert [r["id"] for r in again] == [r["id"] for r in records[:5]]  # not the cached three


def test_load_feeds_refuses_what_is_not_an_article_feed(tmp_path):
    from crawler.emit.hf_datasets import load_feeds

    errors = tmp_path / "run.errors.jsonl"
    errors.write_text('{"error": "fetch", "reason": "timeout", "url": "http://example.org/"}\n')
    with pytest.raises(ValueError, match="error records"):
        load_feeds(errors)
    bad = tmp_path / "bad.jsonl"
    write_lines(bad, read_jsonl(FIXTURES / "golden" / "sdjky.jsonl")[:1], end=b"{not json\n")
    with pytest.raises(ValueError, match="bad.jsonl line 2 is not JSON"):
        load_feeds(bad)
    with pytest.raises(ValueError, match="bad.jsonl line 2 is not JSON"):
        list(load_feeds(bad, streaming=True))
    with pytest.raises(FileNotFoundError):
        load_feeds(tmp_path / "nothing-here")


def test_attachment_records_keep_their_own_fields_and_an_unknown_field_is_said(tmp_path, monkeypatch, caplog):
    """Attachment records share the feed: their own fields (kind, attachment_of,
    format, ...) are columns too, after the article's. A field no schema knows
    (a feed written by a newer version) has no column: the load says so."""
    monkeypatch.setenv("HF_DATASETS_OFFLINE", "1")
    monkeypatch.setenv("HF_DATASETS_CACHE", str(tmp_path / "cache"))
    from crawler.emit.hf_datasets import load_feeds

    records = read_jsonl(FIXTURES / "golden" / "notices.jsonl")
    attachments = [r for r in records if r.get("kind") == "attachment"]
    assert attachments and len(attachments) < len(records)
    write_lines(tmp_path / "notices.jsonl", [*records[:-1], {**records[-1], "from_the_future": 1}])
    rows = {row["id"]: row for row in load_feeds(tmp_path / "notices.jsonl")}
    assert len(rows) == len(records)
    own = ("kind", "attachment_of", "format", "filename", "bytes", "pages", "extractor", "content_type")
    for record in attachments:
        assert {k: rows[record["id"]][k] for k in own} == {k: record.get(k) for k in own}
    assert "from_the_future (1 records)" in caplog.text


def test_load_feeds_of_runs_with_nothing_new_is_an_empty_dataset_with_the_columns(tmp_path, monkeypatch):
    """A scheduled run with nothing new writes an empty feed (or only a line being written)."""
    monkeypatch.setenv("HF_DATASETS_OFFLINE", "1")
    monkeypatch.setenv("HF_DATASETS_CACHE", str(tmp_path / "cache"))
    from crawler.emit.hf_datasets import features, load_feeds

    (tmp_path / "a.jsonl").write_bytes(b"")
    (tmp_path / "b.jsonl").write_bytes(b'\n{"id": "0123456789abcdef01234567", "te')
    ds = load_feeds(tmp_path)
    assert ds.num_rows == 0 and ds.features == features()
    assert list(load_feeds(tmp_path, streaming=True)) == []
