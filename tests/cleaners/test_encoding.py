"""decode_body: declared charsets are checked against the bytes, decoding never raises."""

from __future__ import annotations

import codecs
import json
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cleaners import clean_page
from cleaners.encoding import decode_body, normalise_charset_label, sniff_meta_charset
from cleaners.record import EncodingReport

ROOT = Path(__file__).resolve().parents[2]
CASES_DIR = Path(__file__).resolve().parent / "cases" / "encoding"
CASES = json.loads((CASES_DIR / "cases.json").read_text(encoding="utf-8"))
BENCH = ROOT.parent / "shared" / "bench" / "zh"
SCHEMA = ROOT / "cleaners" / "schema" / "record.schema.json"


def _check_schema(report: EncodingReport) -> None:
    """The report is what lands in the record's `encoding` field: it must meet the schema."""
    if SCHEMA.is_file():
        jsonschema = pytest.importorskip("jsonschema")
        schema = json.loads(SCHEMA.read_text(encoding="utf-8"))["$defs"]["article"]["properties"]["encoding"]
        jsonschema.validate(report.to_dict(), schema)


@pytest.mark.parametrize("case", CASES, ids=[c["name"] for c in CASES])
def test_case(case):
    body = (CASES_DIR / case["file"]).read_bytes()
    text, report = decode_body(body, case["headers"])
    assert report.used == case["used"], report.reason
    assert case["expect_text"] in text, report.reason
    assert report.replacement_chars <= case["max_replacement_chars"], report.reason
    assert report.replacement_chars >= case.get("min_replacement_chars", 0), report.reason
    assert not text.startswith("\ufeff")
    for field in ("http", "meta", "bom"):
        if field in case:
            assert getattr(report, field) == case[field], report
    if "reason_contains" in case:
        assert case["reason_contains"] in report.reason
    assert report.reason and "\n" not in report.reason
    _check_schema(report)


@pytest.mark.parametrize("case", CASES, ids=[c["name"] for c in CASES])
def test_case_cleans_to_a_record(case):
    """The "is this HTML" sniff reads decoded text: UTF-16/32 pages are pages too."""
    body = (CASES_DIR / case["file"]).read_bytes()
    record = clean_page(body, "http://www.moe.gov.cn/jyb_xwfb/202101/t20210108_1.html", case["headers"])
    assert record.encoding.used == case["used"]
    assert record.encoding.replacement_chars <= case["max_replacement_chars"]
    assert record.text.strip() and "\x00" not in record.text


def test_broken_gb_is_not_a_dos_codepage():
    body = (CASES_DIR / "broken_gb_bytes_undeclared.html").read_bytes()
    text, report = decode_body(body)
    assert 1 <= report.replacement_chars <= 3
    assert "控辍保学" in text


def test_empty_body():
    text, report = decode_body(b"")
    assert text == ""
    assert isinstance(report, EncodingReport) and report.replacement_chars == 0


def test_literal_replacement_char_in_utf8_is_not_counted():
    body = "<p>已有的\ufffd字符：教育部通知</p>".encode("utf-8")
    text, report = decode_body(body, {"content-type": "text/html; charset=utf-8"})
    assert report.used == "utf-8" and report.replacement_chars == 0
    assert "\ufffd" in text


def test_replacements_are_counted():
    body = "<p>教育部办公厅关于做好2021年义务教育招生工作的通知</p>".encode("gbk") + b"\x81\x20end"
    text, report = decode_body(body, {"Content-Type": "text/html; charset=gbk"})
    assert report.used == "gb18030"
    assert report.replacement_chars == 1
    assert text.endswith(" end") or text.endswith("\ufffd end")


def test_scrapy_style_headers():
    body = "<p>教育部办公厅关于做好义务教育招生工作的通知</p>".encode("gbk")
    _, report = decode_body(body, {b"Content-Type": [b"text/html; charset=GBK"]})
    assert report.http == "gbk" and report.used == "gb18030"


@pytest.mark.parametrize(
    "label,codec",
    [
        ("gb2312", "gb18030"), ("GBK", "gb18030"), ("cp936", "gb18030"), ("x-gbk", "gb18030"),
        ("GB_2312-80", "gb18030"), ("euc-cn", "gb18030"), ("gb18030", "gb18030"),
        ("big5", "big5hkscs"), ("Big5-HKSCS", "big5hkscs"), ("cp950", "big5hkscs"), ("x-x-big5", "big5hkscs"),
        ("UTF8", "utf-8"), ("utf-8", "utf-8"), (' "utf-8" ', "utf-8"),
        ("iso-8859-1", "cp1252"), ("latin1", "cp1252"), ("us-ascii", "cp1252"),
        ("Shift_JIS", "cp932"), ("euc-kr", "cp949"), ("hz-gb-2312", "hz"),
        ("foo-bar", None), ("", None), ("utf-7", None), ("rot13", None),
    ],
)
def test_normalise_charset_label(label, codec):
    assert normalise_charset_label(label) == codec


