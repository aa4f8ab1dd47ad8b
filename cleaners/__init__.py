"""Cleaning library: raw bytes of a Chinese education/government news page in,
a clean and attributed record out. Pure Python; never imports Scrapy."""

from .errors import (CleanError, CleanerBug, CleanTimeoutError, DecodeError, NoContentError, NotHTMLError,
                     PageLimitError, ParseError)
from .page_cleaning import clean_page, merge_parts
from .record import CLEANER_VERSION, Attachment, EncodingReport, Record

__all__ = [
    "clean_page", "merge_parts", "Record", "EncodingReport", "Attachment", "CLEANER_VERSION",
    "CleanError", "NotHTMLError", "DecodeError", "ParseError", "NoContentError", "CleanTimeoutError",
    "CleanerBug", "PageLimitError",
]
