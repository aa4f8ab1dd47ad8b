"""cleaners.documents: each format of the notices fixture read into a record; the failure paths typed."""

from __future__ import annotations

import io
from pathlib import Path

import pytest

from cleaners.documents import document_format, extract_document
from cleaners.errors import CleanError
from cleaners.validation import validation_errors

ROOT = Path(__file__).resolve().parents[2]
FILES = ROOT / "fixtures" / "sites" / "notices" / "files"
URL = "http://jwc.hbnu.edu.cn/__local/x/"


def read(name: str, url: str | None = None, headers: dict | None = None, title: str | None = None):
    return extract_document((FILES / name).read_bytes(), url or URL + name, headers, title)


@pytest.mark.parametrize("name,fmt,first_line,library", [
    ("plan.pdf", "pdf", "课程思政建设实施方案", "pdfminer.six"),
    ("receipt.docx", "docx", "回执表", "python-docx"),
    ("rules.doc", "doc", "关于加强教学管理的若干规定", "olefile"),
    ("guide.wps", "wps", "教学工作指南", "olefile"),
    ("signup.xlsx", "xlsx", "序号 学院 姓名 职务 联系电话", "openpyxl"),
    ("summary.xls", "xls", "序号 学院 姓名 职务 联系电话", "xlrd"),
    ("notes.odt", "odt", "会议纪要", "odfpy"),
])
def test_each_format_gives_a_valid_record_with_its_text(name, fmt, first_line, library):
    record = read(name).to_dict()
    assert record["kind"] == "attachment" and record["format"] == fmt
    assert record["text"].split("\n")[0] == first_line
    assert record["extractor"].startswith(library + " ")
    assert record["bytes"] == (FILES / name).stat().st_size
    assert validation_errors(record, "attachment") == []
    assert "\u3000" not in record["text"] and "\r" not in record["text"]


def test_the_format_is_told_by_the_bytes_not_the_name():
    # a DOCX served from a download endpoint as octet-stream, named only by the link text
    body = (FILES / "receipt.docx").read_bytes()
    vsb = "http://jwc.hbnu.edu.cn/system/_content/download.jsp?urltype=news.DownloadAttachUrl&wbfileid=4521"
    assert document_format(body, vsb, {"Content-Type": "application/octet-stream"}, "回执表.docx") == "docx"
    # a PDF behind a .doc name is a PDF; a Word 97 file named .wps is WPS, named .doc a DOC
    assert document_format((FILES / "plan.pdf").read_bytes(), URL + "a.doc") == "pdf"
    assert document_format((FILES / "guide.wps").read_bytes(), URL + "a.doc") == "doc"
    assert document_format((FILES / "rules.doc").read_bytes(), URL + "a.wps") == "wps"
    # an HTML page is no document, whatever the link said
    assert document_format(b"<html><body>hi</body></html>", URL + "a.pdf") is None


def test_content_disposition_names_the_file():
    record = read("rules.doc", url="http://jwc.hbnu.edu.cn/downfile.jsp?id=7",
                  headers={"Content-Disposition": "attachment; filename*=UTF-8''%E8%A7%84%E5%AE%9A.doc"})
    assert record.filename == "规定.doc" and record.title == "规定.doc"
    # a GBK name sent raw, as many Chinese CMSs do
    raw = "附件2.doc".encode("gbk").decode("latin-1")
    record = read("rules.doc", url="http://x/down.asp?id=1",
                  headers={"Content-Disposition": f'attachment; filename="{raw}"'})
    assert record.filename == "附件2.doc"
    # a download endpoint's own name is no file name; the link text is the title
    record = read("receipt.docx", url="http://x/system/_content/download.jsp?wbfileid=1", title="回执表.docx")
    assert record.filename is None and record.title == "回执表.docx"


def test_pdf_lines_are_joined_and_page_furniture_removed():
    pdf = read("plan.pdf")
    docx = read("receipt.docx")  # the same seed paragraphs, written as paragraphs
    lines = pdf.text.split("\n")
    for paragraph in docx.text.split("\n")[1:3]:
        assert paragraph in lines  # one paragraph, one line, across the page width and page breaks
    assert "湖北师范大学教务处文件" not in pdf.text  # the running header of every page
    assert not any(line.strip("- ").isdigit() for line in lines)  # "- 2 -"
    assert pdf.cleaning["lines_joined"] > 10 and pdf.cleaning["running_headers"] >= 3
    assert pdf.pages == 3


def test_tables_keep_their_rows():
    docx = read("receipt.docx").text.split("\n")
    assert "1 教育学院 张明 副院长 13800000001" in docx
    xlsx = read("signup.xlsx").text.split("\n")
    assert xlsx[1] == "1 教育学院 张明 副院长 13800000001"  # numbers as written, not 1.0


def test_identical_bytes_give_identical_fingerprints_and_other_urls_other_ids():
    a = read("plan.pdf", url="http://x/a.pdf")
    b = read("plan.pdf", url="http://x/b.pdf")
    assert a.raw_sha256 == b.raw_sha256 and a.content_sha256 == b.content_sha256 and a.simhash == b.simhash
    assert a.id != b.id


def _stage(body: bytes, url: str = URL + "f.pdf", headers: dict | None = None) -> tuple[str, str]:
    with pytest.raises(CleanError) as info:
        extract_document(body, url, headers)
    return info.value.stage, info.value.reason


