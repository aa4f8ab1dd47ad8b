"""Documents a list page links as its entries (a notice published as a bare PDF/DOC/XLS): each
ends as one record, with the entry's title and date and the list page, or as one error record.

`scrapy crawl provincial_portal -a site=column_docs -s REPLAY_DIR=fixtures`, as a user runs it,
on the saved column fixtures/sites/column_docs (fixtures/make_list_documents.py): an article
page, a PDF, a DOC, an XLS and a PDF of 2023 in the column's list; a photo in the list; a
privacy-statement PDF and a form DOC in its header and footers, which are no entries.
"""

from __future__ import annotations

import json

from crawler.schema import validation_errors
from tests.crawler.conftest import FIXTURES, run_crawl
from tests.crawler.fixture_server import FixtureServer
from tests.crawler.golden import check_golden
from tests.crawler.sites import HTML, article_html, list_html

HOST = "http://jyt.xcs.gov.cn"
LIST_1, LIST_2 = f"{HOST}/tzgg/index.html", f"{HOST}/tzgg/index_1.html"
ARTICLE = f"{HOST}/tzgg/202503/t20250312_6101.html"
# URL -> (the list entry's title, its date, the list page, the format)
DOCUMENTS = {
    f"{HOST}/tzgg/202503/P020250310385612345678.pdf":
        ("关于做好2025年义务教育招生入学工作的通知", "2025-03-10T00:00:00+08:00", LIST_1, "pdf"),
    f"{HOST}/tzgg/202502/P020250221396412345678.doc":
        ("关于公布2024年度基础教育教学成果奖评审结果的通知", "2025-02-21T00:00:00+08:00", LIST_1, "doc"),
    f"{HOST}/tzgg/202501/P020250120401112345678.xls":
        ("2025年第一批中小学教师资格认定人员名单", "2025-01-20T00:00:00+08:00", LIST_2, "xls"),
    f"{HOST}/tzgg/202312/P020231215402212345678.pdf":
        ("关于做好2023年度教育事业统计工作的通知", "2023-12-15T00:00:00+08:00", LIST_2, "pdf"),
}
OLD = f"{HOST}/tzgg/202312/P020231215402212345678.pdf"
NOT_ENTRIES = (f"{HOST}/tzgg/202502/W020250218123456789012.jpg",  # a photo in the list
               f"{HOST}/xxgk/P020240101000000000001.pdf",  # the header's 网站隐私声明
               f"{HOST}/bsfw/xgbd/shenqingbiao.doc")  # the footer's form
REPLAY = {"REPLAY_DIR": str(FIXTURES)}
OFFLINE = "http://127.0.0.1:9"  # a closed port: any real fetch would fail


def documents_of(records: list[dict]) -> dict[str, dict]:
    return {r["url"]: r for r in records if r.get("kind") == "attachment"}


def test_documents_linked_from_the_list_are_records_with_the_entries_title_and_date(crawl):
    result = crawl("provincial_portal", args={"site": "column_docs"}, settings=REPLAY, proxy=OFFLINE)
    assert result.returncode == 0, result.log[-3000:]
    assert result.errors == [], json.dumps(result.errors, ensure_ascii=False, indent=1)
    docs = documents_of(result.records)
    assert sorted(r["url"] for r in result.records) == sorted([ARTICLE, *DOCUMENTS])
    for url, (title, date, list_url, fmt) in DOCUMENTS.items():
        r = docs[url]
        assert (r["title"], r["published_at"], r["list_url"], r["format"]) == (title, date, list_url, fmt)
        assert "attachment_of" not in r
        assert (r["site"], r["site_name"], r["site_type"], r["spider"]) == \
            ("column_docs", "祥川省教育厅", "provincial_portal", "provincial_portal")
        assert validation_errors(r, "crawl-attachment") == []
        assert len(r["text"]) > 40
    # the documents' own text, read from the bytes, not the list's words
    assert "认定机构" in docs[f"{HOST}/tzgg/202501/P020250120401112345678.xls"]["text"]
    assert "教育工作会议" in docs[f"{HOST}/tzgg/202502/P020250221396412345678.doc"]["text"]
    for url in NOT_ENTRIES:  # neither fetched (a 404 or a non-document would be an error record) nor kept
        assert url not in {r["url"] for r in result.records}
    summary = result.summary
    assert summary["articles_emitted"] == 1 and summary["documents_emitted"] == 4
    assert summary["attachments_emitted"] == 0 and summary["sites_without_articles"] == []
    acc = summary["accounting"]
    assert (acc["pages"], acc["articles"], acc["documents"], acc["list_pages"], acc["error_records"],
            acc["balanced"]) == (7, 1, 4, 2, 0, True), acc
    problems = check_golden("column_docs", result.records)
    assert not problems, "\n".join(problems) + "\n(UPDATE_GOLDEN=1 to rewrite, then review the diff)"


