"""Load now what the cleaner otherwise loads on the first page that needs it.

pypinyin's dictionaries (~0.3 s, the first page with a pinyin gloss), OpenCC's
tables (the first Chinese page with traditional characters), the encoding
checks' tables. A long-running process pays these once; a benchmark of the
cost per page calls this first, so that they are not charged to whichever page
happens to need them first.

Loading them also brings on a full garbage collection: the ~190,000 lists of
pypinyin's phrase table are new objects the collector walks once (~80 ms)
before it counts them as long-lived. It is made here, with the loading, rather
than in the middle of whichever page's allocations would set it off.
"""

from __future__ import annotations

import gc


def preload() -> None:
    from . import encoding, pinyin_gloss, script

    pinyin_gloss._readings("中")
    script._distinctive_sets()
    script._t2s_changes()
    encoding._common_han()
    encoding._good_table()
    gc.collect()
