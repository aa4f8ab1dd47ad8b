"""python -m cleaners: clean saved HTML files and attachments into JSONL on stdout.

    python -m cleaners [--url URL] [--site-type T] [--header 'Name: value'] [--jobs N] [--timeout S]
                       [--articles-only] PATH...

Directories are searched recursively for HTML files and documents (PDF, DOC,
DOCX, WPS, XLS, XLSX, ET, ODT, ODS; archives are listed as not read); `-` reads
one page from stdin. A document is told by its bytes, not its name, and becomes
a record of kind "attachment" with its text. Every input gives exactly one JSON line on stdout (UTF-8, Chinese
unescaped): the record, or an error record with `error`, `reason`, `path`,
`url` and `raw_sha256`. stderr gets a progress bar on a terminal and a closing
line ("2,310 records, 12 errors"). Exit status: 0 when something was read,
1 when nothing could be read, 2 for usage errors, 141 when stdout was closed
(`| head`), 130 on Ctrl-C. No input, however broken, ends the run with a traceback.

Each page's record says what kind of page it was (`page_kind`: article, list,
other; cleaners/page_kind.py). With --articles-only a list or other page gives,
instead of its record, a short line of the error shape with `error`
"not_article", its `page_kind` and `raw_sha256` (still one line per input), and
the closing line counts them apart ("2 non-article pages left out").
"""

from __future__ import annotations

import argparse
import collections
import errno
import json
import os
import signal
import stat
import sys
import time
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures import TimeoutError as FuturesTimeout
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass
from urllib.parse import quote_from_bytes

from .errors import CleanerBug, CleanError
from .fingerprint import raw_sha256
from .limits import time_limit
from .page_kind import KIND_NAMES
from .documents import document_format, extract_document
from .documents.formats import DOCUMENT_EXTENSIONS
from .page_cleaning import clean_page
from .process_pool import worker_processes
from .profiles import SITE_TYPES
from .record import CLEANER_VERSION

HTML_SUFFIXES = {".html", ".htm", ".shtml", ".xhtml", ".asp", ".aspx", ".php", ".jsp", ".do"}
# Directories are searched for pages and for documents (attachments saved to disk).
INPUT_SUFFIXES = HTML_SUFFIXES | {f".{ext}" for ext in DOCUMENT_EXTENSIONS}
MAX_READ_BYTES = 64 * 1024 * 1024  # a file larger than this is refused unread (cleaning cuts at 5 MiB anyway)
DEFAULT_TIMEOUT = 60.0  # seconds per input, as the crawler's CLEAN_TIMEOUT
IN_FLIGHT_PER_JOB = 4  # inputs handed to each process ahead of time
EXIT_NOTHING_READ, EXIT_USAGE, EXIT_INTERRUPTED, EXIT_PIPE_CLOSED = 1, 2, 130, 141


@dataclass
class Input:
    """One input: `path` as the OS names it (may hold undecodable bytes), or a failure found
    while listing it (a directory loop, an unreadable directory)."""

    path: str
    display: str  # valid UTF-8: undecodable bytes of the name shown as \\xNN
    stdin: bytes | None = None  # the body read from `-` (stdin is read once, by the parent)
    failure: tuple[str, str] | None = None  # (stage, reason) known before reading


def main(argv: list[str] | None = None) -> int:
    try:
        return _main(argv)
    except KeyboardInterrupt:  # Ctrl-C while listing or reading the inputs
        sys.stderr.write("\ninterrupted\n")
        return EXIT_INTERRUPTED


