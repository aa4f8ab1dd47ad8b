"""Spreadsheets: XLSX (openpyxl, read-only), XLS and Kingsoft ET (xlrd), ODS (odfpy).

A sheet becomes one line per row, the non-empty cells separated by a space; the
sheet's name opens it when the workbook has several. Values, never formulas.
"""

from __future__ import annotations

import io
from datetime import datetime

from ..errors import CleanError

MAX_ROWS = 20000  # per workbook: a registration form, not a data dump


def _cell(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, datetime):
        return value.date().isoformat() if value.time() == datetime.min.time() else value.isoformat(sep=" ")
    return str(value).strip()


def xlsx_pages(body: bytes) -> tuple[list[str], dict]:
    import openpyxl

    try:
        book = openpyxl.load_workbook(io.BytesIO(body), read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises whatever its XML and zip readers raise
        raise CleanError(f"unreadable XLSX: {type(exc).__name__}: {exc}"[:300], stage="document") from exc
    try:
        sheets = [(ws.title, (tuple(_cell(v) for v in row) for row in ws.iter_rows(values_only=True)))
                  for ws in book.worksheets]
        return _sheet_pages(sheets)
    finally:
        book.close()


def xls_pages(body: bytes) -> tuple[list[str], dict]:
    import xlrd

    try:
        # xlrd writes its warnings to stdout unless told otherwise: keep them out of JSONL output
        book = xlrd.open_workbook(file_contents=body, on_demand=True, logfile=io.StringIO(), verbosity=0)
    except (xlrd.XLRDError, OSError, ValueError, AssertionError, IndexError) as exc:
        raise CleanError(f"unreadable XLS: {type(exc).__name__}: {exc}"[:300], stage="document") from exc
    sheets = []
    for sheet in book.sheets():
        rows = ((_xls_cell(c, book.datemode) for c in sheet.row(r)) for r in range(sheet.nrows))
        sheets.append((sheet.name, rows))
    return _sheet_pages(sheets)


def _xls_cell(cell, datemode: int) -> str:
    import xlrd

    if cell.ctype == xlrd.XL_CELL_DATE:
        try:
            return _cell(xlrd.xldate.xldate_as_datetime(cell.value, datemode))
        except (ValueError, OverflowError):
            return _cell(cell.value)
    return _cell(cell.value)


def _sheet_pages(sheets) -> tuple[list[str], dict]:
    pages, rows_read = [], 0
    for name, rows in sheets:
        lines = [name] if len(sheets) > 1 else []
        for row in rows:
            if rows_read >= MAX_ROWS:
                break
            line = " ".join(v for v in row if v)
            if line:
                lines.append(line)
                rows_read += 1
        pages.append("\n".join(lines))
    return pages, {"sheets": len(sheets)}
