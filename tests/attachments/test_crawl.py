"""A replayed notices column whose notices carry attachments: article and attachment records, linked.

`scrapy crawl university_party -a site=notices -s REPLAY_DIR=fixtures`, as a user runs it (subprocess),
plus the size limits, the per-site switch, the live HTTP path and scheduled runs with the state store.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from crawler.schema import validation_errors
from tests.crawler.conftest import FIXTURES
from tests.crawler.fixture_server import FixtureServer
from tests.crawler.golden import check_golden

ON = {"ATTACHMENTS_ENABLED": "1", "REPLAY_DIR": str(FIXTURES)}
HOST = "http://jwc.hbnu.edu.cn"
NOTICE_1 = f"{HOST}/info/1021/3101.htm"
NOTICE_2 = f"{HOST}/info/1021/3102.htm"
NOTICES = [NOTICE_1, NOTICE_2]  # the article pages of the notices site


def split(records: list[dict]) -> tuple[dict, dict]:
    articles = {r["url"]: r for r in records if r.get("kind") != "attachment"}
    attachments = {r["url"]: r for r in records if r.get("kind") == "attachment"}
    return articles, attachments


def entries(article: dict) -> dict[str, dict]:
    return {e["title"]: e for e in article["attachments"]}


def test_replayed_notices_give_linked_attachment_records(crawl):
    result = crawl("university_party", args={"site": "notices"}, settings=ON, proxy="http://127.0.0.1:9")
    assert result.returncode == 0, result.log[-3000:]
    articles, attachments = split(result.records)
    assert sorted(articles) == [NOTICE_1, NOTICE_2]
    assert len(attachments) == 7 and len(result.records) == 9  # each document once
    assert sorted(r["format"] for r in attachments.values()) == ["doc", "docx", "odt", "pdf", "wps", "xls", "xlsx"]
    ids = {r["id"]: r for r in result.records}
    for r in attachments.values():
        assert validation_errors(r, "crawl-attachment") == []
        assert ids[r["attachment_of"]]["url"] in articles and r["site"] == "notices"
    for a in articles.values():
        assert validation_errors(a, "crawl-record") == []
        for e in a["attachments"]:
            if e["status"] == "ok":  # the entry names the record, and the bytes it read
                assert ids[e["id"]]["raw_sha256"] == e["sha256"] and ids[e["id"]]["bytes"] == e["bytes"]

    first, second = entries(articles[NOTICE_1]), entries(articles[NOTICE_2])
    # found by the link text and the CMS endpoints, not only by .pdf in the URL
    assert first["回执表.docx"]["format"] == "docx" and "download.jsp" in first["回执表.docx"]["url"]
    assert first["关于加强教学管理的若干规定"]["format"] == "doc"
    assert first["附件4：会议签到表（扫描件）"]["status"] == "needs_ocr"
    # the same file in two notices, and the same bytes under another URL: one document
    plan = first["课程思政建设实施方案.pdf"]
    assert second["课程思政建设实施方案.pdf"]["id"] == plan["id"] == second["实施方案（再次印发）.pdf"]["id"]
    assert ids[plan["id"]]["attachment_of"] == articles[NOTICE_1]["id"]
    assert second["表格汇总.rar"]["status"] == "archive" and second["日程安排.pdf"]["status"] == "http"

    # every failure is an error record of its own, the articles are still emitted
    errors = {e["url"].rsplit("/", 1)[-1]: e for e in result.errors}
    assert {k: e["error"] for k, e in errors.items()} == {
        "P020250301123456.pdf": "needs_ocr", "forms.rar": "archive", "missing.pdf": "http"}
    for e in result.errors:
        assert e["kind"] == "attachment" and e["attachment_of"] in ids
        assert validation_errors(e, "crawl-error") == []
    assert result.summary["pages_by_kind"]["attachment"] == 11
    assert result.summary["articles_emitted"] == 2 and result.summary["attachments_emitted"] == 7
    assert result.summary["errors_by_stage"] == {"needs_ocr": 1, "archive": 1, "http": 1}
    problems = check_golden("notices", result.records)
    assert not problems, "\n".join(problems) + "\n(UPDATE_GOLDEN=1 to rewrite, then review the diff)"


def test_size_limits_per_file_per_article_and_count(crawl):
    result = crawl("university_party", args={"site": "notices"},
                   settings={**ON, "ATTACHMENTS_MAX_FILE_BYTES": "12000", "ATTACHMENTS_MAX_PER_ARTICLE": "4",
                             "ATTACHMENTS_MAX_ARTICLE_BYTES": "25000"})
    assert result.returncode == 0, result.log[-3000:]
    articles, attachments = split(result.records)
    assert sorted(articles) == [NOTICE_1, NOTICE_2]
    first = entries(articles[NOTICE_1])
    assert first["课程思政建设实施方案.pdf"]["status"] == "ok"  # 7,709 bytes
    assert first["回执表.docx"]["status"] == "too_large"  # 37,941 bytes > 12,000
    assert first["关于加强教学管理的若干规定"]["status"] == "ok"  # 11,776: 19,485 of 25,000 used
    assert first["附件4：会议签到表（扫描件）"]["status"] == "too_large"  # 13,413 > the 5,515 left
    assert first["报名表.xlsx"]["status"] == "skipped_limit"  # the fifth of at most four
    too_large = [e for e in result.errors if e["error"] == "too_large"]
    assert len(too_large) >= 2 and all(e["attachment_of"] for e in too_large)
    assert not any(r["bytes"] > 12000 for r in attachments.values())


def test_the_size_cap_holds_on_the_wire(crawl):
    """Through a real HTTP server: the downloader cuts the answer off (DOWNLOAD_MAXSIZE per request)."""
    with FixtureServer.from_dir(FIXTURES) as server:
        result = crawl("university_party", args={"site": "notices"}, proxy=server.proxy,
                       settings={"ATTACHMENTS_ENABLED": "1", "ATTACHMENTS_MAX_FILE_BYTES": "12000"})
    assert result.returncode == 0, result.log[-3000:]
    articles, _ = split(result.records)
    assert entries(articles[NOTICE_1])["回执表.docx"]["status"] == "too_large"
    err = next(e for e in result.errors if e["url"].endswith("wbfileid=4521"))
    assert err["error"] == "too_large" and "max size" in err["reason"]


def test_attachments_per_site_and_off(crawl, tmp_path):
    registry = (Path(__file__).resolve().parents[2] / "crawler" / "sites.toml").read_text(encoding="utf-8")
    reg = tmp_path / "sites.toml"
    reg.write_text(registry.replace("attachments = true", "attachments = false"), encoding="utf-8")
    for settings in ({**ON, "SITES_REGISTRY": str(reg)}, {**ON, "ATTACHMENTS_ENABLED": "0"}):
        result = crawl("university_party", args={"site": "notices"}, settings=settings)
        assert result.returncode == 0, result.log[-3000:]
        assert sorted(r["url"] for r in result.records) == [NOTICE_1, NOTICE_2]
        assert result.errors == []
        for r in result.records:  # listed, not fetched
            assert all(set(e) == {"url", "title"} for e in r["attachments"])


def _replay_copy(tmp_path: Path) -> Path:
    root = tmp_path / "replay"
    shutil.copytree(FIXTURES / "sites" / "notices", root / "sites" / "notices")
    return root


@pytest.mark.slow
def test_scheduled_runs_emit_attachments_once_and_a_changed_one_as_a_new_version(crawl, tmp_path):
    from fixtures.make_attachments import odt_file

    root = _replay_copy(tmp_path)
    settings = {"ATTACHMENTS_ENABLED": "1", "REPLAY_DIR": str(root), "STATE_ENABLED": "1",
                "STATE_URI": f"sqlite:///{tmp_path / 'state.db'}",
                "CRAWLER_OUTPUT": f"{tmp_path}/output/%(name)s/%(run)s.jsonl"}
    first = crawl("university_party", args={"site": "notices"}, settings=settings, output=None)  # each run its own feed: -O over a counted feed is refused
    assert first.returncode == 0, first.log[-3000:]
    assert len(first.records) == 9 and all(r["version"] == 1 for r in first.records)

    again = crawl("university_party", args={"site": "notices"}, settings=settings, output=None)  # each run its own feed: -O over a counted feed is refused
    assert again.returncode == 0, again.log[-3000:]
    assert again.records == []  # nothing new or changed: not the articles, not their documents

    (root / "sites" / "notices" / "files" / "notes.odt").write_bytes(odt_file("会议纪要（修订）", ["会议决定，方案自印发之日起施行。"]))
    changed = crawl("university_party", args={"site": "notices"}, settings=settings, output=None)  # each run its own feed: -O over a counted feed is refused
    assert changed.returncode == 0, changed.log[-3000:]
    assert [(r["format"], r["version"]) for r in changed.records] == [("odt", 2)]
    old = next(r for r in first.records if r.get("format") == "odt")
    assert changed.records[0]["previous_content_sha256"] == old["content_sha256"]
    assert changed.records[0]["id"] == old["id"]


def test_attachments_are_kept_in_the_warc_and_read_again_from_it(crawl, tmp_path):
    import subprocess
    import sys

    result = crawl("university_party", args={"site": "notices"}, settings={**ON, "WARC_ENABLED": "1"})
    assert result.returncode == 0, result.log[-3000:]
    _, attachments = split(result.records)
    assert all(r["warc"] and r["warc"]["length"] > 0 for r in attachments.values())
    warc = Path(next(iter(attachments.values()))["warc"]["file"])
    root = Path(__file__).resolve().parents[2]
    out = tmp_path / "again.jsonl"
    done = subprocess.run([sys.executable, "-m", "crawler.reclean", str(warc), "-o", str(out)], cwd=root,
                          env={"PYTHONPATH": str(root), "PATH": "/usr/bin:/bin"}, capture_output=True, text=True,
                          timeout=120)
    assert done.returncode == 0, done.stderr
    again = {r["url"]: r for r in map(json.loads, out.read_text(encoding="utf-8").splitlines())}
    for url, r in attachments.items():  # the same text from the archived bytes, with the same link
        if url in again:
            assert again[url]["content_sha256"] == r["content_sha256"]
            assert again[url]["attachment_of"] == r["attachment_of"]
    # every document read in the crawl is in the WARC (the copy under another URL too)
    assert set(attachments) <= set(again)
    assert sum(1 for r in again.values() if r.get("kind") == "attachment") == 8


def test_documents_read_in_the_cleaning_processes_give_the_same_records(crawl):
    result = crawl("university_party", args={"site": "notices"}, settings={**ON, "CLEAN_WORKERS": "2"})
    assert result.returncode == 0, result.log[-3000:]
    problems = check_golden("notices", result.records)
    assert not problems, "\n".join(problems)
    assert "cleaning pool stopped" in result.log


@pytest.mark.parametrize("workers", ["0", "1"])
def test_a_document_that_takes_too_long_is_cut_off(crawl, workers):
    result = crawl("university_party", args={"site": "notices"},
                   settings={**ON, "ATTACHMENTS_READ_TIMEOUT": "0.001", "CLEAN_WORKERS": workers})
    assert result.returncode == 0, result.log[-3000:]
    articles, _ = split(result.records)
    assert sorted(articles) == [NOTICE_1, NOTICE_2]  # the articles are emitted all the same
    assert entries(articles[NOTICE_1])["课程思政建设实施方案.pdf"]["status"] == "timeout"
    timeouts = [e for e in result.errors if e["error"] == "timeout"]
    assert timeouts and all(e["kind"] == "attachment" and e["attachment_of"] for e in timeouts)


def test_robots_rules_apply_to_attachments(crawl):
    with FixtureServer.from_dir(FIXTURES) as server:
        server.add(f"{HOST}/robots.txt", "User-agent: *\nDisallow: /__local/6/\n",
                   headers={"Content-Type": "text/plain"})
        result = crawl("university_party", args={"site": "notices"}, proxy=server.proxy,
                       settings={"ATTACHMENTS_ENABLED": "1"})
        asked = list(server.requests)
    assert result.returncode == 0, result.log[-3000:]
    articles, _ = split(result.records)
    second = entries(articles[NOTICE_2])
    for title in ("实施方案（再次印发）.pdf", "教学工作指南.wps", "会议纪要.odt", "表格汇总.rar", "日程安排.pdf"):
        assert second[title]["status"] == "refused", title
    assert not any("/__local/6/" in url for url in asked)  # never asked for
    assert second["汇总表.xls"]["status"] == "ok"  # the VSB endpoint is not under /__local/6/
    refused = [e for e in result.errors if e["error"] == "refused"]
    assert len(refused) == 5 and all("robots" in e["reason"].lower() for e in refused)


def test_only_http_attachments_are_fetched(crawl, tmp_path):
    root = _replay_copy(tmp_path)
    page = root / "sites" / "notices" / "pages" / "info_1021_3101.html"
    html = page.read_text(encoding="utf-8").replace(
        "/__local/5/AB/14/signup.xlsx", "ftp://jwc.hbnu.edu.cn/pub/signup.xlsx")
    page.write_text(html, encoding="utf-8")
    result = crawl("university_party", args={"site": "notices"},
                   settings={"ATTACHMENTS_ENABLED": "1", "REPLAY_DIR": str(root)})
    assert result.returncode == 0, result.log[-3000:]
    articles, _ = split(result.records)
    entry = entries(articles[NOTICE_1])["报名表.xlsx"]
    assert entry["url"].startswith("ftp://") and entry["status"] == "refused"
    assert any(e["error"] == "refused" and e["url"].startswith("ftp://") for e in result.errors)


def test_hanweb_downfile_documents_are_read_under_their_link_text(crawl):
    """Hanweb's downfile.jsp answers every format as application/octet-stream with only a stored
    file name (2102091605123.doc): the format comes from the name, the title from the link text."""
    result = crawl("provincial_portal", args={"site": "hanweb_jyt"}, settings=ON, proxy="http://127.0.0.1:9")
    assert result.returncode == 0, result.log[-3000:]
    articles, attachments = split(result.records)
    assert len(articles) == 8 and len(attachments) == 2 and result.errors == []
    by_format = {r["format"]: r for r in attachments.values()}
    assert sorted(by_format) == ["doc", "xls"]
    assert by_format["doc"]["title"] == "2021年春季学期开学工作检查表.doc"
    assert "应急处置预案是否修订" in by_format["doc"]["text"]
    assert "䶮城区育才小学" in by_format["xls"]["text"]  # a character outside GB2312, read from the sheet
    ids = {r["id"]: r for r in result.records}
    for r in attachments.values():
        parent = ids[r["attachment_of"]]
        assert [e["sha256"] for e in parent["attachments"]] == [r["raw_sha256"]]
