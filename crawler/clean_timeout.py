"""A time limit for cleaning one page.

`time_limit(seconds)` raises cleaners.CleanTimeoutError (stage `timeout`) in
the block it guards once `seconds` have passed. It uses SIGALRM, which only
works in a process's main thread: that is where the crawler cleans in-process
(Scrapy's reactor thread calls the pipeline) and where a ProcessPoolExecutor
worker runs its tasks, so one mechanism covers both.

Why SIGALRM and not a thread with a deadline: a thread cannot be stopped, so a
page that never finishes would keep a core busy for the rest of the crawl.
The signal interrupts Python code at the next bytecode; a single C call that
never returns to Python (a pathological regex or parser call) is not
interrupted — bound those by input size (DOWNLOAD_MAXSIZE), or clean in the
process pool, whose worker can be replaced.

Where SIGALRM is unavailable (Windows) or off the main thread the guard does
nothing and says so once in the log. An outer alarm (rare: someone else's
SIGALRM) is restored afterwards.
"""

from __future__ import annotations

import logging
import signal
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

from cleaners import CleanTimeoutError

logger = logging.getLogger(__name__)
_warned = False


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
            logger.warning("CLEAN_TIMEOUT cannot be enforced here (no SIGALRM or not the main thread)")
        yield
        return

    def on_alarm(signum, frame):
        raise CleanTimeoutError(f"cleaning {what} took longer than {seconds:g} s")

    previous = signal.signal(signal.SIGALRM, on_alarm)
    outer, _ = signal.setitimer(signal.ITIMER_REAL, seconds)
    started = time.monotonic()
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)
        if outer > 0:  # someone else's alarm (pytest-timeout...) keeps its remaining time
            signal.setitimer(signal.ITIMER_REAL, max(0.001, outer - (time.monotonic() - started)))
