"""Script: traditional characters injected into a simplified page become simplified.

Spam clones and some provincial portals sprinkle traditional characters (國, 學,
體, 為) through simplified text. Those lines go through OpenCC t2s (phrase-level,
so 乾淨 -> 干净 but 乾隆 stays). A page written in traditional Chinese from start to
end is left alone: the decision compares characters only t2s changes
(distinctively traditional) with characters only s2t changes (distinctively
simplified).
"""

from __future__ import annotations

import os
import re
from functools import lru_cache

# Share of distinctive characters that must be traditional for a page to count
# as written in traditional Chinese (and be left as it is).
TRADITIONAL_SHARE = 0.8
# t2s of t2s can still change a character (薴 -> 苧 -> 苎): convert at most this often.
MAX_T2S_PASSES = 3

CJK_RE = re.compile("[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0003134f]")


def _opencc_dictionary(name: str) -> dict[str, str]:
    """First (preferred) target of each key in an OpenCC character dictionary."""
    import opencc

    path = os.path.join(os.path.dirname(opencc.__file__), "dictionary", name)
    table = {}
    with open(path, encoding="utf-8") as f:
        for line in f:
            key, _, values = line.rstrip("\n").partition("\t")
            if values:
                table[key] = values.split(" ")[0]
    return table


@lru_cache(maxsize=1)
def t2s_char_table() -> dict[str, str]:
    """Character-level t2s: each distinctively traditional character -> its simplified form."""
    return {k: v for k, v in _opencc_dictionary("TSCharacters.txt").items() if len(k) == 1 and len(v) == 1 and k != v}


@lru_cache(maxsize=1)
def _distinctive_sets() -> tuple[frozenset[str], frozenset[str]]:
    """(characters t2s changes, characters s2t changes and t2s does not)."""
    st = _opencc_dictionary("STCharacters.txt")
    traditional = frozenset(t2s_char_table())
    simplified = frozenset(k for k, v in st.items() if v != k and k not in traditional)
    return traditional, simplified


@lru_cache(maxsize=1)
def _t2s():
    from opencc import OpenCC  # opencc-python-reimplemented: pure Python, loads dictionaries once

    return OpenCC("t2s")


@lru_cache(maxsize=1)
def _t2s_changes() -> tuple[frozenset[str], dict[str, tuple[str, ...]]] | None:
    """The t2s dictionary entries that change their text: (single characters, phrases by
    first character); None when the OpenCC package does not show its tables."""
    converter = _t2s()
    converter.convert("")  # loads the dictionaries
    groups = getattr(converter, "_dict_chain_data", None)  # opencc-python-reimplemented's own tables
    if not isinstance(groups, list):
        return None
    keys = {key for group in groups for _max, _min, table in group for key, value in table.items()
            if key and value != key}
    phrases: dict[str, list[str]] = {}
    for key in keys:
        if len(key) > 1:
            phrases.setdefault(key[0], []).append(key)
    return frozenset(k for k in keys if len(k) == 1), {c: tuple(ks) for c, ks in phrases.items()}


def _t2s_convert(text: str) -> str:
    """OpenCC t2s, paid only by the runs between separators that hold an entry that changes text.

    OpenCC converts each run between its separators on its own, and gives back
    a run that holds no such entry as it is. Pure-Python OpenCC costs about
    10 µs per character; in a simplified line with a few traditional characters
    most runs need nothing.
    """
    converter, changes = _t2s(), _t2s_changes()
    separators = getattr(converter, "split_chars_re", None)
    if changes is None or separators is None:
        return converter.convert(text)
    singles, phrases = changes
    parts = separators.split(text)  # text runs at even indexes, separators at odd ones
    for i in range(0, len(parts), 2):
        run = parts[i]
        if not singles.isdisjoint(run) or any(
                key in run for first in phrases.keys() & set(run) for key in phrases[first]):
            parts[i] = converter.convert(run)
    return "".join(parts)


def _convert_line(line: str, traditional: frozenset[str]) -> tuple[str, int]:
    converted = line
    for _ in range(MAX_T2S_PASSES):
        converted = _t2s_convert(converted)
        if not any(c in traditional for c in converted):
            break
    if len(converted) == len(line):
        changed = sum(a != b for a, b in zip(line, converted))
    else:  # a phrase mapping changed the length: count what was traditional
        changed = sum(c in traditional for c in line)
    return converted, changed


def detect_script(text: str) -> str:
    """"simplified", "traditional" or "none" (no CJK at all)."""
    if not CJK_RE.search(text):
        return "none"
    traditional, simplified = _distinctive_sets()
    n_trad = sum(c in traditional for c in text)
    n_simp = sum(c in simplified for c in text)
    if n_trad and n_trad > TRADITIONAL_SHARE * (n_trad + n_simp):
        return "traditional"
    return "simplified"


def normalise_script(text: str, force: str | None = None) -> tuple[str, int, str]:
    """Return (text, characters converted t2s, script of the page).

    `force` skips detection: "simplified" converts whatever is traditional (a
    title is too short to judge; the page's script decides), "traditional" keeps all.
    """
    script = force or detect_script(text)
    if script != "simplified":
        return text, 0, script
    traditional, _ = _distinctive_sets()
    if not any(c in traditional for c in text):
        return text, 0, script
    total = 0
    lines = text.split("\n")
    for i, line in enumerate(lines):
        if any(c in traditional for c in line):  # only these lines pay for OpenCC
            lines[i], changed = _convert_line(line, traditional)
            total += changed
    return "\n".join(lines), total, script
