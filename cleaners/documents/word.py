"""Word processor documents: DOCX (python-docx), legacy Word 97–2003 DOC and Kingsoft WPS (olefile).

A .doc and the .wps files WPS Office writes are the same Word 97 binary format:
an OLE compound file whose `WordDocument` stream holds the text, located by the
piece table (the CLX) in the `0Table`/`1Table` stream. We read that table
ourselves on top of olefile rather than call antiword or catdoc: both map
Chinese through 8-bit character sets and lose it.
"""

from __future__ import annotations

import io
import re
import struct

from ..errors import CleanError

# Word's control characters in the main text: paragraph and cell ends are line ends.
_BREAKS = str.maketrans({"\r": "\n", "\x07": "\n", "\x0b": "\n", "\x0c": "\n", "\x1e": "-", "\x1f": ""})
_FIELD_CODE_RE = re.compile("\x13[^\x13\x14\x15]*\x14")  # a field's instruction, keeping its result
_CONTROL_RE = re.compile("[\x00-\x08\x0e-\x1f]")


def docx_pages(body: bytes) -> tuple[list[str], dict]:
    import docx
    from docx.opc.exceptions import PackageNotFoundError

    try:
        document = docx.Document(io.BytesIO(body))
    except (PackageNotFoundError, KeyError, ValueError) as exc:
        raise CleanError(f"unreadable DOCX: {type(exc).__name__}: {exc}"[:300], stage="document") from exc
    lines: list[str] = []
    body_el = document.element.body
    for child in body_el.iterchildren():
        tag = child.tag.rsplit("}", 1)[-1]
        if tag == "p":
            lines.append(_docx_paragraph_text(child))
        elif tag == "tbl":
            lines.extend(_docx_table_rows(child))
    return ["\n".join(lines)], {}


def _docx_paragraph_text(p) -> str:
    w = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
    parts = []
    for el in p.iter(f"{w}t", f"{w}tab", f"{w}br"):
        parts.append(el.text or "" if el.tag == f"{w}t" else (" " if el.tag == f"{w}tab" else "\n"))
    return "".join(parts)


def _docx_table_rows(tbl) -> list[str]:
    w = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
    rows = []
    for tr in tbl.iter(f"{w}tr"):
        cells = [" ".join(_docx_paragraph_text(p) for p in tc.iter(f"{w}p")).strip() for tc in tr.iter(f"{w}tc")]
        rows.append(" ".join(c for c in cells if c))
    return rows


def word97_pages(body: bytes) -> tuple[list[str], dict]:
    """The main text of a Word 97 binary document (DOC, WPS)."""
    import olefile

    try:
        with olefile.OleFileIO(body) as ole:
            word = ole.openstream("WordDocument").read()
            if len(word) < 0x1AA or struct.unpack_from("<H", word, 0)[0] != 0xA5EC:
                raise CleanError("not a Word 97 document (no FIB)", stage="document")
            flags = struct.unpack_from("<H", word, 0x0A)[0]
            if flags & 0x0100:
                raise CleanError("encrypted Word document", stage="encrypted")
            table_name = "1Table" if flags & 0x0200 else "0Table"
            if not ole.exists(table_name):
                raise CleanError(f"Word document without its {table_name} stream", stage="document")
            table = ole.openstream(table_name).read()
    except (OSError, ValueError, IndexError, TypeError) as exc:  # olefile's "not a compound file"
        raise CleanError(f"unreadable Word file: {type(exc).__name__}: {exc}"[:300], stage="document") from exc
    ccp_text = struct.unpack_from("<i", word, 0x4C)[0]
    fc_clx, lcb_clx = struct.unpack_from("<II", word, 0x1A2)
    text = _piece_table_text(word, table[fc_clx:fc_clx + lcb_clx], ccp_text)
    text = _FIELD_CODE_RE.sub("", text).replace("\x15", "").replace("\x13", "")
    text = _CONTROL_RE.sub("", text.translate(_BREAKS))
    return [text], {}


def _piece_table_text(word: bytes, clx: bytes, ccp_text: int) -> str:
    i = 0
    while i < len(clx) and clx[i] == 0x01:  # Prc: property modifiers, skipped
        i += 3 + struct.unpack_from("<H", clx, i + 1)[0]
    if i + 5 > len(clx) or clx[i] != 0x02:
        raise CleanError("Word document without a piece table", stage="document")
    lcb = struct.unpack_from("<I", clx, i + 1)[0]
    plc = clx[i + 5:i + 5 + lcb]
    n = (lcb - 4) // 12
    cps = struct.unpack_from(f"<{n + 1}i", plc, 0)
    out: list[str] = []
    for k in range(n):
        start, end = cps[k], min(cps[k + 1], ccp_text)
        if start >= end:
            break
        fc = struct.unpack_from("<I", plc, 4 * (n + 1) + 8 * k + 2)[0]
        length = end - start
        if fc & 0x40000000:  # "compressed": 8-bit cp1252 text at fc/2
            pos = (fc & 0x3FFFFFFF) // 2
            out.append(word[pos:pos + length].decode("cp1252", "replace"))
        else:
            out.append(word[fc:fc + 2 * length].decode("utf-16-le", "replace"))
    return "".join(out)
