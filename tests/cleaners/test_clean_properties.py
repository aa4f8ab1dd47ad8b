"""Properties of clean_page: no input makes it raise anything but the library's
typed errors for a bad page (never `bug`, the stage of an exception the cleaner
did not expect), and cleaning its own output changes nothing."""

from __future__ import annotations

import html

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cleaners import CleanError, clean_page

from .fixture_pages import expected_articles, saved_pages

SEED_PAGES = [saved_pages(site)[exp["url"]] for site, _, exp in expected_articles()]


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(body=st.binary(max_size=4096), content_type=st.sampled_from(
    ["", "text/html", "text/html; charset=gb2312", "text/html; charset=utf-8", "application/pdf",
     "text/html; charset=nonsense"]))
def test_arbitrary_bytes_raise_only_typed_errors(body, content_type):
    try:
        clean_page(body, "http://example.edu.cn/a.html", {"Content-Type": content_type} if content_type else None)
    except CleanError as exc:
        assert_not_a_bug(exc)


def assert_not_a_bug(exc: CleanError) -> None:
    assert exc.stage != "bug", getattr(exc, "traceback", exc.reason)


@st.composite
def mutated_page(draw):
    """A real page with a slice cut out, bytes flipped, or markup spliced in."""
    body = bytearray(draw(st.sampled_from(SEED_PAGES)).body)
    for _ in range(draw(st.integers(1, 4))):
        if not body:
            break
        kind = draw(st.sampled_from(["cut", "flip", "insert", "truncate"]))
        pos = draw(st.integers(0, max(len(body) - 1, 0)))
        if kind == "cut":
            del body[pos:pos + draw(st.integers(1, 2000))]
        elif kind == "flip":
            body[pos] = draw(st.integers(0, 255))
        elif kind == "insert":
            body[pos:pos] = draw(st.sampled_from(
                [b"<div>", b"</table>", b"<!--", b"\x00", b"<ruby>", b"\xff\xfe", b"<p style='display:none'>",
                 "開云(中国)".encode("gbk"), b"<script>", b"]]>", b"<" * 50]))
        else:
            del body[pos:]
    return bytes(body)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(body=mutated_page())
def test_mutated_real_pages_raise_only_typed_errors(body):
    try:
        record = clean_page(body, "http://www.sdjky.cn/gzdt/202102/t20210213_1234.html")
    except CleanError as exc:
        assert_not_a_bug(exc)
        return
    assert record.text.strip()


@pytest.mark.parametrize("page", SEED_PAGES, ids=[p.site for p in SEED_PAGES])
def test_cleaning_is_idempotent_on_its_own_output(page):
    first = clean_page(page.body, page.url, page.headers)
    paragraphs = "".join(f"<p>{html.escape(line)}</p>\n" for line in first.text.split("\n"))
    title = html.escape(first.title or "")
    again = clean_page(
        f"<html><head><meta charset='utf-8'><title>{title}</title></head>"
        f"<body><h1>{title}</h1>\n{paragraphs}</body></html>".encode("utf-8"),
        page.url, site_type=first.site_type)
    assert again.text == first.text
    assert again.title == first.title
    assert not again.cleaning.get("glosses_removed") and not again.cleaning.get("chars_converted_t2s")


def test_an_unexpected_exception_is_a_bug_with_its_traceback(monkeypatch):
    """A bug in a step is not a bad page: stage `bug`, the traceback kept for the log."""
    from cleaners import CleanerBug, page_cleaning

    def broken_step(*args, **kwargs):
        return {}["no such key"]

    monkeypatch.setattr(page_cleaning, "extract_metadata", broken_step)
    page = SEED_PAGES[0]
    with pytest.raises(CleanerBug) as caught:
        clean_page(page.body, page.url, page.headers)
    assert caught.value.stage == "bug" and "KeyError" in caught.value.reason
    assert "broken_step" in caught.value.traceback and "Traceback" in caught.value.traceback


def test_expected_failures_are_not_bugs():
    for body in (b"", b"%PDF-1.4 x", b"just some words, no markup at all", b"<html><body></body></html>"):
        with pytest.raises(CleanError) as caught:
            clean_page(body, "http://example.edu.cn/a.html")
        assert_not_a_bug(caught.value)


def test_running_out_of_memory_is_a_limit_not_a_bug(monkeypatch):
    from cleaners import PageLimitError, page_cleaning

    def out_of_memory(*args, **kwargs):
        raise MemoryError

    monkeypatch.setattr(page_cleaning, "extract_metadata", out_of_memory)
    page = SEED_PAGES[0]
    with pytest.raises(PageLimitError) as caught:
        clean_page(page.body, page.url, page.headers)
    assert caught.value.stage == "limit"
