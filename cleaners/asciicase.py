"""ASCII case, fast: lowering only A-Z, and case-insensitive regexes that run as case-sensitive ones.

Python's re gives up its fast scans under re.IGNORECASE; a pattern whose
letters are ASCII finds the same matches, at the same offsets, as its
lower-cased self without the flag in the text with A-Z lowered -- except where
the text holds one of the four other characters re.IGNORECASE takes for an
ASCII letter (İ ı ſ K); those texts take the flagged pattern.
"""

from __future__ import annotations

import re
import string

_ASCII_LOWER = str.maketrans(string.ascii_uppercase, string.ascii_lowercase)
# Every character but A-Z/a-z that re.IGNORECASE matches to an ASCII letter (İ, ı -> i; ſ -> s; K -> k).
IGNORECASE_ASCII_TWINS = ("\u0130", "\u0131", "\u017f", "\u212a")


def ascii_lower(text: str) -> str:
    """A-Z to a-z, nothing else (offsets stay those of `text`): bytes.lower() in C, where
    str.translate looks every character of a Chinese text up in a dict."""
    try:
        return text.encode("utf-8", "surrogatepass").lower().decode("utf-8", "surrogatepass")
    except UnicodeError:  # not reached for any str; the plain way if it ever is
        return text.translate(_ASCII_LOWER)


class AsciiIgnoreCase:
    """`re.compile(pattern, re.I)` for a pattern whose cased letters are all ASCII: search and findall
    with the same matches (findall gives them lower-cased)."""

    def __init__(self, pattern: str):
        if any(c.isalpha() and c.lower() != c.upper() and not c.isascii() for c in pattern) or "\\" in pattern:
            raise ValueError("only patterns with ASCII letters and no escapes")
        self.flagged = re.compile(pattern, re.I)
        self.lowered = re.compile(pattern.lower())

    def _plain(self, text: str) -> bool:
        return not any(twin in text for twin in IGNORECASE_ASCII_TWINS)

    def search(self, text: str):
        return self.lowered.search(ascii_lower(text)) if self._plain(text) else self.flagged.search(text)

    def findall(self, text: str) -> list:
        return self.lowered.findall(ascii_lower(text)) if self._plain(text) else self.flagged.findall(text)