def _main(argv: list[str] | None) -> int:
    if sys.stderr is None:  # `2>&-`: messages go nowhere rather than fail
        sys.stderr = open(os.devnull, "w")
    if sys.stdout is None:  # `>&-`: no line could be written
        sys.stderr.write("python -m cleaners: stdout is closed\n")
        return EXIT_PIPE_CLOSED
    parser = _parser()
    args = parser.parse_args(argv)
    headers = {}
    for line in args.header:
        name, sep, value = line.partition(":")
        if not sep or not name.strip():
            parser.error(f"--header takes 'Name: value', got {line!r}")
        headers[name.strip()] = value.strip()
    if args.jobs < 1:
        parser.error("--jobs takes a number of processes, 1 or more")
    skipped = collections.Counter()
    inputs = list(expand(args.paths, skipped))
    if args.url and len(inputs) > 1:
        parser.error("--url names one page; give it with a single PATH")
    progress = Progress(len(inputs), enabled=args.progress if args.progress is not None else sys.stderr.isatty())
    tally = collections.Counter()
    read_as = collections.defaultdict(collections.Counter)  # outcome -> format read / stage failed
    results = _results(inputs, args, headers)
    try:
        for line, outcome in results:
            _write_whole(line)
            kind, _, what = outcome.partition(":")  # record:pdf, error:needs_ocr, skipped:list, unread
            tally[kind] += 1
            read_as[kind][what or kind] += 1
            progress.update(tally)
        sys.stdout.buffer.flush()
    except BrokenPipeError:  # `| head`: stop quietly, as Unix tools do
        _silence_stdout()
        return EXIT_PIPE_CLOSED
    except KeyboardInterrupt:
        progress.clear()
        sys.stderr.write("interrupted\n")
        return EXIT_INTERRUPTED
    finally:
        results.close()  # shuts the process pool down
    progress.clear()
    sys.stderr.write(closing_line(tally, skipped, read_as) + "\n")
    return 0 if tally["record"] + tally["error"] + tally["skipped"] else EXIT_NOTHING_READ


def _write_whole(line: bytes) -> None:
    """Write one line whole: a Ctrl-C waits until it is out (a torn last line is no JSON)."""
    old = signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT})
    try:
        sys.stdout.buffer.write(line)
        sys.stdout.buffer.flush()
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, old)  # a Ctrl-C that came meanwhile is raised now


def closing_line(tally: collections.Counter, skipped: collections.Counter,
                 read_as: dict[str, collections.Counter] | None = None) -> str:
    """`3 records, 1 error`; with documents among the inputs, what was read as what
    and why the rest was not (`; read: html 1, pdf 1; not read: needs_ocr 1`)."""
    errors = tally["error"] + tally["unread"]
    parts = [f"{tally['record']:,} record{'s' * (tally['record'] != 1)}", f"{errors:,} error{'s' * (errors != 1)}"]
    if tally["unread"]:
        parts[-1] += f" ({tally['unread']:,} not read)"
    if tally["skipped"]:
        left_out = read_as.get("skipped", {}) if read_as else {}
        parts.append(f"{tally['skipped']:,} non-article page{'s' * (tally['skipped'] != 1)} left out"
                     + (f" ({', '.join(f'{k} {v}' for k, v in sorted(left_out.items()))})" if left_out else ""))
    if skipped["not_html"]:
        parts.append(f"{skipped['not_html']:,} file{'s' * (skipped['not_html'] != 1)} without an HTML suffix skipped")
    line = ", ".join(parts)
    read_as = read_as or {}
    if set(read_as.get("record", {})) - {"html"}:
        line += "; read: " + ", ".join(f"{k} {v}" for k, v in sorted(read_as["record"].items()))
        failed = read_as.get("error", collections.Counter()) + read_as.get("unread", collections.Counter())
        if failed:
            line += "; not read: " + ", ".join(f"{k} {v}" for k, v in sorted(failed.items()))
    return line


# -- inputs ------------------------------------------------------------------


def display_path(path: str) -> str:
    """The path as valid UTF-8 text: bytes the file system name does not decode are shown as \\xNN."""
    return os.fsencode(path).decode("utf-8", "backslashreplace")


def file_url(path: str) -> str:
    """file:// URL of the path, without resolving symlinks (a loop must not raise)."""
    return "file://" + quote_from_bytes(os.fsencode(os.path.abspath(path)))


def expand(paths: list[str], skipped: collections.Counter):
    """Inputs in order: files as given, directories walked (sorted, symlinks followed once)."""
    for p in paths:
        if p == "-":
            yield _stdin_input()
            continue
        try:
            is_dir = stat.S_ISDIR(os.stat(p).st_mode)
        except (OSError, ValueError):  # missing, a loop, a NUL in the name: reading it will say why
            is_dir = False
        if is_dir:
            yield from _walk(p, skipped)
        else:
            yield Input(p, display_path(p))