def test_a_document_outside_the_date_window_is_not_fetched(crawl):
    result = crawl("provincial_portal", args={"site": "column_docs", "since": "2025-01-01"},
                   settings=REPLAY, proxy=OFFLINE)
    assert result.returncode == 0, result.log[-3000:]
    assert result.errors == []
    assert sorted(r["url"] for r in result.records) == sorted([ARTICLE, *(u for u in DOCUMENTS if u != OLD)])
    acc = result.summary["accounting"]
    assert (acc["pages"], acc["documents"], acc["balanced"]) == (6, 3, True), acc
    assert "'documents/outside_dates': 1" in result.log


def test_documents_over_the_size_cap_are_error_records(crawl):
    """Replayed (the pipeline measures the body) and through a real HTTP server (the downloader
    stops reading): the PDF (9,755 bytes) and the DOC (10,240) are over 6,000, the XLS is not."""
    big = [f"{HOST}/tzgg/202503/P020250310385612345678.pdf", f"{HOST}/tzgg/202502/P020250221396412345678.doc"]
    cap = {"ATTACHMENTS_MAX_FILE_BYTES": "6000"}
    with FixtureServer.from_dir(FIXTURES) as server:
        runs = [crawl("provincial_portal", args={"site": "column_docs"}, settings={**REPLAY, **cap}, proxy=OFFLINE),
                crawl("provincial_portal", args={"site": "column_docs"}, settings=cap, proxy=server.proxy)]
    for result in runs:
        assert result.returncode == 0, result.log[-3000:]
        errors = {e["url"]: e for e in result.errors}
        assert sorted(errors) == sorted(big)
        for e in errors.values():
            assert (e["error"], e["kind"], e["list_url"], e["site"]) == ("too_large", "attachment", LIST_1, "column_docs")
            assert validation_errors(e, "crawl-error") == []
        assert sorted(documents_of(result.records)) == sorted(u for u in DOCUMENTS if u not in big)
        acc = result.summary["accounting"]
        assert (acc["pages"], acc["documents"], acc["error_records"], acc["balanced"]) == (7, 2, 2, True), acc


def test_list_documents_off_fetches_none(crawl):
    result = crawl("provincial_portal", args={"site": "column_docs"},
                   settings={**REPLAY, "LIST_DOCUMENTS_ENABLED": "0"}, proxy=OFFLINE)
    assert result.returncode == 0, result.log[-3000:]
    assert [r["url"] for r in result.records] == [ARTICLE]
    # the second list page links no article and, with documents off, nothing to fetch: said so
    assert [(e["error"], e["url"]) for e in result.errors] == [("discover", LIST_2)]
    assert result.summary["accounting"]["balanced"]


def test_a_scheduled_run_emits_an_unchanged_document_once(tmp_path):
    """With the state store, the second run finds the documents unchanged: no record again, each a counted drop."""
    state = {**REPLAY, "STATE_ENABLED": "1", "STATE_URI": f"sqlite:///{tmp_path / 'state.db'}"}
    runs = []
    for name in ("run1", "run2"):
        (tmp_path / name).mkdir()
        runs.append(run_crawl("provincial_portal", tmp_path / name, args={"site": "column_docs"},
                              settings=state, proxy=OFFLINE))
        assert runs[-1].returncode == 0, runs[-1].log[-3000:]
    first, second = runs
    assert len(documents_of(first.records)) == 4
    assert all(r["version"] == 1 for r in documents_of(first.records).values())
    assert second.records == [] and second.errors == []
    acc = second.summary["accounting"]
    assert acc["balanced"] and acc["dropped"] == {"unchanged": 5}, acc


