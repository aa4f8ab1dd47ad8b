"""Raw responses kept in WARC files, and cleaned again from them without the
network: the records come back the same."""

from __future__ import annotations

import sys

from warcio.archiveiterator import ArchiveIterator

from crawler.schema import validator
from tests.crawler.conftest import FIXTURES
from tests.incremental.site import FAST, read_jsonl, run

# What cleaning decides; provenance of the run (crawl id, spider, times) is not in a WARC.
CONTENT_FIELDS = ("id", "url", "final_url", "canonical_url", "site", "site_type", "title", "published_at",
                  "source", "author", "editor", "lang", "text", "attachments", "encoding", "cleaning",
                  "content_sha256", "simhash", "spam", "raw_sha256", "http", "warc", "part_urls")


def test_warc_round_trip_reproduces_the_records(tmp_path):
    feed = tmp_path / "sdjky.jsonl"
    cmd = [sys.executable, "-m", "scrapy", "crawl", "provincial_portal", "-a", "site=sdjky", "-o", str(feed),
           "-s", f"REPLAY_DIR={FIXTURES}", "-s", "WARC_ENABLED=1"]
    for k, v in FAST.items():
        cmd += ["-s", f"{k}={v}"]
    proc = run(cmd)
    assert proc.returncode == 0, proc.stderr[-3000:]
    records = read_jsonl(feed)
    warc = tmp_path / "sdjky.warc.gz"
    assert len(records) == 5 and warc.exists()

    # Each record points at its own response record.
    with open(warc, "rb") as fh:
        for r in records:
            fh.seek(r["warc"]["offset"])
            rec = next(iter(ArchiveIterator(fh)))
            assert rec.rec_type == "response"
            assert rec.rec_headers.get_header("WARC-Target-URI") == r["final_url"]
            assert r["warc"]["file"] == str(warc)

    out = tmp_path / "reclean.jsonl"
    proc = run([sys.executable, "-m", "crawler.reclean", str(warc), "-o", str(out)])
    assert proc.returncode == 0, proc.stderr
    again = {r["id"]: r for r in read_jsonl(out)}
    assert set(again) == {r["id"] for r in records}
    assert any(len(r.get("part_urls") or []) == 2 for r in records), "the split article is part of the test"
    for r in records:
        for field in CONTENT_FIELDS:
            assert again[r["id"]].get(field) == r.get(field), (r["url"], field)
    schema = validator("crawl-record")
    for r in again.values():
        missing_provenance_ok = [e for e in schema.iter_errors(r) if e.validator != "required"]
        assert missing_provenance_ok == []