def test_a_scan_needs_ocr_and_is_not_an_empty_text():
    stage, reason = _stage((FILES / "scan.pdf").read_bytes())
    assert stage == "needs_ocr" and "2 page(s)" in reason


def test_a_blank_pdf_is_empty_not_a_scan():
    chce = ROOT / "fixtures" / "sites" / "chce" / "pages" / "UploadFiles_2024_1_202401221036421783.pdf"
    assert _stage(chce.read_bytes())[0] == "empty"


def test_archives_are_listed_not_unpacked():
    assert _stage((FILES / "forms.rar").read_bytes(), URL + "f.rar")[0] == "archive"
    buf = io.BytesIO()
    import zipfile
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr("a.txt", "x")
    assert _stage(buf.getvalue(), URL + "f.zip")[0] == "archive"


def test_an_encrypted_pdf_is_reported():
    from reportlab.lib import pdfencrypt
    from reportlab.pdfgen import canvas

    buf = io.BytesIO()
    c = canvas.Canvas(buf, encrypt=pdfencrypt.StandardEncryption("user", "owner", canPrint=0))
    c.drawString(72, 720, "secret text")
    c.showPage()
    c.save()
    assert _stage(buf.getvalue())[0] == "encrypted"


@pytest.mark.parametrize("name", ["plan.pdf", "receipt.docx", "rules.doc", "signup.xlsx", "summary.xls", "notes.odt"])
def test_a_truncated_file_is_a_typed_error(name):
    body = (FILES / name).read_bytes()
    stage, _ = _stage(body[: len(body) // 3], URL + name)
    assert stage in ("document", "empty", "needs_ocr", "archive")


def test_what_is_not_a_document():
    assert _stage(b"")[0] == "empty"
    assert _stage(b"<html><body><p>not found</p></body></html>", URL + "f.pdf",
                  {"Content-Type": "text/html"})[0] == "unsupported"
    assert _stage(b"\x89PNG\r\n\x1a\n" + bytes(100), URL + "f.png")[0] == "unsupported"


def test_damaged_files_raise_only_clean_errors_and_print_nothing(capfd):
    """Bounded fuzzing: flipped bytes and cut files of every format; only CleanError, never stdout noise."""
    import random
    import time

    rnd = random.Random(16)
    files = sorted(FILES.iterdir())
    slowest = 0.0
    for _ in range(150):
        path = rnd.choice(files)
        body = bytearray(path.read_bytes())
        for _ in range(rnd.randint(1, 20)):
            body[rnd.randrange(len(body))] = rnd.randrange(256)
        if rnd.random() < 0.3:
            body = body[: rnd.randrange(1, len(body))]
        started = time.monotonic()
        try:
            extract_document(bytes(body), URL + path.name)
        except CleanError:
            pass
        slowest = max(slowest, time.monotonic() - started)
    assert slowest < 5
    assert capfd.readouterr().out == ""  # xlrd writes its warnings to stdout unless told not to


def test_a_page_that_mentions_the_pdf_header_is_not_a_pdf():
    page = "<html><body><p>PDF 文件以 %PDF-1.7 开头。</p></body></html>".encode("utf-8")
    assert document_format(page, "http://x/a.htm") is None
    assert document_format(b"\r\n\r\n%PDF-1.4\n" + (FILES / "plan.pdf").read_bytes()[9:], "http://x/a") == "pdf"


def test_word97_pieces_8bit_and_unicode_with_fields_and_cells():
    """A Word 97 piece table as Word writes it: an 8-bit ("compressed") piece, a UTF-16 piece,
    a field (instruction dropped, result kept), table cells, and footnote text after ccpText."""
    import struct

    from fixtures.make_attachments import compound_file

    ascii_part = "Notice No. 12\r"
    unicode_part = "请登录\x13 HYPERLINK \"http://x.cn\" \x14教务系统\x15填报。\r姓名\x07学院\x07\x07"
    footnote = "脚注文字\r"
    main_len = len(ascii_part) + len(unicode_part)
    word = bytearray(0x1000)
    fc_ascii, fc_unicode = 0x800, 0x900
    word[fc_ascii:fc_ascii + len(ascii_part)] = ascii_part.encode("cp1252")
    uni = (unicode_part + footnote).encode("utf-16-le")
    word[fc_unicode:fc_unicode + len(uni)] = uni
    struct.pack_into("<HH", word, 0, 0xA5EC, 0x00C1)
    struct.pack_into("<H", word, 0x0A, 0x0200)
    struct.pack_into("<i", word, 0x4C, main_len)  # ccpText: the footnote is not main text
    cps = [0, len(ascii_part), main_len + len(footnote)]
    pcds = struct.pack("<HIH", 0, (fc_ascii * 2) | 0x40000000, 0) + struct.pack("<HIH", 0, fc_unicode, 0)
    plc = struct.pack("<3i", *cps) + pcds
    clx = b"\x01" + struct.pack("<H", 3) + b"\x00\x00\x00" + b"\x02" + struct.pack("<I", len(plc)) + plc
    table = bytearray(0x200) + clx
    struct.pack_into("<II", word, 0x1A2, 0x200, len(clx))
    body = compound_file({"WordDocument": bytes(word), "1Table": bytes(table)})
    record = extract_document(body, URL + "n.doc")
    assert record.text.split("\n") == ["Notice No. 12", "请登录教务系统填报。", "姓名", "学院"]
