"""python -m cleaners: clean saved HTML files and attachments into JSONL on stdout.

    python -m cleaners [--url URL] [--site-type T] [--header 'Name: value'] [--jobs N] PATH...

Directories are searched recursively for HTML files and documents (PDF, DOC,
DOCX, WPS, XLS, XLSX, ET, ODT, ODS, and archives, which are listed as not
read); `-` reads one page from stdin. A document is told by its bytes, not its
name, and becomes a record of kind "attachment" with its text. One JSON object per input on stdout (UTF-8, Chinese unescaped): the
record, or an error record with `error`, `reason`, `path`, `url` and
`raw_sha256`. The exit status is 2 for usage errors only: a page that cannot
be cleaned is reported, and the run goes on.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections import Counter
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

from .documents import document_format, extract_document
from .documents.formats import DOCUMENT_EXTENSIONS
from .errors import CleanError
from .fingerprint import raw_sha256
from .pipeline import clean_page
from .profiles import SITE_TYPES
from .record import CLEANER_VERSION

HTML_SUFFIXES = {".html", ".htm", ".shtml", ".xhtml", ".asp", ".aspx", ".php", ".jsp", ".do"}
INPUT_SUFFIXES = HTML_SUFFIXES | {f".{ext}" for ext in DOCUMENT_EXTENSIONS}


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    headers = {}
    for line in args.header:
        name, sep, value = line.partition(":")
        if not sep or not name.strip():
            _parser().error(f"--header takes 'Name: value', got {line!r}")
        headers[name.strip()] = value.strip()
    inputs = list(_expand(args.paths))
    if args.url and len(inputs) > 1:
        _parser().error("--url names one page; give it with a single PATH")
    jobs = [(str(p), args.url, headers, args.site_type) for p in inputs]
    out = sys.stdout
    summary = _Summary()
    if args.jobs > 1 and len(jobs) > 1:
        with ProcessPoolExecutor(args.jobs) as pool:
            for line in pool.map(clean_file, jobs, chunksize=4):
                out.write(line + "\n")
                summary.add(line)
    else:
        for job in jobs:
            line = clean_file(job)
            out.write(line + "\n")
            summary.add(line)
    out.flush()
    if summary.total:
        print(summary.line(), file=sys.stderr)
    return 0


class _Summary:
    """What the run could and could not read, for stderr."""

    def __init__(self):
        self.total, self.read, self.failed = 0, Counter(), Counter()

    def add(self, line: str) -> None:
        rec = json.loads(line)
        self.total += 1
        if "error" in rec:
            self.failed[rec["error"]] += 1
        else:
            self.read[rec.get("format") or "html"] += 1

    def line(self) -> str:
        read = ", ".join(f"{k} {v}" for k, v in sorted(self.read.items())) or "nothing"
        failed = ", ".join(f"{k} {v}" for k, v in sorted(self.failed.items()))
        return (f"python -m cleaners: {self.total} input(s); read: {read}"
                + (f"; not read: {failed}" if failed else ""))


def clean_file(job: tuple) -> str:
    """One input path → one JSON line (record or error record)."""
    path, url, headers, site_type = job
    url = url or ("urn:stdin" if path == "-" else Path(path).resolve().as_uri())
    try:
        body = sys.stdin.buffer.read() if path == "-" else Path(path).read_bytes()
    except OSError as exc:
        return _dump({"error": "read", "reason": f"{type(exc).__name__}: {exc.strerror or exc}",
                      "path": path, "url": url, "raw_sha256": None, "cleaner_version": CLEANER_VERSION})
    try:
        if document_format(body, url, headers, Path(path).name) is not None:
            record = extract_document(body, url, headers=headers, title=None).to_dict()
        else:
            record = clean_page(body, url, headers=headers, site_type=site_type).to_dict()
    except CleanError as exc:
        return _dump({"error": exc.stage, "reason": exc.reason, "path": path, "url": url,
                      "raw_sha256": raw_sha256(body), "cleaner_version": CLEANER_VERSION})
    record["path"] = path
    return _dump(record)


def _dump(obj: dict) -> str:
    return json.dumps(obj, ensure_ascii=False, sort_keys=False)


def _expand(paths: list[str]):
    for p in paths:
        if p == "-":
            yield p
            continue
        path = Path(p)
        if path.is_dir():
            yield from sorted(f for f in path.rglob("*") if f.is_file() and f.suffix.lower() in INPUT_SUFFIXES)
        else:
            yield path  # a missing file becomes an error record, not a crash


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="python -m cleaners", description=__doc__.split("\n\n")[0])
    p.add_argument("paths", nargs="+", metavar="PATH", help="HTML file, document (PDF, DOC, DOCX, WPS, XLS, XLSX, ODT…), directory (recursed), or - for stdin")
    p.add_argument("--url", help="the page's URL (for one PATH): resolves links, dates in URLs, the record id")
    p.add_argument("--site-type", choices=SITE_TYPES, help="skip recognition and use this profile")
    p.add_argument("--header", action="append", default=[], metavar="'Name: value'",
                   help="an HTTP response header, e.g. 'Content-Type: text/html; charset=gbk' (repeatable)")
    p.add_argument("--jobs", type=int, default=1, help="clean in N processes (output order is kept)")
    return p


if __name__ == "__main__":
    sys.exit(main())