def _stdin_input() -> Input:
    inp = Input("-", "-")
    if sys.stdin is None:  # `- <&-`: there is no stdin to read
        inp.failure = ("read", "stdin is closed")
        return inp
    try:
        inp.stdin = _read_stream(sys.stdin.buffer.raw if hasattr(sys.stdin.buffer, "raw") else sys.stdin.buffer)
    except OSError as exc:
        inp.failure = ("read", f"cannot read stdin: {exc.strerror or exc}")
    except InputRefused as exc:
        inp.failure = (exc.stage, exc.reason)
    return inp


def _walk(top: str, skipped: collections.Counter):
    """Depth first, entries sorted by name (the order of sorted(Path.rglob)); every directory
    is read once, so a symlink back to an ancestor is reported instead of looping."""
    seen: set[tuple[int, int]] = set()
    stack = [top]
    while stack:
        directory = stack.pop()
        try:
            st = os.stat(directory)
            if (st.st_dev, st.st_ino) in seen:
                yield Input(directory, display_path(directory),
                            failure=("read", "directory already read (a symbolic link loops back to it)"))
                continue
            seen.add((st.st_dev, st.st_ino))
            with os.scandir(directory) as it:
                entries = sorted(it, key=lambda e: os.fsencode(e.name))
        except OSError as exc:
            yield Input(directory, display_path(directory), failure=("read", _os_reason(exc, directory)))
            continue
        subdirs = []
        for entry in entries:
            try:
                is_dir = entry.is_dir()
            except OSError:
                is_dir = False
            if is_dir:
                subdirs.append(entry.path)
                continue
            suffix = os.path.splitext(entry.name)[1].lower()
            if suffix in INPUT_SUFFIXES:
                yield Input(entry.path, display_path(entry.path))
            elif entry.is_symlink() and not suffix and not os.path.exists(entry.path):
                # a dangling or looping link: it may have been a directory or a page, so it is said
                yield Input(entry.path, display_path(entry.path))
            else:
                skipped["not_html"] += 1
        # files of a directory before its subdirectories, subdirectories in name order
        stack.extend(reversed(subdirs))


# -- reading and cleaning one input -------------------------------------------


class InputRefused(Exception):
    """An input that is read no further: (stage, reason)."""

    def __init__(self, stage: str, reason: str):
        super().__init__(reason)
        self.stage, self.reason = stage, reason


def _read_stream(stream) -> bytes:
    chunks, size = [], 0
    while True:
        chunk = stream.read(1 << 20)
        if not chunk:
            return b"".join(chunks)
        size += len(chunk)
        if size > MAX_READ_BYTES:
            raise InputRefused("limit", f"more than {MAX_READ_BYTES // (1 << 20)} MiB to read; not cleaned")
        chunks.append(chunk)


def read_input(path: str) -> bytes:
    """The bytes of a file. A FIFO is opened without blocking on a writer that never
    comes; a device is read up to the limit; a directory, socket or the like is refused."""
    fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
    try:
        st = os.fstat(fd)
        if stat.S_ISDIR(st.st_mode):
            raise IsADirectoryError(errno.EISDIR, "is a directory")
        if stat.S_ISREG(st.st_mode) and st.st_size > MAX_READ_BYTES:
            raise InputRefused("limit", f"file is {st.st_size:,} bytes, more than {MAX_READ_BYTES // (1 << 20)} "
                                        "MiB; not cleaned")
        if hasattr(os, "set_blocking"):
            os.set_blocking(fd, True)  # a FIFO without a writer now reads as empty, one with a writer blocks
        with os.fdopen(fd, "rb", buffering=0, closefd=False) as stream:
            body = _read_stream(stream)
        if not body and stat.S_ISFIFO(st.st_mode):
            raise InputRefused("read", "a FIFO (named pipe) with no writer: nothing to read")
        return body
    finally:
        os.close(fd)


@dataclass
class Job:
    path: str
    display: str
    url: str | None
    headers: dict
    site_type: str | None
    timeout: float
    stdin: bytes | None = None
    failure: tuple[str, str] | None = None
    articles_only: bool = False  # a list or other page gives a `not_article` line, not its record


