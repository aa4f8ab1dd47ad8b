"""The t2s shortcut (convert only the runs that hold a changing entry) gives OpenCC's own output."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from opencc import OpenCC

from cleaners.script import _t2s_changes, _t2s_convert, normalise_script

GOLDEN = Path(__file__).resolve().parents[2] / "fixtures" / "golden" / "records"

LINES = [
    "2021年全國教育工作会议召开",
    "会议强调,要以习近平新时代中國特色社会主义思想為指导，加快建设高质量教育體系。",
    "他反覆思量，沈默良久，终于瞭解了其中的道理。",  # phrases whose characters t2s alone keeps
    "乾隆年间，衣服乾淨；著名学者著書立說。",
    "「學校」——《國語》：『為學日益』…… 一目瞭然！",
    "English only, no CJK at all.",
    "",
    "   ",
    "上大一出不文二情以找重",  # first characters of phrases, no phrase
]


def golden_lines() -> list[str]:
    s2t = OpenCC("s2t")
    lines = []
    for path in sorted(GOLDEN.rglob("*.json")):
        text = json.loads(path.read_text(encoding="utf-8"))["text"]
        for line in text.split("\n")[:20]:
            lines += [line, s2t.convert(line)]
    return lines


def test_the_shortcut_sees_opencc_tables():
    singles, phrases = _t2s_changes()
    assert "國" in singles and "体" not in singles
    assert "反覆" in phrases["反"] and "沈默" in phrases["沈"]


@pytest.mark.parametrize("line", LINES)
def test_t2s_shortcut_is_opencc(line):
    assert _t2s_convert(line) == OpenCC("t2s").convert(line)


def test_t2s_shortcut_is_opencc_on_golden_text_both_scripts():
    reference = OpenCC("t2s")
    lines = golden_lines()
    assert len(lines) > 50
    for line in lines:
        assert _t2s_convert(line) == reference.convert(line)


def test_phrase_without_traditional_characters_still_converted():
    text, converted, script = normalise_script("他國内反覆强调，沈默不是办法。")
    assert script == "simplified"
    assert text == "他国内反复强调，沉默不是办法。"
    assert converted >= 3
