"""Attachments are documents: the text of PDF, DOC/WPS, DOCX, XLS/ET, XLSX, ODT/ODS files.

    extract_document(body, url, headers=None, title=None) -> DocumentRecord

raises `CleanError` subclasses only, with these stages:
- `needs_ocr`: a PDF with pages but no text layer (a scan): reported, never an empty text;
- `encrypted`: a password-protected file;
- `archive`: ZIP/RAR/7z, listed but not unpacked (what an archive holds is not
  bounded by its size, and which member is "the document" is a guess);
- `unsupported`: a format we do not read (PPT, OFD, images);
- `document`: a file that says it is one format and cannot be read as it;
- `empty`: a readable file with no text.

Pure library: no Scrapy, no network. The libraries, one per format family, and
why they were chosen are in docs/attachments.md.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from typing import Any
from urllib.parse import unquote, urlsplit

from ..errors import CleanError
from ..fingerprint import canonicalize_url, content_sha256, raw_sha256, record_id, simhash
from ..headers import media_type
from ..language import detect_language
from ..record import CLEANER_VERSION
from .formats import ARCHIVE_FORMATS, DOCUMENT_EXTENSIONS, declared_format, url_extension, disposition_filename, sniff_format
from .lines import clean_document_text

__all__ = ["extract_document", "DocumentRecord", "document_format", "EXTRACTORS", "MIN_TEXT_CHARS"]

# Fewer visible characters than this per page of a PDF: no text layer worth the name.
MIN_TEXT_CHARS_PER_PAGE = 5
MIN_TEXT_CHARS = 1
# An image XObject: a PDF page without text but with one is a scan. (Streams are never
# inside compressed object streams, so the dictionary is always there to see.)
PDF_IMAGE_RE = re.compile(rb"/Subtype\s*/Image\b")


@dataclass
class DocumentRecord:
    id: str  # from the canonical URL, like an article's
    url: str
    canonical_url: str
    title: str | None  # the link's text, else the file name
    filename: str | None  # from Content-Disposition or the URL
    format: str  # pdf, docx, doc, wps, xlsx, xls, et, odt, ods
    content_type: str | None  # as the server declared it
    bytes: int
    raw_sha256: str
    text: str
    pages: int | None  # PDF pages, workbook sheets; None for flowing text
    lang: str
    cleaning: dict[str, int]
    content_sha256: str
    simhash: str
    extractor: str  # library and version that read the file
    kind: str = "attachment"
    cleaner_version: str = CLEANER_VERSION
    extra: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d.pop("extra")
        d.update(self.extra)
        return d


def _extractors() -> dict[str, tuple[Callable, str, bool]]:
    from .odf import odf_pages
    from .pdf import pdf_pages
    from .sheets import xls_pages, xlsx_pages
    from .word import docx_pages, word97_pages

    # format -> (reader, library, read off laid-out pages: see lines.clean_document_text)
    return {
        "pdf": (pdf_pages, "pdfminer.six", True),
        "docx": (docx_pages, "python-docx", False),
        "doc": (word97_pages, "olefile", False),
        "wps": (word97_pages, "olefile", False),
        "xlsx": (xlsx_pages, "openpyxl", False),
        "xls": (xls_pages, "xlrd", False),
        "et": (xls_pages, "xlrd", False),
        "odt": (odf_pages, "odfpy", False),
        "ods": (odf_pages, "odfpy", False),
    }


EXTRACTORS = _extractors()


def document_format(body: bytes, url: str, headers: dict | None = None, title: str | None = None) -> str | None:
    """The format of a body: its bytes, refined by what the server and the link declared."""
    declared = declared_format(url, headers, title)
    return sniff_format(body, declared) or (declared if declared in ARCHIVE_FORMATS else None)


def extract_document(body: bytes, url: str, headers: dict | None = None, title: str | None = None) -> DocumentRecord:
    """One attachment's bytes -> its record. Raises CleanError (see the module's docstring)."""
    if not body:
        raise CleanError("empty body", stage="empty")
    fmt = document_format(body, url, headers, title)
    if fmt in ARCHIVE_FORMATS:
        raise CleanError(f"{fmt} archive: listed, not unpacked", stage="archive")
    if fmt not in EXTRACTORS:
        what = fmt or declared_format(url, headers, title) or media_type(headers) or "unknown"
        raise CleanError(f"not a document we read ({what})", stage="unsupported")
    reader, library, printed = EXTRACTORS[fmt]
    try:
        pages, info = reader(body)
    except CleanError:
        raise
    except Exception as exc:  # noqa: BLE001 - third-party parsers of damaged files raise anything
        # (KeyError, struct.error, zlib.error, AssertionError…): that is a bad file, not our bug
        raise CleanError(f"unreadable {fmt}: {type(exc).__name__}: {exc}"[:300], stage="document") from exc
    text, cleaning = clean_document_text(pages, printed=printed)
    visible = sum(1 for ch in text if not ch.isspace())
    if fmt == "pdf" and visible < MIN_TEXT_CHARS_PER_PAGE * max(1, info.get("pages_read", 1)) and visible < 200:
        if PDF_IMAGE_RE.search(body):
            raise CleanError(f"PDF of {info.get('pages', '?')} page(s) with images and no text layer "
                             f"({visible} characters): a scan, needs OCR", stage="needs_ocr")
        raise CleanError(f"PDF of {info.get('pages', '?')} page(s) with neither text nor images", stage="empty")
    if visible < MIN_TEXT_CHARS:
        raise CleanError(f"{fmt} file without text", stage="empty")
    if info.get("pages_read", info.get("pages")) != info.get("pages"):
        cleaning["pages_not_read"] = info["pages"] - info["pages_read"]
    canonical = canonicalize_url(url)
    # a download endpoint's own name (download.jsp) is no file name
    filename = disposition_filename(headers) or (unquote(urlsplit(url).path).rsplit("/", 1)[-1]
                                                 if url_extension(url) in DOCUMENT_EXTENSIONS else None)
    return DocumentRecord(
        id=record_id(canonical), url=url, canonical_url=canonical,
        title=(title or "").strip() or filename, filename=filename, format=fmt,
        content_type=media_type(headers), bytes=len(body), raw_sha256=raw_sha256(body),
        text=text, pages=info.get("pages", info.get("sheets")), lang=detect_language(text),
        cleaning=cleaning, content_sha256=content_sha256(text), simhash=simhash(text),
        extractor=f"{library} {_version(library)}",
    )


def _version(dist: str) -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version(dist)
    except PackageNotFoundError:
        return "?"
