"""Where a run's files go: default output/<spider>/<run>.jsonl with errors and
summary beside it; -O writes only the named file (plus its errors/summary)."""

from __future__ import annotations

import json

import pytest

from tests.crawler.conftest import FIXTURES, read_jsonl, run_crawl


@pytest.mark.slow
def test_default_output_paths(tmp_path):
    out = tmp_path / "output" / "%(name)s" / "%(time)s.jsonl"
    r = run_crawl("university_party", tmp_path, output=None,
                  settings={"REPLAY_DIR": str(FIXTURES), "CRAWLER_OUTPUT": str(out),
                            "CRAWL_ID": "test-run-1", "CLEAN_WORKERS": "2"})
    assert r.returncode == 0, r.log[-2000:]
    files = sorted(p.name for p in (tmp_path / "output" / "university_party").iterdir())
    assert len(files) == 3, files
    stem = r.feed.name[: -len(".jsonl")]
    assert files == sorted([f"{stem}.jsonl", f"{stem}.errors.jsonl", f"{stem}.summary.json"])
    assert stem.endswith("Z") and "T" in stem  # the run's UTC start time
    assert len([rec for rec in r.records if rec["site"] == "gxxk_party"]) == 5  # and the notices site's
    assert {rec["crawl_id"] for rec in r.records} == {"test-run-1"}
    # UTF-8, not \\u escapes
    assert "党委" in r.feed.read_text(encoding="utf-8")
    assert r.summary["feed"].endswith(f"{stem}.jsonl")


@pytest.mark.slow
def test_dash_O_gets_articles_only_and_errors_beside_it(tmp_path):
    default_out = tmp_path / "default" / "%(name)s" / "%(time)s.jsonl"
    r = run_crawl("provincial_portal", tmp_path,
                  args={"start_urls": "http://www.sdjky.cn/gzdt/index.html,http://www.sdjky.cn/nowhere/index.html"},
                  settings={"REPLAY_DIR": str(FIXTURES), "CRAWLER_OUTPUT": str(default_out)})
    assert r.returncode == 0, r.log[-2000:]
    assert r.feed == tmp_path / "out.jsonl"
    assert len(r.records) == 5 and all("error" not in rec for rec in r.records)
    assert [(e["url"], e["error"], e["reason"]) for e in r.errors] == [
        ("http://www.sdjky.cn/nowhere/index.html", "http", "HTTP 404")]
    assert not (tmp_path / "default").exists(), "the default feed must not be written when -O is given"
    assert r.summary["errors_file"] == str(tmp_path / "out.errors.jsonl")
    assert r.summary["articles_emitted"] == 5
    assert sum(r.summary["cleaning"].values()) > 0


@pytest.mark.slow
def test_summary_is_logged(tmp_path):
    r = run_crawl("quality_education", tmp_path, settings={"REPLAY_DIR": str(FIXTURES)})
    assert "articles emitted: 5" in r.log
    assert "pages fetched:" in r.log
    summary = json.loads((tmp_path / "out.summary.json").read_text(encoding="utf-8"))
    assert summary["pages_fetched"] == 7  # 2 list pages + 5 articles
    assert read_jsonl(tmp_path / "out.errors.jsonl") == []
