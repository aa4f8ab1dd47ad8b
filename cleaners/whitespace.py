"""Whitespace: one space where there was any run of spaces, one paragraph per line.

NBSP, full-width spaces (U+3000, the usual paragraph indent), the other Unicode
spaces and tabs become a plain space; zero-width characters go; runs of spaces
collapse; every line is stripped and empty lines dropped. NFC, never NFKC: NFKC
would turn full-width punctuation (，：（）) into ASCII.
"""

from __future__ import annotations

import re
import unicodedata

# Invisible characters that are never content in news text.
ZERO_WIDTH_RE = re.compile("[\u200b\u200c\u200d\u2060\ufeff\u00ad]")
# Line breaks other than \n: CR, CRLF, line/paragraph separators, NEL.
LINE_BREAK_RE = re.compile("\r\n|[\r\u2028\u2029\u0085]")
# Horizontal whitespace: tab, VT, FF, NBSP, U+2000..U+200A, NNBSP, MMSP, ideographic space.
SPACE_RUN_RE = re.compile("[ \t\x0b\x0c\u00a0\u1680\u2000-\u200a\u202f\u205f\u3000]+")
# Double-escaped entities some CMSs store in the text itself ("&amp;nbsp;" shown as "&nbsp;").
LITERAL_SPACE_ENTITY_RE = re.compile(r"&(?:nbsp|ensp|emsp|#160|#12288|#x3000|#xa0);?", re.IGNORECASE)


def normalise_whitespace(text: str) -> str:
    """Return text with normalised spaces, stripped lines, no empty lines, joined by "\\n"."""
    # Zero-width first: removing one may join a base letter and its combining mark.
    text = ZERO_WIDTH_RE.sub("", text)
    text = unicodedata.normalize("NFC", text)
    text = LITERAL_SPACE_ENTITY_RE.sub(" ", text)
    text = LINE_BREAK_RE.sub("\n", text)
    lines = (SPACE_RUN_RE.sub(" ", line).strip(" ") for line in text.split("\n"))
    return "\n".join(line for line in lines if line)
