"""The library's typed errors: the only exceptions clean_page lets out.

Each carries the pipeline stage that failed and a human-readable reason, so a
caller (the crawler, the CLI) can turn it into an error record.
"""


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
