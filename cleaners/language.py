"""Language of a page: the declared lang attribute, checked against the text's script."""

from __future__ import annotations

import re

CJK = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")
KANA = re.compile(r"[\u3040-\u30ff]")
HANGUL = re.compile(r"[\uac00-\ud7af]")
LATIN_WORD = re.compile(r"[A-Za-z]{2,}")


def detect_language(text: str, declared: str | None = None) -> str:
    """'zh', 'ja', 'ko', 'en' (Latin script), or the declared primary tag; 'und' when unknown."""
    sample = text[:20000]
    cjk = len(CJK.findall(sample))
    kana = len(KANA.findall(sample))
    hangul = len(HANGUL.findall(sample))
    latin = sum(len(w) for w in LATIN_WORD.findall(sample))
    declared_tag = (declared or "").strip().lower().split("-")[0].split("_")[0] or None
    if kana > 20 and kana > 0.1 * cjk:
        return "ja"
    if hangul > 20 and hangul > cjk:
        return "ko"
    if cjk and cjk * 3 >= latin:  # a CJK character carries about as much as a 3-letter word
        return "zh"
    if latin:
        if declared_tag and declared_tag not in ("zh", "ja", "ko"):
            return declared_tag
        return "en"
    return declared_tag or "und"
