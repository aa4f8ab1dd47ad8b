"""What kind of document a body is: its bytes first, then what the server and the link said.

The magic bytes decide when they can (a server that labels a PDF
`application/octet-stream`, or a `.doc` that is really a DOCX, is common);
the Content-Disposition file name, the URL's extension and the Content-Type
only break ties inside a container (an OLE file that is a Word document may
be `.doc` or Kingsoft `.wps`) or name an archive we do not open.
"""

from __future__ import annotations

import io
import re
import zipfile
from email.message import Message
from urllib.parse import unquote, urlsplit

from ..headers import header, media_type

OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
ZIP_MAGIC = b"PK\x03\x04"
RAR_MAGIC = b"Rar!\x1a\x07"
SEVENZ_MAGIC = b"7z\xbc\xaf\x27\x1c"

# Formats whose text we extract, and archives we only list.
TEXT_FORMATS = ("pdf", "docx", "doc", "wps", "xlsx", "xls", "et", "odt", "ods")
ARCHIVE_FORMATS = ("zip", "rar", "7z")
DOCUMENT_EXTENSIONS = TEXT_FORMATS + ARCHIVE_FORMATS + ("pptx", "ppt", "ofd")

CONTENT_TYPES = {
    "application/pdf": "pdf",
    "application/msword": "doc",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document": "docx",
    "application/vnd.ms-excel": "xls",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": "xlsx",
    "application/vnd.oasis.opendocument.text": "odt",
    "application/vnd.oasis.opendocument.spreadsheet": "ods",
    "application/kswps": "wps", "application/vnd.ms-works": "wps", "application/wps-office.wps": "wps",
    "application/zip": "zip", "application/x-zip-compressed": "zip",
    "application/x-rar-compressed": "rar", "application/vnd.rar": "rar",
    "application/x-7z-compressed": "7z",
}
# Content types that say "a file to save", whatever it is.
DOWNLOAD_CONTENT_TYPES = {"application/octet-stream", "application/force-download", "application/x-download",
                          "application/download", "binary/octet-stream"}
EXT_RE = re.compile(r"\.([A-Za-z0-9]{2,5})$")


def disposition_filename(headers: dict | None) -> str | None:
    """The file name of a Content-Disposition header (filename*=UTF-8'' first; GBK names as sent by Chinese CMSs)."""
    value = header(headers, "Content-Disposition")
    if not value:
        return None
    msg = Message()
    msg["Content-Disposition"] = value
    name = msg.get_filename()
    if not name:
        return None
    name = unquote(name)
    # A raw UTF-8 or GBK name arrives as latin-1 code points: recover its bytes.
    try:
        raw = name.encode("latin-1")
    except UnicodeEncodeError:
        return name
    for codec in ("utf-8", "gb18030"):
        try:
            return raw.decode(codec)
        except UnicodeDecodeError:
            continue
    return name


def extension(name: str | None) -> str | None:
    if not name:
        return None
    mo = EXT_RE.search(name.strip())
    return mo.group(1).lower() if mo else None


def url_extension(url: str) -> str | None:
    try:
        return extension(unquote(urlsplit(url).path))
    except ValueError:
        return None


def declared_format(url: str, headers: dict | None = None, name: str | None = None) -> str | None:
    """What the answer and the link say the file is: Content-Disposition name, Content-Type, URL, link text."""
    for ext in (extension(disposition_filename(headers)), CONTENT_TYPES.get(media_type(headers) or ""),
                url_extension(url), extension(name)):
        if ext in DOCUMENT_EXTENSIONS:
            return ext
    return None


def sniff_format(body: bytes, declared: str | None = None) -> str | None:
    """The format the bytes are, refined by the declared one; None when they are no document we know."""
    head, first_kb = body[:8], body[:1024]
    # readers accept the PDF header anywhere in the first KiB (after junk some servers prepend),
    # but an HTML page that merely mentions it is no PDF
    if first_kb.lstrip().startswith(b"%PDF-") or (b"%PDF-" in first_kb and b"<html" not in first_kb.lower()):
        return "pdf"
    if head.startswith(OLE_MAGIC):
        return _ole_format(body, declared)
    if head.startswith(ZIP_MAGIC):
        return _zip_format(body)
    if head.startswith(RAR_MAGIC):
        return "rar"
    if head.startswith(SEVENZ_MAGIC):
        return "7z"
    return None


def _ole_format(body: bytes, declared: str | None) -> str:
    import olefile

    try:
        with olefile.OleFileIO(body) as ole:
            if ole.exists("WordDocument"):
                return "wps" if declared == "wps" else "doc"
            if ole.exists("Workbook") or ole.exists("Book"):
                return "et" if declared == "et" else "xls"
            if ole.exists("EncryptedPackage"):
                return "encrypted-ooxml"
    except (OSError, ValueError, IndexError, TypeError):  # olefile's ways of saying "not an OLE file"
        # damaged: the declared reader says what is wrong with it
        return declared if declared in ("doc", "wps", "xls", "et") else "ole"
    return "ole"


def _zip_format(body: bytes) -> str:
    try:
        with zipfile.ZipFile(io.BytesIO(body)) as zf:
            names = set(zf.namelist())
            if "word/document.xml" in names:
                return "docx"
            if "xl/workbook.xml" in names:
                return "xlsx"
            if "mimetype" in names:
                mime = zf.read("mimetype")[:100].decode("ascii", "replace").strip()
                return {"application/vnd.oasis.opendocument.text": "odt",
                        "application/vnd.oasis.opendocument.spreadsheet": "ods"}.get(mime, "zip")
            if "ppt/presentation.xml" in names:
                return "pptx"
    except (zipfile.BadZipFile, OSError, ValueError, RuntimeError):
        return "zip"
    return "zip"
