"""Cleaning library: raw bytes of a Chinese education/government news page in,
a clean and attributed record out. Pure Python; never imports Scrapy."""

from .errors import CleanError, CleanTimeoutError, DecodeError, NoContentError, NotHTMLError, ParseError
from .pipeline import clean_page, merge_parts
from .record import CLEANER_VERSION, Attachment, EncodingReport, Record

__all__ = [
    "clean_page", "merge_parts", "Record", "EncodingReport", "Attachment", "CLEANER_VERSION",
    "CleanError", "NotHTMLError", "DecodeError", "ParseError", "NoContentError", "CleanTimeoutError",
]
