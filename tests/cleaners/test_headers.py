"""cleaners.headers: the one reading of HTTP headers, whatever shape they come in."""

from __future__ import annotations

import pytest

from cleaners.encoding import decode_body
from cleaners.headers import header, header_items, header_text, media_type, plain_headers

GBK_NAME = "附件.pdf".encode("gbk")


def scrapy_headers(pairs):
    http = pytest.importorskip("scrapy.http")
    headers = http.Headers()
    for name, value in pairs:
        headers.appendlist(name, value)
    return headers


def test_scrapy_headers_become_lower_cased_str_with_the_first_value():
    headers = scrapy_headers([("Content-Type", "text/html; charset=GBK"), ("content-type", "text/plain"),
                              ("ETag", '"abc"'), ("Content-Disposition", b"attachment; filename=" + GBK_NAME)])
    plain = plain_headers(headers)
    assert plain["content-type"] == "text/html; charset=GBK"
    assert plain["etag"] == '"abc"'
    # latin-1: the bytes come back one to one (a GBK file name is recovered from them)
    assert plain["content-disposition"].encode("latin-1").endswith(GBK_NAME)
    assert header(headers, "CONTENT-TYPE") == "text/html; charset=GBK"
    assert media_type(headers) == "text/html"


def test_a_scrapy_header_read_directly_is_read_as_from_the_plain_copy():
    headers = scrapy_headers([("Content-Type", "text/html; charset=GBK"), ("content-type", "text/plain"),
                              ("ETag", '"abc"'), ("Content-Disposition", b"attachment; filename=" + GBK_NAME),
                              ("X-Empty", "")])
    plain = plain_headers(headers)
    for name in ("content-type", "CONTENT-TYPE", "etag", "Content-Disposition", "x-empty", "Location", "x"):
        assert header(headers, name) == plain.get(name.lower()), name


def test_dicts_of_str_bytes_and_lists():
    assert plain_headers({"Content-Type": "text/html", b"X-Id": [b"1", b"2"], "Empty": ""}) == \
        {"content-type": "text/html", "x-id": "1", "empty": ""}
    assert header({b"Last-Modified": b"Tue, 01 Jan 2030 00:00:00 GMT"}, "last-modified") == \
        "Tue, 01 Jan 2030 00:00:00 GMT"
    assert header({"X-List": []}, "X-List") is None  # a header without a value is no header


def test_a_name_given_twice_in_two_cases_counts_the_later():
    headers = {"content-type": "text/plain", "Content-Type": "text/html"}  # a later --header overrides
    assert header(headers, "Content-Type") == "text/html"
    assert media_type(headers) == "text/html"


@pytest.mark.parametrize("headers", [None, {}, {"ETag": "x"}])
def test_missing(headers):
    assert header(headers, "Content-Type") is None
    assert media_type(headers) is None
    assert plain_headers(headers) == ({"etag": "x"} if headers else {})


@pytest.mark.parametrize("value,want", [
    ("text/html; charset=gb2312", "text/html"), ("Text/HTML;charset=UTF-8", "text/html"),
    (b"application/PDF ; name=a.pdf", "application/pdf"), ("  application/xhtml+xml  ", "application/xhtml+xml"),
    ([b"text/html", b"application/pdf"], "text/html"), ("", None), ("; charset=gbk", None), (None, None)])
def test_media_type_of_a_value(value, want):
    assert media_type(value) == want


def test_header_text_and_items_keep_names_as_sent():
    assert header_text([b"a", b"b"]) == "a" and header_text(b"\xb8\xbd") == "\xb8\xbd"
    assert header_text(None) is None and header_text([]) is None
    assert list(header_items({b"ETag": [b'"x"'], "Server": "nginx"})) == [("ETag", '"x"'), ("Server", "nginx")]


def test_a_content_type_sent_twice_is_read_alike_by_the_decoder_and_the_record():
    """The charset came from the last value and the record's content type from the first."""
    headers = scrapy_headers([("Content-Type", "text/html; charset=gbk"), ("Content-Type", "text/html; charset=utf-8")])
    body = "<html><body><p>教育部</p></body></html>".encode("gbk")
    _, report = decode_body(body, headers)
    assert report.http == "gbk"
    assert header(headers, "Content-Type") == "text/html; charset=gbk"


def test_the_spider_and_the_record_read_the_same_content_type():
    http = pytest.importorskip("scrapy.http")
    from crawler.emit.provenance import decode_headers
    from crawler.fetch.responses import problem

    headers = scrapy_headers([("Content-Type", "text/html; charset=utf-8"), ("Content-Type", "application/pdf")])
    response = http.Response("http://example.org/a.html", status=200, headers=headers,
                             body=b"<html><head><title>t</title></head><body><p>text</p></body></html>")
    assert media_type(decode_headers(response)) == "text/html"
    assert problem(response) is None  # an HTML page, as the record and the cleaner read it
