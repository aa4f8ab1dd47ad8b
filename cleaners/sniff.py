"""Is this body HTML? The one sniffer, shared by the cleaner and the crawler.

Two questions, asked of the first bytes only (bounded work on any body):

- `binary_kind(body)`: does the body announce a non-HTML format (PDF, images,
  archives, Office documents) in its magic bytes?
- `looks_like_html(body_or_text)`: is there HTML markup near the start? Asked of
  *text*: a UTF-16 or UTF-32 page has no ASCII ``<html`` in its bytes, so bytes
  are first decoded for the sniff (byte-order mark, else the NUL-byte pattern of
  UTF-16/32, else latin-1, under which every ASCII-compatible charset's tags read
  as ASCII).

`wide_codec(body)` is that NUL-pattern check: the decoder uses it too, for
UTF-16/32 pages that come without a byte-order mark.
"""

from __future__ import annotations

import codecs
import re

__all__ = ["BOMS", "SNIFF_BYTES", "binary_kind", "looks_like_html", "sniff_text", "wide_codec"]

SNIFF_BYTES = 65536  # how far into the body markup is looked for

# Magic bytes of formats served as text/html by mistake, with a name for the reason.
BINARY_SIGNATURES = (
    (b"%PDF", "PDF"),
    (b"\x89PNG", "PNG image"),
    (b"GIF8", "GIF image"),
    (b"\xff\xd8\xff", "JPEG image"),
    (b"PK\x03\x04", "ZIP archive (docx/xlsx?)"),
    (b"\xd0\xcf\x11\xe0", "MS Office document"),
    (b"Rar!", "RAR archive"),
    (b"7z\xbc\xaf\x27\x1c", "7z archive"),
    (b"\x1f\x8b", "gzip data"),
    (b"RIFF", "RIFF media file"),
    (b"\x00\x00\x01\x00", "icon"),
)

MARKUP = re.compile(r"<\s*(?:!doctype\s+html|html|head|body|div|p|table|meta|title|a|span|br|text)\b", re.I)

BOMS = (  # UTF-32 first: its LE BOM begins with UTF-16's.
    (codecs.BOM_UTF32_LE, "utf-32-le"),
    (codecs.BOM_UTF32_BE, "utf-32-be"),
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)
_WIDE_SAMPLE = 1024  # bytes whose NUL pattern is judged


def binary_kind(body: bytes) -> str | None:
    """The name of the non-HTML format the body's magic bytes announce, or None."""
    head = bytes(body[:16])
    for magic, name in BINARY_SIGNATURES:
        if head.startswith(magic):
            return name
    return None


def wide_codec(body: bytes) -> str | None:
    """utf-16-le/-be or utf-32-le/-be when the NUL bytes of the head fall where
    those encodings put them for ASCII markup (a page without a byte-order mark), else None."""
    head = bytes(body[:_WIDE_SAMPLE])
    if len(head) < 8 or b"\x00" not in head:
        return None
    head = head[: len(head) - len(head) % 4]
    zeros = [0, 0, 0, 0]
    for i, byte in enumerate(head):
        if byte == 0:
            zeros[i % 4] += 1
    slots = len(head) // 4
    mostly, rarely = 0.5 * slots, 0.05 * slots
    if zeros[2] >= 0.9 * slots and zeros[3] >= 0.9 * slots and zeros[1] >= mostly and zeros[0] <= rarely:
        return "utf-32-le"
    if zeros[0] >= 0.9 * slots and zeros[1] >= 0.9 * slots and zeros[2] >= mostly and zeros[3] <= rarely:
        return "utf-32-be"
    odd, even = zeros[1] + zeros[3], zeros[0] + zeros[2]
    # Markup and the spaces between tags are ASCII: a third of the characters is plenty.
    if odd >= 0.3 * 2 * slots and even <= 0.1 * odd:
        return "utf-16-le"
    if even >= 0.3 * 2 * slots and odd <= 0.1 * even:
        return "utf-16-be"
    return None


def sniff_text(body: bytes) -> str:
    """The head of the body as text, good enough to look for markup in."""
    head = bytes(body[:SNIFF_BYTES])
    codec, skip = None, 0
    for bom, name in BOMS:
        if head.startswith(bom):
            codec, skip = name, len(bom)
            break
    codec = codec or wide_codec(head) or "latin-1"
    return head[skip:].decode(codec, "ignore")


def looks_like_html(body: bytes | str) -> bool:
    """Is there HTML markup in the first 64 KiB (of bytes, or of decoded text)?"""
    text = body[:SNIFF_BYTES] if isinstance(body, str) else sniff_text(body)
    return MARKUP.search(text) is not None