def test_the_generic_spider_takes_the_dated_documents_of_a_page_too(crawl):
    """No CMS rules: only document links a list item dates are entries (the header's and the
    footers' documents have no date beside them, and are never asked for)."""
    result = crawl("generic", args={"start_urls": LIST_1}, settings=REPLAY, proxy=OFFLINE)
    assert result.returncode == 0, result.log[-3000:]
    assert result.errors == [], json.dumps(result.errors, ensure_ascii=False, indent=1)
    docs = documents_of(result.records)
    assert sorted(docs) == sorted(DOCUMENTS)
    for url, (title, date, list_url, _) in DOCUMENTS.items():
        assert (docs[url]["title"], docs[url]["published_at"], docs[url]["list_url"]) == (title, date, list_url)
    acc = result.summary["accounting"]
    assert (acc["documents"], acc["balanced"]) == (4, True), acc


def test_a_document_both_listed_and_attached_is_one_record(crawl, tmp_path):
    """The list links a PDF as an entry and the article beside it attaches the same PDF: one URL, one
    record (whichever read it first), the other way to it a counted drop or the article's entry."""
    base = "http://www.shared-doc.test"
    pdf = f"{base}/tzgg/202503/P020250310385612345678.pdf"
    article = f"{base}/tzgg/202503/t20250311_7001.html"
    body = (FIXTURES / "sites" / "column_docs" / "files" / "P020250310385612345678.pdf").read_bytes()
    with FixtureServer() as server:
        server.add(f"{base}/tzgg/index.html", list_html("通知公告", [
            ("/tzgg/202503/t20250311_7001.html", "关于转发招生入学工作通知的通知"),
            ("/tzgg/202503/P020250310385612345678.pdf", "关于做好2025年义务教育招生入学工作的通知")]), headers=HTML)
        server.add(article, article_html("关于转发招生入学工作通知的通知", "2025-03-11", extra=(
            '<p>附件：<a href="/tzgg/202503/P020250310385612345678.pdf">招生入学工作通知.pdf</a></p>')), headers=HTML)
        server.add(pdf, body, headers={"Content-Type": "application/pdf"})
        result = crawl("provincial_portal", args={"start_urls": f"{base}/tzgg/index.html"},
                       settings={"ATTACHMENTS_ENABLED": "1"}, proxy=server.proxy)
    assert result.returncode == 0, result.log[-3000:]
    assert result.errors == [], json.dumps(result.errors, ensure_ascii=False, indent=1)
    assert sorted(r["url"] for r in result.records) == sorted([article, pdf])
    doc = documents_of(result.records)[pdf]
    entry = next(r for r in result.records if r["url"] == article)["attachments"][0]
    assert entry["url"] == pdf and entry["id"] == doc["id"] and entry["status"] == "ok"
    acc = result.summary["accounting"]
    assert acc["balanced"], acc


def test_the_documents_are_kept_in_the_warc_and_read_again_from_it(crawl, tmp_path):
    """`python -m crawler.reclean` reads a list's documents again (`WARC-X-Page-Kind: document`), with their
    list page and the entry's title and date."""
    import subprocess
    import sys

    result = crawl("provincial_portal", args={"site": "column_docs"}, settings={**REPLAY, "WARC_ENABLED": "1"},
                   proxy=OFFLINE)
    assert result.returncode == 0, result.log[-3000:]
    docs = documents_of(result.records)
    assert all(r["warc"] and r["warc"]["length"] > 0 for r in docs.values())
    warc = next(iter(docs.values()))["warc"]["file"]
    out = tmp_path / "again.jsonl"
    root = FIXTURES.parent
    done = subprocess.run([sys.executable, "-m", "crawler.reclean", warc, "-o", str(out)], cwd=root,
                          env={"PYTHONPATH": str(root), "PATH": "/usr/bin:/bin"}, capture_output=True, text=True,
                          timeout=120)
    assert done.returncode == 0, done.stderr
    again = {r["url"]: r for r in map(json.loads, out.read_text(encoding="utf-8").splitlines())}
    assert sorted(again) == sorted([ARTICLE, *DOCUMENTS])
    for url, r in docs.items():  # the same text from the archived bytes, with the same list entry
        keys = ("content_sha256", "list_url", "title", "published_at")
        assert {k: again[url].get(k) for k in keys} == {k: r.get(k) for k in keys}