def clean_input(job: Job) -> tuple[bytes, str]:
    """One input → (one JSON line, outcome): outcome is `record:<format>` (html, pdf, ...),
    `error:<stage>` (read but not cleaned), `skipped:<page kind>` (--articles-only) or `unread`. Runs in a worker process with --jobs, in its main thread (the time limit)."""
    url = job.url or ("urn:stdin" if job.path == "-" else file_url(job.path))
    base = {"path": job.display, "url": url, "cleaner_version": CLEANER_VERSION}
    if job.failure:
        return _line({"error": job.failure[0], "reason": job.failure[1], **base, "raw_sha256": None}), "unread"
    body = job.stdin
    try:
        with time_limit(job.timeout, job.display):
            if body is None:
                body = read_input(job.path)
            if document_format(body, url, job.headers, os.path.basename(job.path)) is not None:
                record = extract_document(body, url, headers=job.headers, title=None).to_dict()
            else:
                record = clean_page(body, url, headers=job.headers, site_type=job.site_type).to_dict()
    except CleanError as exc:
        if body is None:  # the time ran out while reading (a FIFO whose writer never finishes)
            reason = f"reading took longer than {job.timeout:g} s (a FIFO or device that does not end?)"
            return _line({"error": exc.stage, "reason": reason, **base, "raw_sha256": None}), "unread"
        if isinstance(exc, CleanerBug):
            sys.stderr.write(f"cleaner bug on {job.display} (please report it):\n{exc.traceback}")
        return _line({"error": exc.stage, "reason": exc.reason, **base, "raw_sha256": raw_sha256(body)}), \
            f"error:{exc.stage}"
    except InputRefused as exc:
        return _line({"error": exc.stage, "reason": exc.reason, **base, "raw_sha256": None}), "unread"
    except (OSError, ValueError) as exc:  # ValueError: a NUL byte in the name
        return _line({"error": "read", "reason": _os_reason(exc, job.path), **base, "raw_sha256": None}), "unread"
    kind = record.get("page_kind", "article")  # documents have none: they are what a page links to
    if job.articles_only and kind != "article":
        reason = f"{KIND_NAMES.get(kind, kind)}, not an article: left out (--articles-only)"
        return _line({"error": "not_article", "reason": reason,
                      **base, "page_kind": kind, "raw_sha256": record["raw_sha256"]}), f"skipped:{kind}"
    record["path"] = job.display
    return _line(record), f"record:{record.get('format') or 'html'}"


def _os_reason(exc: Exception, path: str) -> str:
    if isinstance(exc, OSError) and exc.errno == errno.ENOENT and os.path.islink(path):
        return f"dangling symbolic link (to {display_path(os.readlink(path))})"
    if isinstance(exc, OSError) and exc.errno == errno.ELOOP:
        return "symbolic link loop"
    if isinstance(exc, OSError):
        return f"{type(exc).__name__}: {exc.strerror or exc}"
    return f"{type(exc).__name__}: {exc}"


def _line(obj: dict) -> bytes:
    # Lone surrogates cannot be written as UTF-8: they become "?" and stdout stays valid UTF-8.
    return (json.dumps(obj, ensure_ascii=False) + "\n").encode("utf-8", "replace")


# -- running: in order, in this process or a pool ------------------------------


def _results(inputs: list[Input], args, headers: dict):
    jobs = [Job(i.path, i.display, args.url, headers, args.site_type, args.timeout, i.stdin, i.failure,
                articles_only=args.articles_only) for i in inputs]
    if args.jobs == 1 or len(jobs) < 2:
        for job in jobs:
            yield clean_input(job)
        return
    yield from _pooled(jobs, args.jobs)


def _pooled(jobs: list[Job], workers: int):
    """Results in input order from a process pool. A process that dies (killed, out of
    memory) or hangs past the time limit in a C call the alarm cannot interrupt costs only
    its own input: the pool is replaced and the other inputs in flight are retried one per
    process."""
    pending = collections.deque(jobs)
    in_flight: collections.deque[tuple[Job, Future]] = collections.deque()
    pool = _pool(workers)
    try:
        while pending or in_flight:
            try:
                while pending and len(in_flight) < workers * IN_FLIGHT_PER_JOB:
                    in_flight.append((pending[0], pool.submit(clean_input, pending[0])))
                    pending.popleft()
                job, future = in_flight[0]
                result = future.result(timeout=_hard_timeout(job))
            except (BrokenProcessPool, FuturesTimeout) as exc:
                if isinstance(exc, FuturesTimeout):
                    in_flight.popleft()
                    yield _stuck(job)
                    _kill(pool)
                done = [(j, f) for j, f in in_flight]
                in_flight.clear()
                pool.shutdown(wait=False, cancel_futures=True)
                for j, f in done:
                    finished = f.done() and not f.cancelled() and f.exception() is None
                    yield f.result() if finished else _alone(j)
                pool = _pool(workers)
                continue
            in_flight.popleft()
            yield result
    finally:
        pool.shutdown(wait=True, cancel_futures=True)


