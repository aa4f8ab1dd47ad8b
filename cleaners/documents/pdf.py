"""PDF text with pdfminer.six: page by page, so page numbers and running headers can be told apart.

pdfminer.six reads the fonts' ToUnicode maps and also the predefined Chinese
CMaps (Adobe-GB1, UniGB-UCS2-H…) that Chinese office suites write without a
ToUnicode map, which is where lighter readers return nothing or mojibake.
"""

from __future__ import annotations

import io

from ..errors import CleanError

MAX_PAGES = 500  # a longer document is cut there (and says so)


def pdf_pages(body: bytes) -> tuple[list[str], dict]:
    from pdfminer.high_level import extract_text
    from pdfminer.layout import LAParams
    from pdfminer.pdfdocument import PDFEncryptionError, PDFPasswordIncorrect
    from pdfminer.pdfpage import PDFPage
    from pdfminer.pdfparser import PDFSyntaxError
    from pdfminer.psexceptions import PSException

    try:
        total = sum(1 for _ in PDFPage.get_pages(io.BytesIO(body)))
        text = extract_text(io.BytesIO(body), maxpages=MAX_PAGES, laparams=LAParams())
    except (PDFPasswordIncorrect, PDFEncryptionError) as exc:
        raise CleanError(f"encrypted PDF: {type(exc).__name__}", stage="encrypted") from exc
    except (PDFSyntaxError, PSException) as exc:
        raise CleanError(f"unreadable PDF: {type(exc).__name__}: {exc}"[:300], stage="document") from exc
    pages = text.split("\f")
    if pages and not pages[-1].strip():
        pages.pop()
    return pages, {"pages": total, "pages_read": min(total, MAX_PAGES)}