def test_the_sites_max_articles_counts_its_documents(crawl, tmp_path):
    """`max_articles = 2`: the article and the first document of the list; the rest is never asked for."""
    registry = tmp_path / "sites.toml"
    registry.write_text(f"""[sites.column_docs]
site_type = "provincial_portal"
start_urls = ["{LIST_1}"]
allowed_domains = ["jyt.xcs.gov.cn"]
max_articles = 2
""", encoding="utf-8")
    result = crawl("provincial_portal", args={"site": "column_docs"},
                   settings={**REPLAY, "SITES_REGISTRY": str(registry)}, proxy=OFFLINE)
    assert result.returncode == 0, result.log[-3000:]
    assert result.errors == []
    assert sorted(r["url"] for r in result.records) == sorted([ARTICLE, f"{HOST}/tzgg/202503/P020250310385612345678.pdf"])
    acc = result.summary["accounting"]
    assert (acc["pages"], acc["documents"], acc["balanced"]) == (3, 1, True), acc


def test_each_document_that_cannot_be_read_is_one_error_record_with_its_reason(crawl):
    """A list whose document entries fail the ways documents do: a scan with no text layer, an HTML
    page at a .pdf address, a 404; and one with no date beside it, dated by its URL instead."""
    base = "http://www.doc-faults.test"
    scan = (FIXTURES / "sites" / "notices" / "files" / "scan.pdf").read_bytes()
    plan = (FIXTURES / "sites" / "column_docs" / "files" / "P020250310385612345678.pdf").read_bytes()
    entries = [("/tzgg/202503/t20250311_7001.html", "关于开展春季开学检查的通知", "2025-03-11"),
               ("/tzgg/202503/P020250305000000000001.pdf", "2025年春季学期校历（扫描件）", "2025-03-05"),
               ("/tzgg/202503/P020250304000000000002.pdf", "关于印发实施方案的通知", "2025-03-04"),
               ("/tzgg/202503/P020250303000000000003.doc", "关于报送统计数据的通知", "2025-03-03"),
               ("/tzgg/2025/03/02/plan.pdf", "关于做好2025年义务教育招生入学工作的通知", "")]
    items = "".join(f'<li><a href="{href}">{text}</a>{f"<span>{date}</span>" if date else ""}</li>'
                    for href, text, date in entries)
    with FixtureServer() as server:
        server.add(f"{base}/tzgg/index.html", f"""<!DOCTYPE html><html><head><meta charset="utf-8">
<title>通知公告</title></head><body><ul class="list">{items}</ul></body></html>""", headers=HTML)
        server.add(base + entries[0][0], article_html(entries[0][1], entries[0][2]), headers=HTML)
        server.add(base + entries[1][0], scan, headers={"Content-Type": "application/pdf"})
        server.add(base + entries[2][0], article_html("页面已迁移", "2025-03-04"), headers=HTML)
        # entries[3]: not on the server (404)
        server.add(base + entries[4][0], plan, headers={"Content-Type": "application/pdf"})
        result = crawl("provincial_portal", args={"start_urls": f"{base}/tzgg/index.html"}, proxy=server.proxy)
    assert result.returncode == 0, result.log[-3000:]
    errors = {e["url"][len(base):]: e for e in result.errors}
    assert {path: e["error"] for path, e in errors.items()} == {
        entries[1][0]: "needs_ocr", entries[2][0]: "not_a_document", entries[3][0]: "http"}
    for e in errors.values():
        assert (e["kind"], e["list_url"]) == ("attachment", f"{base}/tzgg/index.html")
        assert validation_errors(e, "crawl-error") == []
    doc = documents_of(result.records)[base + entries[4][0]]
    assert (doc["title"], doc["published_at"]) == (entries[4][1], "2025-03-02T00:00:00+08:00")
    assert validation_errors(doc, "crawl-attachment") == []
    acc = result.summary["accounting"]
    assert (acc["pages"], acc["articles"], acc["documents"], acc["error_records"], acc["balanced"]) == \
        (6, 1, 1, 3, True), acc


