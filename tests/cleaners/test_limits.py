"""What one page may cost (#10): bytes and elements past the limits are cut, and the
record says how much; the cut never splits a character."""

from __future__ import annotations

import codecs
import time

import pytest

from cleaners import CleanTimeoutError, clean_page
from cleaners.fingerprint import raw_sha256
from cleaners.limits import MAX_ELEMENTS, MAX_PAGE_BYTES, cut_body, cut_elements, time_limit
from cleaners.validation import validation_errors

ARTICLE = "<div id='zoom'><p>教育部召开全国教育工作会议，部署今年的重点工作，要求各地落实免试就近入学。</p></div>"


def page(filler: str, charset: str = "utf-8") -> bytes:
    return (f"<html><head><meta charset='{charset}'><title>全国教育工作会议召开</title></head>"
            f"<body>{ARTICLE}{filler}</body></html>").encode(charset)


def test_a_page_of_a_million_elements_is_cut_and_says_so():
    body = page("<p>" + "<span>一</span>" * 1_000_000 + "</p>")  # about 17 MB
    started = time.monotonic()
    record = clean_page(body, "http://www.moe.gov.cn/a/t20240412_1.html")
    assert time.monotonic() - started < 30
    assert len(body) - MAX_PAGE_BYTES <= record.cleaning["bytes_cut"] < len(body) - MAX_PAGE_BYTES + 65536
    assert record.cleaning["elements_cut"] > 0
    assert "免试就近入学" in record.text
    assert record.raw_sha256 == raw_sha256(body)  # the bytes the server sent, not the cut
    assert validation_errors(record.to_dict(), "record") == []


def test_a_page_under_the_limits_is_not_cut():
    record = clean_page(page("<p>二</p>" * 1000), "http://www.moe.gov.cn/a/t20240412_1.html")
    assert "bytes_cut" not in record.cleaning and "elements_cut" not in record.cleaning


@pytest.mark.parametrize("codec", ["gbk", "big5", "shift_jis", "utf-8"])
def test_the_byte_cut_ends_after_a_tag_and_splits_no_character(codec):
    body = ("<p>" + "教育部會議" * 7 + "</p>\n").encode(codec) * 40
    cut, n = cut_body(body, limit=1000)
    assert cut.endswith(b">") and n == len(body) - len(cut) and 0 < len(cut) <= 1000
    cut.decode(codec)  # strict: no broken character at the end


@pytest.mark.parametrize("codec,bom", [("utf-16-le", codecs.BOM_UTF16_LE), ("utf-16-be", b""),
                                       ("utf-32-le", codecs.BOM_UTF32_LE), ("utf-32-be", b"")])
def test_the_byte_cut_keeps_whole_code_units(codec, bom):
    body = bom + ("<p>教育部会议</p>\n" * 200).encode(codec)
    cut, _ = cut_body(body, limit=1001)
    cut[len(bom):].decode(codec)


def test_the_element_cut_counts_what_it_cut():
    html = "<html><body>" + "<p>x</p>" * 100 + "</body></html>"
    cut, n = cut_elements(html, limit=10)
    assert cut.count("<p>") == 8 and n == 92  # <html> and <body> count too
    assert cut_elements(html, limit=MAX_ELEMENTS) == (html, 0)


def test_the_time_limit_outlasts_code_that_swallows_exceptions():
    """trafilatura catches every Exception around its justext fallback: the alarm repeats."""
    started = time.monotonic()
    with pytest.raises(CleanTimeoutError):
        with time_limit(0.3, "a page"):
            try:
                while time.monotonic() - started < 10:
                    pass
            except Exception:  # noqa: BLE001 - what third-party code does
                pass
            while time.monotonic() - started < 10:  # the cleaning goes on after the swallowed alarm
                pass
    assert time.monotonic() - started < 2
    time.sleep(1.2)  # and once out of the block, no alarm is left to fire


def test_a_page_of_short_paragraphs_stops_at_the_time_limit():
    body = page("<p>一</p>" * 20_000)  # quadratic in trafilatura's justext fallback: 86 s unbounded
    started = time.monotonic()
    with pytest.raises(CleanTimeoutError):
        with time_limit(2, "the page"):
            clean_page(body, "http://www.moe.gov.cn/a/t20240412_1.html")
    assert time.monotonic() - started < 6


def test_a_time_limit_whose_alarm_a_library_swallowed_still_ends_over_the_limit():
    """Libraries that catch every Exception (pdfminer, trafilatura's justext fallback) may
    swallow the alarm and finish late: the work is still over the limit."""
    with pytest.raises(CleanTimeoutError):
        with time_limit(0.05, "a document"):
            try:
                time.sleep(0.2)  # the alarm comes in here...
            except Exception:  # ...and is swallowed, as a catch-all in a library does
                pass
    with time_limit(5, "a quick page"):  # finished within the limit: nothing raised
        pass
