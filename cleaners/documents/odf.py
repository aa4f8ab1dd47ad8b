"""OpenDocument text and spreadsheets (odfpy): paragraphs and headings in document order."""

from __future__ import annotations

import io

from ..errors import CleanError


def odf_pages(body: bytes) -> tuple[list[str], dict]:
    from odf import opendocument, teletype
    from odf.namespaces import TABLENS, TEXTNS

    try:
        doc = opendocument.load(io.BytesIO(body))
    except Exception as exc:  # odfpy lets zip and XML errors through as they are
        raise CleanError(f"unreadable OpenDocument: {type(exc).__name__}: {exc}"[:300], stage="document") from exc
    lines: list[str] = []

    def walk(node, in_cell: bool) -> None:
        for child in node.childNodes:
            qname = getattr(child, "qname", None)
            if qname in ((TEXTNS, "p"), (TEXTNS, "h")):
                lines.append(teletype.extractText(child))
            elif qname == (TABLENS, "table-row"):
                cells = []
                for cell in child.childNodes:
                    cells.append(" ".join(teletype.extractText(p) for p in cell.childNodes
                                          if getattr(p, "qname", None) == (TEXTNS, "p")).strip())
                lines.append(" ".join(c for c in cells if c))
            elif getattr(child, "childNodes", None):
                walk(child, in_cell)

    walk(doc.body, False)
    return ["\n".join(lines)], {}
