"""The floor: a record is never far poorer than the bare extraction of its page.

Pruning, the container and the line rules each judge what they take, but on a
layout nobody has seen they can still take the article together (a header
`<button>` that swallows the page, a container class that holds a teaser).
Running a second, bare extraction on every page would double the cost, so a
cheap bound decides first: extraction keeps prose, not menus, so the bare text
is hardly longer than the page's visible text outside links; only when ours is
under 1/RICHER_FACTOR of that can the bare one be RICHER_FACTOR times richer.
Only then is trafilatura run on the page as it came (no pruning, no
container), its text scrubbed the same way, and kept instead of ours when it
is that much richer. The record says so in `cleaning`
(`bare_extraction_floor`), the timings in the `floor` stage.

Why a factor of 10: on the development bench, bare text two to five times
longer than ours is mostly the furniture we removed (Chinese news pages whose
article is short beside the page); ours under a tenth of the bare text is an
article lost (a line like "Skip to content", a teaser).
"""

from __future__ import annotations

FLOOR_KEY = "bare_extraction_floor"
RICHER_FACTOR = 10


def size(text: str) -> int:
    """Characters other than whitespace."""
    return len("".join(text.split()))


def worth_checking(text: str, page_prose: int) -> bool:
    """Could the bare extraction be RICHER_FACTOR times richer than `text`? (cheap)

    `page_prose`: characters of the page's visible text outside links.
    """
    return size(text) * RICHER_FACTOR <= page_prose


def is_much_richer(bare: str, ours: str) -> bool:
    return size(bare) >= RICHER_FACTOR * max(size(ours), 1)
