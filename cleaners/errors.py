"""The library's typed errors: the only exceptions clean_page lets out.

Each carries the pipeline stage that failed and a human-readable reason, so a
caller (the crawler, the CLI) can turn it into an error record. A bad page is
one of the expected errors; an unexpected exception is a `CleanerBug` (stage
`bug`), which also carries the traceback for the caller to log once.
"""

import traceback as _traceback


class CleanError(Exception):
    """Base class: a page that cannot be cleaned."""

    stage = "clean"

    def __init__(self, reason: str, stage: str | None = None):
        super().__init__(reason)
        self.reason = reason
        if stage is not None:
            self.stage = stage


class NotHTMLError(CleanError):
    """The body is not an HTML document (binary, PDF, image, empty)."""

    stage = "decode"


class DecodeError(CleanError):
    stage = "decode"


class ParseError(CleanError):
    stage = "parse"


class NoContentError(CleanError):
    """The page parsed, but no article text survived extraction."""

    stage = "extract"


class CleanTimeoutError(CleanError):
    stage = "timeout"


class PageLimitError(CleanError):
    """The page costs more than the limits allow (memory)."""

    stage = "limit"


class CleanerBug(CleanError):
    """An unexpected exception inside the cleaner: a bug in our code, not a bad page."""

    stage = "bug"

    def __init__(self, reason: str, traceback: str = ""):
        super().__init__(reason)
        self.traceback = traceback

    @classmethod
    def from_exception(cls, exc: BaseException) -> "CleanerBug":
        reason = f"unexpected {type(exc).__name__} in the cleaner: {exc}"[:500]
        return cls(reason, "".join(_traceback.format_exception(type(exc), exc, exc.__traceback__)))

    def __reduce__(self):  # keeps the traceback across a process pool
        return (type(self), (self.reason, self.traceback))