@pytest.mark.parametrize(
    "head,label",
    [
        (b'<html><head><meta charset="GB2312"><title>x</title>', "gb2312"),
        (b"<meta http-equiv='Content-Type' content='text/html; charset=gbk' />", "gbk"),
        (b'<meta content="text/html;charset=utf-8" http-equiv="Content-Type">', "utf-8"),
        (b'<!-- <meta charset="big5"> --><meta charset="utf-8">', "utf-8"),
        (b'<text id="http://x" title="t" encoding="gb2312">\n<html><head><title>t</title>', None),
        (b'<text id="u" encoding="utf8">\n<html><head><meta charset="gbk">', "gbk"),
        (b'<script src="a.js" charset="gb2312"></script><title>x</title>', None),
        (b'<?xml version="1.0" encoding="GB2312"?>\n<html>', "gb2312"),
        (b"<html><head><title>x</title></head><body>" + b" " * 5000 + b'<meta charset="big5">', None),
        (b"<html><head>" + b"<!--" + b"x" * 6000 + b'-->\n<meta charset="gbk">', "gbk"),
        (b"", None),
    ],
)
def test_sniff_meta_charset(head, label):
    assert sniff_meta_charset(head) == label


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    body=st.one_of(
        st.binary(max_size=2048),
        st.builds(
            lambda a, b: a + b,
            st.sampled_from([b"", b"\xef\xbb\xbf", b"\xff\xfe", b"\xfe\xff", b"\xff\xfe\x00\x00"]),
            st.binary(max_size=512),
        ),
        st.builds(lambda s, b: s.encode("gbk", "ignore") + b, st.text(max_size=200), st.binary(max_size=64)),
    ),
    label=st.one_of(
        st.none(),
        st.sampled_from(
            ["utf-8", "gbk", "big5", "utf-16", "shift_jis", "hz-gb-2312", "iso-2022-jp", "latin1", "foo", ""]
        ),
    ),
    where=st.sampled_from(["header", "meta", "both"]),
)
def test_never_raises(body, label, where):
    headers = None
    if label is not None and where in ("header", "both"):
        headers = {"Content-Type": f"text/html; charset={label}"}
    if label is not None and where in ("meta", "both"):
        body = f'<meta charset="{label}">'.encode("ascii") + body
    text, report = decode_body(body, headers)
    assert isinstance(text, str)
    assert report.used and report.replacement_chars >= 0
    assert not text.startswith("\ufeff")
    _check_schema(report)


def _bench_pages():
    if not (BENCH / "manifest.json").is_file():
        return []
    return json.loads((BENCH / "manifest.json").read_text(encoding="utf-8"))["pages"]


@pytest.mark.skipif(not (BENCH / "manifest.json").is_file(), reason="../shared/bench not present")
def test_bench_pages_decode_to_chinese():
    bad = []
    for page in _bench_pages():
        body = (BENCH / page["html"]).read_bytes()
        text, report = decode_body(body)
        han = sum(1 for c in text if "\u4e00" <= c <= "\u9fff")
        non_ascii = sum(1 for c in text if ord(c) > 127) or 1
        # Pages with invalid GB sequences keep a few replacements; nothing should be mojibake.
        if report.replacement_chars > 20 or han / non_ascii < 0.5 or report.used not in ("utf-8", "gb18030"):
            bad.append((page["id"], report.used, report.replacement_chars, round(han / non_ascii, 2)))
        if not page["html_utf8_valid"]:
            assert report.used == "gb18030", (page["id"], report)
    assert not bad


def test_hz_declared():
    body = b'<meta charset="hz-gb-2312"><p>' + "教育部通知".encode("hz") + b"</p>"
    text, report = decode_body(body)
    assert report.used == "hz" and "教育部通知" in text


def test_iso2022_jp_undeclared():
    body = "<p>文部科学省の通知を発表しました</p>".encode("iso2022_jp")
    text, report = decode_body(body)
    assert report.used.startswith("iso2022_jp") and "文部科学省" in text


def test_utf32_bom_only_when_it_decodes():
    _, report = decode_body(b"\xff\xfe\x00\x00" + "<p>通知</p>".encode("utf-16-le"))
    assert report.bom == "utf-16-le"
    text, report = decode_body(codecs.BOM_UTF32_LE + "<p>通知</p>".encode("utf-32-le"))
    assert report.used == "utf-32-le" and text == "<p>通知</p>"


@pytest.mark.parametrize("codec", ["utf-8", "utf-16-le", "utf-16-be", "utf-32-le", "utf-32-be", "gbk"])
@pytest.mark.parametrize("bom", [True, False])
def test_one_html_sniffer_reads_text_not_ascii_bytes(codec, bom):
    """cleaners.sniff is the one "is this HTML" check; the crawler's responses module uses it."""
    from cleaners.sniff import looks_like_html
    from crawler.fetch.responses import looks_like_html as crawler_sniff

    if bom and not codec.startswith("utf"):
        pytest.skip("a byte-order mark is a UTF thing")
    page = "<!DOCTYPE html><html><head><title>通知</title></head><body><p>教育部</p></body></html>"
    body = (("\ufeff" if bom else "") + page).encode(codec)
    assert looks_like_html(body) and crawler_sniff is looks_like_html
    plain = ("\ufeff" if bom else "") + "教育部办公厅关于做好招生工作的通知 " * 20
    assert not looks_like_html(plain.encode(codec))
