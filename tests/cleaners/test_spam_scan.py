"""The spam step tries its brand pattern only where a tag can start: the same matches
as a scan of every position, on real text and on the cases that make it hard."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from cleaners.spam import SPAM_TAG_RE, _ascii_lower, _first_chars, _tag_matches, remove_spam

GOLDEN = Path(__file__).resolve().parents[2] / "fixtures" / "golden" / "records"
CASES = [
    "印发《开云(中国)教育系统工作要点》的通知",
    "开云网页版登录入口-中央教育工作领导小组",
    "中华体会议；华体会hth官网；hth华体会",  # a lookbehind (?<!中) before the start
    "xkaiyun kaiyun KAIYUN开云kaiyun",  # (?<![a-z]) looks before the candidate
    "开开云体育云体育", "bet365 365bet 1xbet dafabet 12bet", "九游会J9九游会·官方网站",
    "", "no tags at all", "米乐m6米乐体育app下载", "澳门新葡萄京 新葡京 葡京",
]


def texts() -> list[str]:
    out = list(CASES)
    for path in sorted(GOLDEN.rglob("*.json")):
        out.append(json.loads(path.read_text(encoding="utf-8"))["text"])
    return out


@pytest.mark.parametrize("text", texts())
def test_candidate_scan_finds_what_finditer_finds(text):
    lowered = _ascii_lower(text)
    expected = [(m.span(), m.group()) for m in SPAM_TAG_RE.finditer(lowered)]
    assert [(m.span(), m.group()) for m in _tag_matches(lowered)] == expected


def test_cases_hold_tags_and_lookbehinds():
    found = [m.group("brand") for text in CASES for m in _tag_matches(_ascii_lower(text))]
    assert "kaiyun" in found and "华体会" in found
    assert not _tag_matches(_ascii_lower("中华体会议"))
    assert not _tag_matches(_ascii_lower("xkaiyun"))


def test_remove_spam_unchanged_on_a_clone_title():
    text, signals, count = remove_spam("印发《开云(中国)教育系统工作要点》的通知")
    assert count == 1 and "开云" in signals and "开云" not in text


@pytest.mark.parametrize("pattern,expected", [
    ("ab|cd", {"a", "c"}), ("(?<!x)(?:y)?z", {"y", "z"}), ("[a-c]x", {"a", "b", "c"}),
    ("a?", None), (r"\w+", None), ("(?i)ab", None), ("[^a]b", None), ("x*|y", None),
])
def test_first_chars(pattern, expected):
    got = _first_chars(re.compile(pattern))
    assert (set(got) if got is not None else None) == expected


def test_ascii_lower_touches_only_ascii():
    text = "ABC Äİ ΣΑ Kelvin\u212a ẞ 中文\ud800"
    assert _ascii_lower(text) == text.translate(str.maketrans("ABCDEFGHIJKLMNOPQRSTUVWXYZ",
                                                              "abcdefghijklmnopqrstuvwxyz"))