def _alone(job: Job) -> tuple[bytes, str]:
    single = _pool(1)
    try:
        return single.submit(clean_input, job).result(timeout=_hard_timeout(job))
    except BrokenProcessPool:
        return _failed(job, "clean", "the cleaning process died on this input (killed, or out of memory)")
    except FuturesTimeout:
        _kill(single)
        return _stuck(job)
    finally:
        single.shutdown(wait=True, cancel_futures=True)


def _pool(workers: int) -> ProcessPoolExecutor:
    return ProcessPoolExecutor(workers, initializer=_ignore_sigint)


def _ignore_sigint() -> None:
    # Ctrl-C is the parent's to handle: a worker would print a KeyboardInterrupt traceback.
    signal.signal(signal.SIGINT, signal.SIG_IGN)


def _hard_timeout(job: Job) -> float | None:
    """How long the parent waits for a process: past this, the process is stuck where the
    alarm cannot reach it (a C call) and is killed."""
    return 2 * job.timeout + 10 if job.timeout else None


def _stuck(job: Job) -> tuple[bytes, str]:
    return _failed(job, "timeout", f"cleaning did not finish in {_hard_timeout(job):g} s (process killed)")


def _failed(job: Job, stage: str, reason: str) -> tuple[bytes, str]:
    return _line({"error": stage, "reason": reason, "path": job.display, "url": job.url or file_url(job.path),
                  "raw_sha256": None, "cleaner_version": CLEANER_VERSION}), "error"


def _kill(pool: ProcessPoolExecutor) -> None:
    # concurrent.futures has no way to stop a running task: end the pool's processes.
    for process in worker_processes(pool):
        process.kill()


def _silence_stdout() -> None:
    """After EPIPE: point stdout at /dev/null so the interpreter's final flush stays quiet."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        os.close(devnull)
    except (OSError, ValueError):
        pass


class Progress:
    """A one-line progress bar on stderr (a terminal only), redrawn at most 5 times a second."""

    WIDTH = 30

    def __init__(self, total: int, enabled: bool):
        self.total, self.enabled, self.last = total, enabled and total > 1, 0.0

    def update(self, tally: collections.Counter) -> None:
        if not self.enabled:
            return
        done = sum(tally.values())
        now = time.monotonic()
        if now - self.last < 0.2 and done < self.total:
            return
        self.last = now
        filled = self.WIDTH * done // max(1, self.total)
        errors = tally["error"] + tally["unread"]
        sys.stderr.write(f"\r[{'#' * filled}{'.' * (self.WIDTH - filled)}] {done:,}/{self.total:,} "
                         f"({tally['record']:,} records, {errors:,} errors)\x1b[K")
        sys.stderr.flush()

    def clear(self) -> None:
        if self.enabled and self.last:
            sys.stderr.write("\r\x1b[K")
            sys.stderr.flush()


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="python -m cleaners", description=__doc__.split("\n\n")[0])
    p.add_argument("paths", nargs="+", metavar="PATH", help="HTML file, directory (recursed), or - for stdin")
    p.add_argument("--url", help="the page's URL (for one PATH): resolves links, dates in URLs, the record id")
    p.add_argument("--site-type", choices=SITE_TYPES, help="skip recognition and use this profile")
    p.add_argument("--header", action="append", default=[], metavar="'Name: value'",
                   help="an HTTP response header, e.g. 'Content-Type: text/html; charset=gbk' (repeatable)")
    p.add_argument("--articles-only", action="store_true",
                   help="leave out list and navigation pages: each gives a short 'not_article' line, not a record")
    p.add_argument("--jobs", type=int, default=1, help="clean in N processes (output order is kept)")
    p.add_argument("--timeout", type=float, default=DEFAULT_TIMEOUT, metavar="SECONDS",
                   help=f"time limit per input, reading included (default {DEFAULT_TIMEOUT:g}; 0: none)")
    p.add_argument("--progress", action=argparse.BooleanOptionalAction, default=None,
                   help="a progress bar on stderr (default: when stderr is a terminal)")
    return p
