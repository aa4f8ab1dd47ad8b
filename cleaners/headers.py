"""HTTP headers as the project reads them: one set of rules for every caller.

Headers arrive as Scrapy's `Headers` (bytes names, lists of bytes values), as a
dict of str (a saved page's headers, `--header` on the command line, a
PagePart), or a mix. The rules:

- names are case-insensitive; a mapping that has one name twice, in two cases,
  counts the later one (a later `--header` overrides an earlier);
- a header sent several times counts its first value (the record's
  `http.content_type` and the cleaner read the same one);
- bytes are decoded as latin-1: every byte maps to one code point, so nothing
  is lost and a caller may recover the bytes (e.g. a GBK file name);
- an absent header is None; a media type is lower-cased without parameters.

Pure Python (no Scrapy import): the crawler uses it too.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

HeadersLike = Mapping[Any, Any] | None


def header_text(value: Any) -> str | None:
    """One header value as str: bytes decoded as latin-1, the first of several values."""
    if isinstance(value, (list, tuple)):
        value = value[0] if value else None
    if value is None:
        return None
    if isinstance(value, (bytes, bytearray)):
        return bytes(value).decode("latin-1")
    return str(value)


def header_items(headers: HeadersLike) -> Iterator[tuple[str, str]]:
    """(name as sent, first value) for each header that has a value."""
    for name, value in (headers or {}).items():
        text = header_text(value)
        if text is not None:
            yield header_text(name), text


def plain_headers(headers: HeadersLike) -> dict[str, str]:
    """Lower-cased names -> str values."""
    return {name.strip().lower(): value for name, value in header_items(headers)}


def header(headers: HeadersLike, name: str) -> str | None:
    """The value of header `name` (any case), or None."""
    if callable(getattr(headers, "getlist", None)) and callable(getattr(headers, "normkey", None)):
        # Scrapy's Headers keep one case-folded entry per name: asked directly,
        # not copied whole for each header a caller reads (several per page)
        return header_text(headers.getlist(name))
    return plain_headers(headers).get(name.lower())


def media_type(value_or_headers: str | bytes | HeadersLike) -> str | None:
    """`text/html` of `Text/HTML; charset=gbk`: from a Content-Type value or from headers."""
    if isinstance(value_or_headers, Mapping):
        value = header(value_or_headers, "Content-Type")
    else:
        value = header_text(value_or_headers)
    return (value or "").split(";", 1)[0].strip().lower() or None