def test_a_scheduled_run_asks_for_a_known_document_conditionally(tmp_path):
    """Real HTTP validators: the second run sends If-None-Match for the document too, and its 304 is a counted drop."""
    from tests.incremental.site import LocalSite, Page, article_text, crawl_command, read_jsonl, run, summary_of

    pdf_path = "/news/202403/P020240312000000000001.pdf"
    site = LocalSite()
    site.set_article(1001, "第1001号通知", article_text(1001))
    site.publish()
    site.pages[pdf_path] = Page((FIXTURES / "sites" / "column_docs" / "files" / "P020250310385612345678.pdf")
                                .read_bytes(), 1_700_000_000)
    listing = site.pages[LocalSite.LIST_PATH].body.replace(
        b"</ul>", f'<li><a href="{pdf_path}">关于做好义务教育招生入学工作的通知</a><span>2024-03-12</span></li></ul>'
        .encode("utf-8"))
    site.pages[LocalSite.LIST_PATH] = Page(listing, 1_700_000_000)
    with site:
        summaries, feeds = [], []
        for name in ("run1", "run2"):
            feed = tmp_path / f"{name}.jsonl"
            proc = run(crawl_command("provincial_portal", feed, tmp_path / "state.db",
                                     args={"start_urls": site.url(LocalSite.LIST_PATH)}))
            assert proc.returncode == 0, proc.stderr[-3000:]
            feeds.append(read_jsonl(feed))
            summaries.append(summary_of(feed))
        pdf_url = site.url(pdf_path)
    first, second = feeds
    assert [r["url"] for r in documents_of(first).values()] == [pdf_url]
    assert second == []
    acc = summaries[1]["accounting"]
    assert acc["balanced"] and acc["dropped"] == {"not_modified_304": 2}, acc
    asked = [(path, header, status) for path, header, status in site.requests if path == pdf_path]
    assert asked[0][2] == 200 and asked[1][1] and asked[1][2] == 304, asked


def test_a_raw_fetch_run_counts_the_documents_as_not_cleaned(crawl):
    """CLEAN_ENABLED=0 (raw-fetch runs): documents are fetched and counted like pages, and not read."""
    result = crawl("provincial_portal", args={"site": "column_docs"},
                   settings={**REPLAY, "CLEAN_ENABLED": "0"}, proxy=OFFLINE)
    assert result.returncode == 0, result.log[-3000:]
    assert result.records == [] and result.errors == []
    acc = result.summary["accounting"]
    assert (acc["pages"], acc["dropped"], acc["balanced"]) == (7, {"not_cleaned": 5}, True), acc


def test_a_hanweb_datastore_record_that_links_a_document_is_read_as_one(crawl):
    """Lists kept as data (a Hanweb column's <datastore> records): a record linking a file through
    the CMS's download endpoint is a document entry, with the record's title and date."""
    base = "http://jyt.data-docs.test"
    doc = "/module/download/downfile.jsp?classid=0&filename=2503101120456.pdf"
    article = "/art/2025/3/11/art_3185_10290101.html"
    records = "".join(f'<record><![CDATA[<li><a href="{href}" title="{text}">{text}</a><span>{date}</span></li>]]></record>'
                      for href, text, date in ((article, "关于开展春季开学检查的通知", "2025-03-11"),
                                               (doc, "关于做好2025年义务教育招生入学工作的通知", "2025-03-10")))
    column = f"""<!DOCTYPE html><html><head><meta charset="utf-8"><title>工作动态</title></head><body>
<div id="8841"><script type="text/xml"><datastore><recordset>{records}</recordset></datastore></script></div>
</body></html>"""
    body = (FIXTURES / "sites" / "column_docs" / "files" / "P020250310385612345678.pdf").read_bytes()
    with FixtureServer() as server:
        server.add(f"{base}/col/col3185/index.html", column, headers=HTML)
        server.add(base + article, article_html("关于开展春季开学检查的通知", "2025-03-11"), headers=HTML)
        server.add(base + doc, body, headers={"Content-Type": "application/octet-stream",
                                              "Content-Disposition": 'attachment; filename="2503101120456.pdf"'})
        result = crawl("provincial_portal", args={"start_urls": f"{base}/col/col3185/index.html"}, proxy=server.proxy)
    assert result.returncode == 0, result.log[-3000:]
    assert result.errors == [], json.dumps(result.errors, ensure_ascii=False, indent=1)
    record = documents_of(result.records)[base + doc]
    assert (record["title"], record["published_at"], record["format"], record["list_url"]) == \
        ("关于做好2025年义务教育招生入学工作的通知", "2025-03-10T00:00:00+08:00", "pdf", f"{base}/col/col3185/index.html")
    assert result.summary["accounting"]["balanced"] and result.summary["documents_emitted"] == 1
