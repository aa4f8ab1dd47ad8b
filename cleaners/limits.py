"""What one page may cost: bytes and elements cleaned, and wall time.

Cleaning time and memory grow with the page: about 1.4 s and 60 MB per MiB of
article text, 0.14 ms per element (2-core development machine). A 50 MB page or
a page of a million `<p>` would take minutes and gigabytes, so clean_page cleans
the first `MAX_PAGE_BYTES` of the body and the first `MAX_ELEMENTS` elements of
the document, and says what it cut in the record's `cleaning` counts
(`bytes_cut`, `elements_cut`). The largest real pages we know (bench pages up to
2.9 MB and 7,300 elements) are well inside both limits.

`time_limit(seconds)` bounds the wall time of a block (the crawler's
CLEAN_TIMEOUT, the CLI's --timeout): it raises CleanTimeoutError (stage
`timeout`) once `seconds` have passed. It uses SIGALRM, which only works in a
process's main thread: that is where the crawler cleans in-process (Scrapy's
reactor thread calls the pipeline), where the CLI runs, and where a
ProcessPoolExecutor worker runs its tasks, so one mechanism covers all three.

Why SIGALRM and not a thread with a deadline: a thread cannot be stopped, so a
page that never finishes would keep a core busy for the rest of the run. The
signal interrupts Python code at the next bytecode; a single C call that never
returns to Python is not interrupted, which is what the size limits are for.
Where SIGALRM is unavailable (Windows) or off the main thread the guard does
nothing and says so once in the log. An outer alarm is restored afterwards.
"""

from __future__ import annotations

import logging
import re
import signal
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

from .errors import CleanTimeoutError
from .sniff import BOMS, wide_codec

__all__ = ["MAX_PAGE_BYTES", "MAX_ELEMENTS", "cut_body", "cut_elements", "time_limit", "can_interrupt"]

MAX_PAGE_BYTES = 5 * 1024 * 1024  # bytes of a body that are cleaned
MAX_ELEMENTS = 40_000  # start tags of a document that are parsed
_TAG_BOUNDARY_WINDOW = 65536  # how far back from the limit a '>' is looked for
_START_TAG = re.compile(r"<[a-zA-Z]")
_ALARM_REPEAT = 0.5  # seconds between alarms once the time limit has passed

logger = logging.getLogger(__name__)
_warned = False


def cut_body(body: bytes, limit: int = MAX_PAGE_BYTES) -> tuple[bytes, int]:
    """(the first `limit` bytes, ending after a tag where there is one; how many bytes were cut).

    '>' is never a trail byte of GBK, Big5 or Shift_JIS, so ending after one does not
    split a character; UTF-16/32 bodies are cut on a whole code unit.
    """
    if len(body) <= limit:
        return body, 0
    end = body.rfind(b">", max(0, limit - _TAG_BOUNDARY_WINDOW), limit) + 1 or limit
    unit = next((4 if "32" in codec else 2 if "16" in codec else 1
                 for bom, codec in BOMS if body.startswith(bom)), 0)
    if not unit:
        wide = wide_codec(body)
        unit = 4 if wide and "32" in wide else 2 if wide else 1
    end = min(len(body), end + (-end) % unit)
    return body[:end], len(body) - end


def cut_elements(html: str, limit: int = MAX_ELEMENTS) -> tuple[str, int]:
    """(the document up to its `limit`-th start tag; how many start tags were cut)."""
    if html.count("<") <= limit:  # cheap upper bound on the number of start tags
        return html, 0
    for n, m in enumerate(_START_TAG.finditer(html), 1):
        if n > limit:
            rest = html[m.start():]
            return html[: m.start()], len(_START_TAG.findall(rest))
    return html, 0


def can_interrupt() -> bool:
    return hasattr(signal, "setitimer") and threading.current_thread() is threading.main_thread()


@contextmanager
def time_limit(seconds: float, what: str = "page") -> Iterator[None]:
    global _warned
    if not seconds or seconds <= 0:
        yield
        return
    if not can_interrupt():
        if not _warned:
            _warned = True
            logger.warning("the cleaning time limit cannot be enforced here (no SIGALRM or not the main thread)")
        yield
        return

    armed = [True]
    fired = [False]

    def on_alarm(signum, frame):
        if armed[0]:
            fired[0] = True
            raise CleanTimeoutError(f"cleaning {what} took longer than {seconds:g} s")

    previous = signal.signal(signal.SIGALRM, on_alarm)
    # The alarm repeats after the deadline: third-party code that catches every Exception
    # (trafilatura wraps its justext fallback so) swallows one CleanTimeoutError, not all.
    outer, _ = signal.setitimer(signal.ITIMER_REAL, seconds, _ALARM_REPEAT)
    started = time.monotonic()
    try:
        try:
            yield
            if fired[0]:  # a library swallowed the alarm and finished late: still over the limit
                raise CleanTimeoutError(f"cleaning {what} took longer than {seconds:g} s")
        finally:
            armed[0] = False  # an alarm from here on raises nothing
    finally:  # reached even if an alarm raised at the very start of the inner finally
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)
        if outer > 0:  # someone else's alarm (pytest-timeout...) keeps its remaining time
            signal.setitimer(signal.ITIMER_REAL, max(0.001, outer - (time.monotonic() - started)))
