"""Bad content: every page ends as a record or an error record, never a crash
(an "unexpected ..." reason) and never a hang."""

from __future__ import annotations

import subprocess

import pytest

from tests.hostile import scenarios

pytestmark = [pytest.mark.slow, pytest.mark.timeout(300)]


def test_each_bad_page_is_a_record_or_an_error_record(bad_content):
    g = bad_content
    assert g.crawl.returncode == 0, g.crawl.log[-3000:]
    assert g.problems() == {}, scenarios.dump(g)
    assert len(g.crawl.records) + len(g.crawl.errors) == len(g.outcomes)


@pytest.mark.parametrize("n", [2001, 2002, 2003, 2004, 2005, 2006])
def test_readable_text_survives(bad_content, n):
    o = next(o for o in bad_content.outcomes if o.fault.n == n)
    if o.records:
        assert "教育" in o.records[0]["text"] and "\x00" not in o.records[0]["text"]
    else:
        assert o.errors[0]["error"] in ("decode", "parse", "extract", "timeout", "content"), o.errors


def test_deeply_nested_markup_does_not_hang_the_spider(tmp_path):
    try:
        g = scenarios.run_deep_nesting(tmp_path, timeout=30)
    except subprocess.TimeoutExpired:
        pytest.fail("the crawl of one deeply nested page took over 30 s")
    assert g.crawl.returncode == 0 and g.problems() == {}, scenarios.dump(g)
