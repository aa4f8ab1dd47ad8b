"""clean_page on arbitrary bytes and on mutated real pages: only the library's
typed errors (CleanError) come out, and no page takes longer than the per-page
limit (CLEAN_TIMEOUT's guard turns it into CleanTimeoutError, stage timeout).
Small here; scripts/hostile_report.py runs many more examples."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cleaners import CleanError, CleanTimeoutError, clean_page
from crawler.clean.timeout import time_limit
from crawler.items import PagePart, PageItem
from crawler.clean.pipeline import clean_item

ROOT = Path(__file__).resolve().parents[2]
PAGES = sorted((ROOT / "fixtures" / "sites").glob("*/pages/*"))[:40]
PAGE_LIMIT = 5.0  # seconds per page
EXAMPLES = 40


def clean_bounded(body: bytes, limit: float = PAGE_LIMIT) -> str:
    """'record', or the stage of the typed error; a bug (stage `bug`) or any other
    exception propagates (a crash)."""
    started = time.monotonic()
    try:
        with time_limit(limit):
            clean_page(body, "http://www.example.edu.cn/xwzx/202403/t20240312_1.html",
                       headers={"Content-Type": "text/html"})
        return "record"
    except CleanError as exc:
        # a bug is not a bad page: an exception the cleaner did not expect fails the fuzz
        assert exc.stage != "bug", getattr(exc, "traceback", exc.reason)
        return exc.stage
    finally:
        assert time.monotonic() - started < limit + 2, "the time limit did not cut the page off"


@st.composite
def mutated_page(draw):
    body = bytearray(PAGES[draw(st.integers(0, len(PAGES) - 1))].read_bytes())
    for _ in range(draw(st.integers(1, 8))):
        op = draw(st.sampled_from(["flip", "cut", "insert", "dup"]))
        i = draw(st.integers(0, max(0, len(body) - 1)))
        if op == "flip" and body:
            body[i] ^= draw(st.integers(1, 255))
        elif op == "cut":
            del body[i:i + draw(st.integers(1, 4096))]
        elif op == "insert":
            body[i:i] = draw(st.sampled_from([b"\x00", b"<div>" * 50, b"</p></td>", b"\xff\xfe", b"\xe4\xb8",
                                              b"<meta charset=big5>", b"<!--", b"<script>", b"]]>", b"\r"]))
        elif op == "dup":
            body[i:i] = body[i:i + draw(st.integers(1, 2048))] * draw(st.integers(1, 5))
    return bytes(body)


@pytest.mark.timeout(300)
@settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck), database=None)
@given(st.binary(max_size=20000))
def test_arbitrary_bytes(body):
    clean_bounded(body)


@pytest.mark.timeout(300)
@settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck), database=None)
@given(mutated_page())
def test_mutated_real_pages(body):
    clean_bounded(body)


def test_time_limit_cuts_off_a_slow_page():
    with pytest.raises(CleanTimeoutError) as exc:
        with time_limit(0.2, "a page"):
            while True:
                pass
    assert exc.value.stage == "timeout"


def test_clean_item_over_the_limit_is_a_timeout_error():
    body = PAGES[0].read_bytes()
    big = body.replace(b"</body>", b"<p>" + "教育部召开会议。".encode() * 200000 + b"</p></body>")
    part = PagePart(url="http://a.cn/t20240312_1.html", final_url="http://a.cn/t20240312_1.html", status=200,
                    headers={"Content-Type": "text/html; charset=utf-8"}, body=big)
    item = PageItem(page=part, site="a", site_name=None, site_type=None, spider="generic", crawl_id="c")
    started = time.monotonic()
    out = clean_item(item, timeout=0.05)
    assert out.get("__error__", ("",))[0] == "timeout", out.keys()
    assert time.monotonic() - started < 3
    assert "__error__" not in clean_item(PageItem(page=PagePart(**{**part.__dict__, "body": body}), site="a",
                                                  site_name=None, site_type=None, spider="g", crawl_id="c"),
                                         timeout=30)
