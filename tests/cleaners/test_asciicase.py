"""AsciiIgnoreCase finds what re.IGNORECASE finds, where re.IGNORECASE finds it."""

from __future__ import annotations

import re

import pytest

from cleaners.asciicase import IGNORECASE_ASCII_TWINS, AsciiIgnoreCase, ascii_lower
from cleaners.profiles import MACHINE_TRANSLATION_MARKERS, SPAM_MARKERS, detect_site_type

PATTERN = r"Data map:|China News Service|Chinanews|kaiyun|AG真人|开云|app下载|bet365"
TEXTS = [
    "", "nothing here", "DATA MAP: x; data map: y; Data Map:z", "chinanewsservice CHINA NEWS SERVICE chinanews",
    "开云KAIYUN 开云 ag真人 AG真人 APP下载 Bet365", "Xinhua: China News Agency said",
    "\u212aaiyun and kaiyun",  # Kelvin sign: re.IGNORECASE takes it for k
    "Chinanew\u017f and Chinanews",  # long s
    "CH\u0130NANEWS", "ch\u0131nanews", "Ünïcödé ÄG真人 ａｇ真人 ＡＰＰ下载 app下载",
]


@pytest.mark.parametrize("text", TEXTS)
def test_same_matches_as_ignorecase(text):
    fast, slow = AsciiIgnoreCase(PATTERN), re.compile(PATTERN, re.I)
    assert [m.span() for m in re.finditer(fast.lowered, ascii_lower(text))] == \
        [m.span() for m in slow.finditer(text)] or any(t in text for t in IGNORECASE_ASCII_TWINS)
    assert len(fast.findall(text)) == len(slow.findall(text))
    assert bool(fast.search(text)) == bool(slow.search(text))


def test_the_twins_are_all_there_are():
    letters = [chr(c) for c in range(0x80, 0x3000)] + ["\u212a", "\ufb05", "\uff41"]
    twins = {c for c in letters if any(re.fullmatch(a, c, re.I) for a in "abcdefghijklmnopqrstuvwxyz")}
    assert twins == set(IGNORECASE_ASCII_TWINS)


def test_refuses_patterns_it_cannot_serve():
    for pattern in (r"\S+kaiyun", "Ärger", "ǅ"):
        with pytest.raises(ValueError):
            AsciiIgnoreCase(pattern)


def test_site_type_markers_keep_their_meaning():
    assert len(SPAM_MARKERS.findall("开云体育 KAIYUN Bet365 app下载")) == 4
    assert MACHINE_TRANSLATION_MARKERS.search("Photo: CHINA NEWS SERVICE")
    text = "开云体育官网 登录入口 bet365 " + "教育新闻" * 20
    assert detect_site_type(f"<html><body>{text}</body></html>", text, "http://x.invalid/", "zh") == "mirror"
    assert detect_site_type("<html><body>教育新闻</body></html>", "教育新闻", "http://x.invalid/", "zh") == "generic"
