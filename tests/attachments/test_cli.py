"""`python -m cleaners` reads attachments too, and says what it could and could not read."""

import json
import subprocess
import sys
from pathlib import Path

from cleaners.validation import validation_errors

ROOT = Path(__file__).resolve().parents[2]
FILES = ROOT / "fixtures" / "sites" / "notices" / "files"


def run(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "cleaners", *args], cwd=ROOT, capture_output=True, text=True,
                          env={"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin"}, timeout=120)


def test_a_directory_of_attachments():
    done = run(str(FILES), "--jobs", "2")
    assert done.returncode == 0, done.stderr
    lines = [json.loads(line) for line in done.stdout.splitlines()]
    by_name = {Path(r["path"]).name: r for r in lines}
    assert set(by_name) == {p.name for p in FILES.iterdir()}
    assert {n: r.get("format") or r["error"] for n, r in by_name.items()} == {
        "forms.rar": "archive", "guide.wps": "wps", "notes.odt": "odt", "plan.pdf": "pdf",
        "receipt.docx": "docx", "rules.doc": "doc", "scan.pdf": "needs_ocr", "signup.xlsx": "xlsx",
        "summary.xls": "xls"}
    for r in lines:
        if "error" not in r:
            assert validation_errors(r, "attachment") == []
    assert "7 records, 2 errors; read: doc 1, docx 1, odt 1, pdf 1, wps 1, xls 1, xlsx 1; " \
        "not read: archive 1, needs_ocr 1" in done.stderr


def test_a_document_on_stdin_with_its_headers():
    body = (FILES / "receipt.docx").read_bytes()
    done = subprocess.run([sys.executable, "-m", "cleaners", "-", "--url", "http://x/download.jsp?wbfileid=1",
                           "--header", "Content-Type: application/octet-stream"], input=body, cwd=ROOT,
                          capture_output=True, env={"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin"}, timeout=60)
    record = json.loads(done.stdout)
    assert record["format"] == "docx" and record["text"].startswith("回执表\n")
    assert record["content_type"] == "application/octet-stream"


def test_html_and_documents_together():
    page = ROOT / "fixtures" / "sites" / "notices" / "pages" / "info_1021_3101.html"
    done = run(str(page), str(FILES / "plan.pdf"))
    kinds = [json.loads(line).get("kind", "article") for line in done.stdout.splitlines()]
    assert kinds == ["article", "attachment"]
    assert "read: html 1, pdf 1" in done.stderr
