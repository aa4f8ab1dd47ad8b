"""python -m cleaners: saved HTML in, one JSON line per input out, errors as records."""

from __future__ import annotations

import json
import subprocess
import sys

from cleaners.validation import validation_errors

from .fixture_pages import ROOT

SITE = ROOT / "fixtures" / "sites" / "chce" / "pages"


def run_cli(*args: str, stdin: bytes | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "cleaners", *args], cwd=ROOT, input=stdin,
                          capture_output=True, timeout=120)


def test_directory_is_recursed_and_every_input_gives_one_line():
    # HTML and documents (the site's attachment, a PDF, is read too)
    inputs = sorted(p for p in SITE.rglob("*") if p.suffix in (".html", ".htm", ".asp", ".pdf"))
    done = run_cli(str(SITE), "--jobs", "2")
    assert done.returncode == 0, done.stderr.decode()
    lines = done.stdout.decode("utf-8").splitlines()
    assert len(lines) == len(inputs)
    records = [json.loads(line) for line in lines]
    assert [r["path"] for r in records] == [str(p) for p in inputs]  # input order kept
    articles = [r for r in records if "error" not in r]
    assert articles and all(validation_errors(r, "record") == [] for r in articles)
    article_texts = "".join(r["text"] for r in articles if "ShowArticle" in r["path"])
    assert "国家素质教育网" not in article_texts and "打印本页" not in article_texts


def test_chinese_is_written_unescaped():
    page = SITE / "Article_ShowArticle__ArticleID-3314.html"
    done = run_cli(str(page), "--url", "http://www.chce.org.cn/Article/ShowArticle.asp?ArticleID=3314")
    out = done.stdout.decode("utf-8")
    assert "2024年全国教育工作会议闭幕" in out and "\\u" not in out
    record = json.loads(out)
    assert record["url"].endswith("ArticleID=3314") and record["site_type"] == "quality_education"


def test_unreadable_and_non_html_inputs_become_error_records(tmp_path):
    pdf = tmp_path / "notice.html"
    pdf.write_bytes(b"%PDF-1.4\n1 0 obj\n")
    missing = tmp_path / "missing.html"
    done = run_cli(str(pdf), str(missing))
    assert done.returncode == 0
    first, second = (json.loads(line) for line in done.stdout.decode().splitlines())
    # told by its bytes, the file is read as a PDF (a damaged one), not as HTML
    assert first["error"] == "document" and "PDF" in first["reason"] and len(first["raw_sha256"]) == 64
    assert second["error"] == "read" and second["path"] == str(missing)
    assert all(validation_errors(r, "error") == [] for r in (first, second))


def test_stdin_with_headers():
    body = "<html><body><p>教育部办公厅关于做好2024年义务教育招生入学工作的通知，要求各地严格落实免试就近入学。</p></body></html>"
    done = run_cli("-", "--header", "Content-Type: text/html; charset=gbk", "--url",
                   "http://www.moe.gov.cn/srcsite/A06/s3321/202404/t20240412_1125074.html",
                   stdin=body.encode("gbk"))
    record = json.loads(done.stdout)
    assert record["encoding"]["http"] == "gbk" and "免试就近入学" in record["text"]
    assert record["published_at"] == "2024-04-12T00:00:00+08:00"  # from the URL


def test_usage_errors_exit_non_zero():
    assert run_cli().returncode == 2
    assert run_cli("--site-type", "blog", "x.html").returncode == 2
    assert run_cli("--header", "no colon", "x.html").returncode == 2
