"""Load now what the cleaner otherwise loads on the first page that needs it.

pypinyin's dictionaries (~0.3 s, the first page with a pinyin gloss), OpenCC's
tables (the first Chinese page with traditional characters), the encoding
checks' tables. A long-running process pays these once; a benchmark of the
cost per page calls this first, so that they are not charged to whichever page
happens to need them first.
"""

from __future__ import annotations


def preload() -> None:
    from . import encoding, pinyin_gloss, script

    pinyin_gloss._readings("中")
    script._distinctive_sets()
    script._t2s_changes()
    encoding._common_han()
    encoding._good_table()
