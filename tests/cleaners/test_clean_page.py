"""clean_page on the saved fixture sites: the seeds' articles, golden records, errors.

Expected values (fixtures/expected/) were written by hand from the seed pages;
golden records (fixtures/golden/records/) pin the whole record and are
refreshed with UPDATE_GOLDEN=1, which prints what changed.
"""

from __future__ import annotations

import json
import os
from collections import Counter

import pytest

from cleaners import CleanError, NotHTMLError, clean_page, merge_parts
from cleaners.validation import validation_errors

from .fixture_pages import ROOT, article_parts, expected_articles, saved_pages

GOLDEN = ROOT / "fixtures" / "golden" / "records"
ARTICLES = expected_articles()
IDS = [f"{site}/{stem}" for site, stem, _ in ARTICLES]


def char_f1(got: str, want: str) -> float:
    """Character-level bag F1, whitespace ignored."""
    a = Counter("".join(got.split()))
    b = Counter("".join(want.split()))
    overlap = sum((a & b).values())
    if not overlap:
        return 0.0
    p, r = overlap / sum(a.values()), overlap / sum(b.values())
    return 2 * p * r / (p + r)


def clean_article(site: str, url: str):
    parts = article_parts(site, url)
    return merge_parts([clean_page(p.body, p.url, p.headers, p.site_type) for p in parts])


@pytest.mark.parametrize("site,stem,expected", ARTICLES, ids=IDS)
def test_seed_articles_match_hand_checked_text_and_metadata(site, stem, expected):
    record = clean_article(site, expected["url"])
    f1 = char_f1(record.text, expected["text"])
    assert f1 >= 0.99, f"character F1 {f1:.4f} < 0.99\n--- got\n{record.text}\n--- want\n{expected['text']}"
    for field in ("title", "published_at", "source", "author", "editor"):
        if field in expected:
            assert getattr(record, field) == expected[field], field
    if "attachments" in expected:
        assert [a.to_dict() for a in record.attachments] == expected["attachments"]


@pytest.mark.parametrize("site,stem,expected", ARTICLES, ids=IDS)
def test_site_type_is_recognised_without_being_told(site, stem, expected):
    page = saved_pages(site)[expected["url"]]
    assert clean_page(page.body, page.url, page.headers).site_type == page.site_type


@pytest.mark.parametrize("site,stem,expected", ARTICLES, ids=IDS)
def test_golden_records(site, stem, expected):
    record = clean_article(site, expected["url"]).to_dict()
    assert validation_errors(record, "record") == []
    path = GOLDEN / site / f"{stem}.json"
    if os.environ.get("UPDATE_GOLDEN") or not path.exists():
        if path.exists():
            old = json.loads(path.read_text("utf-8"))
            changed = sorted(k for k in set(old) | set(record) if old.get(k) != record.get(k))
            print(f"golden {site}/{stem}: changed {changed}")
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(record, ensure_ascii=False, indent=1) + "\n", "utf-8")
        if not os.environ.get("UPDATE_GOLDEN"):
            pytest.fail(f"no golden record yet: wrote {path.relative_to(ROOT)}; check it and commit it")
    golden = json.loads(path.read_text("utf-8"))
    diffs = {k: (golden.get(k), record.get(k)) for k in set(golden) | set(record) if golden.get(k) != record.get(k)}
    assert not diffs, "record differs from the golden file (UPDATE_GOLDEN=1 to accept):\n" + "\n".join(
        f"  {k}: golden={v[0]!r:.200}\n  {' ' * len(k)}  now={v[1]!r:.200}" for k, v in sorted(diffs.items()))


def test_seed_000_glosses_traditional_chars_and_boilerplate_are_reported():
    site, url = "sdjky", "http://www.sdjky.cn/gzdt/202102/t20210213_1234.html"
    page = saved_pages(site)[url]
    record = clean_page(page.body, page.url, page.headers)
    assert record.encoding.used == "gb18030" and record.encoding.meta == "gb2312"  # GBK-only chars under a gb2312 label
    assert record.cleaning["ruby_glosses_removed"] > 100
    assert record.cleaning["chars_converted_t2s"] > 50
    assert record.script == "simplified"
    for leftover in ("國", "學", "體", "(guó)", "浏览次数", "上一条", "友情链接", "版权所有", "栏目热点"):
        assert leftover not in record.text, leftover


def test_spam_mirror_is_cleaned_and_flagged():
    pages = saved_pages("mirror_spam")
    page = pages["http://www.szhxjy.com/news/20221101/8817.html"]
    record = clean_page(page.body, page.url, page.headers)
    assert "开云" not in record.text and "开云" not in record.title
    assert record.spam["score"] >= 0.6
    assert "开云" in record.spam["signals"] and any(s.startswith("hidden:") for s in record.spam["signals"])
    assert record.cleaning["hidden_blocks"] >= 1


def test_english_mirror_loses_its_captions():
    page = saved_pages("mirror_en")[
        "https://www.chinaedu-en.net/2021/01/08/2021-national-education-work-conference-held-in-beijing/"]
    record = clean_page(page.body, page.url, page.headers)
    assert record.lang == "en" and record.site_type == "mirror"
    for caption in ("Data map:", "Image and text irrelevant", "Photo by China News Agency"):
        assert caption not in record.text


@pytest.mark.parametrize("body,headers,error", [
    (b"", {}, NotHTMLError),
    (b"   \n", {}, NotHTMLError),
    (b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj", {"Content-Type": "text/html"}, NotHTMLError),
    (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", {"Content-Type": "text/html; charset=utf-8"}, NotHTMLError),
    (b"just some words, no markup at all", {"Content-Type": "text/plain"}, NotHTMLError),
    (b"<html><body><div></div></body></html>", {}, CleanError),
    (b"<html><body><p>\xe5\x85\xb3\xe9\x97\xad\xe7\xaa\x97\xe5\x8f\xa3</p></body></html>", {}, CleanError),
])
def test_pages_that_cannot_be_cleaned_raise_typed_errors(body, headers, error):
    with pytest.raises(error) as info:
        clean_page(body, "http://example.edu.cn/a.html", headers)
    assert info.value.reason and info.value.stage


def test_unknown_site_type_is_an_input_error():
    with pytest.raises(CleanError) as info:
        clean_page(b"<html><body><p>x</p></body></html>", "http://x/", site_type="blog")
    assert info.value.stage == "input"


def test_every_saved_page_cleans_or_fails_with_a_typed_error():
    outcomes = Counter()
    for site in sorted(p.name for p in (ROOT / "fixtures" / "sites").iterdir() if p.is_dir()):
        for page in saved_pages(site).values():
            try:
                record = clean_page(page.body, page.url, page.headers, page.site_type)
            except CleanError as exc:
                outcomes[f"error:{exc.stage}"] += 1
            else:
                assert validation_errors(record.to_dict(), "record") == []
                outcomes["record"] += 1
    assert outcomes["record"] >= 20, outcomes
