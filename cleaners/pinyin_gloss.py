"""Inline pinyin glosses: `國(guó)`, `学(xue2)`, `绿(lv4)` -> the bare character.

Some sites (and the scrapers that clone them) put the reading of a character in
parentheses right after it. A parenthesis is removed only when it holds a valid
reading of the character(s) right before it, so `(WTO)`, `(试行)`, `(2021-2022)`,
`单位(A)` and `中国(China)` stay. Readings come from pypinyin (heteronyms included,
traditional characters too).

`strip_ruby` does the same for markup: `<ruby>國<rt>guó</rt></ruby>`.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

# CJK ideographs: Ext A, URO, compatibility, Ext B..H.
_CJK = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0003134f"
# Letters a gloss may use: ASCII, ü, vowels with tone marks, ńňǹḿ, and `u:` for ü.
_SYL_CHARS = "a-zêüāáǎàēéěèīíǐìōóǒòūúǔùǖǘǚǜńňǹḿ:"
_SYLLABLE = rf"[{_SYL_CHARS}]+[1-5]?"
MAX_SYLLABLES = 4  # `教育(jiào yù)`: one syllable per character, space-separated

# Up to MAX_SYLLABLES characters, an optional space, then the parenthesis.
# Lowercase only: an all-caps or capitalised word in parentheses is an abbreviation
# or a name, not a gloss (`阿(A)` stays).
GLOSS_CANDIDATE_RE = re.compile(
    rf"([{_CJK}]{{1,{MAX_SYLLABLES}}})([ \u3000]?)[(（]\s*"
    rf"({_SYLLABLE}(?:[ \u3000]+{_SYLLABLE}){{0,{MAX_SYLLABLES - 1}}})\s*[)）]"
)

# Combining tone marks after NFD -> tone number.
_TONE_MARKS = {"\u0304": 1, "\u0301": 2, "\u030c": 3, "\u0300": 4}
_UMLAUT = "\u0308"


def _parse_syllable(syl: str) -> tuple[str, int | None] | None:
    """`guó` / `guo2` / `guo` / `lǜ` / `lv4` / `lu:4` -> (base with v for ü, tone or None)."""
    tone: int | None = None
    if syl[-1] in "12345":
        tone = int(syl[-1])
        syl = syl[:-1]
    base = []
    for ch in unicodedata.normalize("NFD", syl.replace("u:", "v")):
        if ch in _TONE_MARKS:
            if tone is not None:  # two tones in one syllable: not pinyin
                return None
            tone = _TONE_MARKS[ch]
        elif ch == _UMLAUT:
            if not base or base[-1] != "u":
                return None
            base[-1] = "v"
        elif "a" <= ch <= "z":
            base.append(ch)
        else:  # a stray `:` or `ê`'s circumflex: not something we match
            return None
    if not base:
        return None
    return "".join(base), tone


@lru_cache(maxsize=None)
def _readings(char: str) -> frozenset[tuple[str, int]]:
    """All readings of one character as (base, tone); 5 is the neutral tone."""
    from pypinyin import Style, pinyin  # imported lazily: loading the dictionaries costs ~0.3 s

    found = set()
    for group in pinyin(char, style=Style.TONE3, heteronym=True, neutral_tone_with_five=True, errors="ignore"):
        for reading in group:
            if reading and reading[-1] in "12345":
                found.add((reading[:-1], int(reading[-1])))
    return frozenset(found)


def _is_reading(char: str, syl: str) -> bool:
    parsed = _parse_syllable(syl)
    if parsed is None:
        return False
    base, tone = parsed
    for r_base, r_tone in _readings(char):
        if r_base == base and (tone is None or tone == r_tone):
            return True
    return False


def _replace(match: re.Match, counter: list[int], keep=None) -> str:
    chars, _space, gloss = match.groups()
    syllables = gloss.split()
    if len(syllables) > len(chars):
        return match.group(0)
    glossed = chars[len(chars) - len(syllables):]
    if all(_is_reading(c, s) for c, s in zip(glossed, syllables)):
        if keep is not None and keep(glossed):
            return match.group(0)
        counter[0] += 1
        return chars
    return match.group(0)


# Readings that are the content: a 语文 lesson (教案) lists its 生字 with their
# pinyin, explains 多音字, sets 注音 exercises. Such a text names what it does.
LESSON_WORDS_RE = re.compile(r"生字|多音字|注音|拼音|读音|组词|识字|认读|字音|读准|生词|易错字|形近字|同音字|"
                             r"音节|声母|韵母|声调|教案|教学目标|教学重点|课文|会认|会写")
LESSON_MIN_WORDS = 2  # distinct lesson words that make a text a lesson
# On a lesson, a line keeps its readings when it names its purpose or is made of
# them (a list of 生字: 晴(qíng) 朗(lǎng)); readings sprinkled over a long line
# of prose are glossing, whatever page they are on.
READING_LINE_MIN_DENSITY = 0.15  # glossed characters per CJK character of the line
_CJK_CHAR_RE = re.compile(f"[{_CJK}]")


def is_lesson(text: str) -> bool:
    """Does the text teach characters (so that their readings are content)?"""
    return len(set(LESSON_WORDS_RE.findall(text))) >= LESSON_MIN_WORDS


def remove_glosses(text: str, lesson: bool = False) -> tuple[str, int]:
    """Remove `X(pinyin)` glosses whose parenthesis holds a reading of X; return (text, count).

    `lesson`: the text is a lesson on characters (is_lesson). Its readings are
    kept on the lines that teach them; injected glosses still go: those over
    prose, and those on traditional characters in a simplified text (the
    signature of glossing injected into portal pages).
    """
    if "(" not in text and "（" not in text:
        return text, 0
    if not lesson:
        return _remove(text, None)
    from .script import _distinctive_sets, detect_script

    injected = _distinctive_sets()[0] if detect_script(text) == "simplified" else frozenset()
    total = 0
    lines = text.split("\n")
    for i, line in enumerate(lines):
        if "(" not in line and "（" not in line:
            continue
        if _teaches_readings(line):
            lines[i], n = _remove(line, lambda chars: not any(c in injected for c in chars))
        else:
            lines[i], n = _remove(line, None)
        total += n
    return "\n".join(lines), total


def _teaches_readings(line: str) -> bool:
    if LESSON_WORDS_RE.search(line):
        return True
    glossed = sum(len(m.group(3).split()) for m in GLOSS_CANDIDATE_RE.finditer(line))
    cjk = len(_CJK_CHAR_RE.findall(line))
    return bool(cjk) and glossed >= READING_LINE_MIN_DENSITY * cjk


def _remove(text: str, keep) -> tuple[str, int]:
    counter = [0]
    # Repeat: `國(guó)(guo)` leaves a second gloss behind the first.
    while True:
        before = counter[0]
        text = GLOSS_CANDIDATE_RE.sub(lambda m: _replace(m, counter, keep), text)
        if counter[0] == before:
            return text, counter[0]


RUBY_ANNOTATION_TAGS = ("rt", "rp")
_RUBY_ANNOTATION_SELECTORS = tuple(f"{{*}}{case(tag)}" for tag in RUBY_ANNOTATION_TAGS for case in (str.lower, str.upper))


def strip_ruby(tree) -> int:
    """Remove <rt>/<rp> elements from an lxml tree in place, keeping their tail text.

    Returns the number of <rt> elements removed. <ruby> itself stays (extraction
    reads its base text).
    """
    root = tree.getroot() if hasattr(tree, "getroot") else tree
    # lxml picks the elements in C ("{*}" also matches no namespace): a Python
    # walk over every element of every page cost ~3% of the cleaning.
    doomed = [(el, el.tag.rsplit("}", 1)[-1].lower()) for el in root.iter(*_RUBY_ANNOTATION_SELECTORS)]
    removed_rt = 0
    for el, local in doomed:
        parent = el.getparent()
        if parent is None:
            continue
        tail = el.tail
        if tail:
            prev = el.getprevious()
            if prev is not None:
                prev.tail = (prev.tail or "") + tail
            else:
                parent.text = (parent.text or "") + tail
        parent.remove(el)
        if local == "rt":
            removed_rt += 1
    return removed_rt
