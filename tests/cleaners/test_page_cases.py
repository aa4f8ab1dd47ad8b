"""Whole pages through clean_page: case files in cases/pages/ (cases.json).

Each case names an HTML file (layouts seen on real pages, written small), the
snippets the record's text must hold and must not hold, and the `cleaning`
keys it must (not) report: what a removal step may never take, what it must
take, and when the floor falls back to the bare extraction.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from cleaners import clean_page

CASES_DIR = Path(__file__).parent / "cases" / "pages"
CASES = json.loads((CASES_DIR / "cases.json").read_text(encoding="utf-8"))


def _params():
    return [pytest.param(c, id=Path(c["file"]).stem) for c in CASES]


@pytest.mark.parametrize("case", _params())
def test_page_case(case):
    body = (CASES_DIR / case["file"]).read_bytes()
    record = clean_page(body, case["url"], site_type=case.get("site_type"))
    text = record.text
    for snippet in case.get("contains", []):
        assert snippet in text, f"{case['label']}\nmissing: {snippet!r}\n--- text\n{text}"
    for snippet in case.get("absent", []):
        assert snippet not in text, f"{case['label']}\nshould be gone: {snippet!r}\n--- text\n{text}"
    for key in case.get("cleaning_has", []):
        assert record.cleaning.get(key), f"{case['label']}: cleaning lacks {key!r}: {record.cleaning}"
    for key in case.get("cleaning_lacks", []):
        assert key not in record.cleaning, f"{case['label']}: cleaning has {key!r}: {record.cleaning}"
    if "page_kind" in case:
        assert record.page_kind == case["page_kind"], case["label"]


def test_every_case_file_is_used():
    files = {p.name for p in CASES_DIR.glob("*.html")}
    assert files == {c["file"] for c in CASES}


def test_structured_data_moves_to_head_and_other_scripts_go():
    """JSON-LD is never text, but the extractor reads it (a forum thread's posts are content)."""
    from cleaners.htmltree import parse_html, visible_text
    from cleaners.prune import drop_invisible

    root = parse_html('<html><head><title>t</title></head><body><p>Post one</p>'
                      '<script type="application/ld+json">{"@type": "DiscussionForumPosting"}</script>'
                      '<script>var x = 1;</script><p>Post two</p></body></html>')
    drop_invisible(root)
    scripts = root.findall(".//script")
    assert [s.getparent().tag for s in scripts] == ["head"]
    assert "DiscussionForumPosting" in scripts[0].text
    assert visible_text(root) == "Post one\nPost two"
