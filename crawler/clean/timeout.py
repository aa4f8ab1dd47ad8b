"""A time limit for cleaning one page (CLEAN_TIMEOUT).

The mechanism lives with the cleaning library, so the crawler and
`python -m cleaners --timeout` bound a page the same way: see cleaners/limits.py.
"""

from cleaners.limits import can_interrupt, time_limit

__all__ = ["can_interrupt", "time_limit"]
