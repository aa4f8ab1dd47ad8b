"""Where a run's files go: the article feed, the errors file and the summary;
and the guard that keeps two runs from writing one feed.

The default feed is `output/<spider>/<run>.jsonl`, where `%(run)s` is the
run's start time plus a random suffix (`2026-03-12T03-17-00Z-4f9a2c`), fixed
once per crawl: two runs started in the same second never share a file.
`%(time)s` is the start time alone. The errors file (`<run>.errors.jsonl`) and
the summary (`<run>.summary.json`) go beside the first local feed, named after
it (`out.jsonl` -> `out.errors.jsonl`, `out.csv` -> `out.csv.errors.jsonl`, so
two feeds in one folder never share one). A feed to stdout (`-o -`) is not a
local file: the errors and the summary then go where the default feed would.

`FeedGuard` (an extension) runs before any feed is opened:
- every local feed file is locked (flock) for the whole run; a second run
  naming a feed that a live run holds is refused (FeedInUse), since the two
  would overwrite or interleave each other's lines. The kernel drops the lock
  when the process dies, so a killed run never blocks the next one.
- with the state store on, a feed that is to be overwritten (`-O`) and already
  holds lines is refused (FeedWouldErase): those articles are recorded as
  emitted, and erasing their only copy would lose them for good.
"""

from __future__ import annotations

import fcntl
import logging
import os
import secrets
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlparse

logger = logging.getLogger(__name__)

FALLBACK_FEED = "output/%(name)s/%(run)s.jsonl"
# The error records' file beside a feed: `<feed>.errors.jsonl`, never an article feed.
ERRORS_SUFFIX = ".errors.jsonl"


class FeedRefused(RuntimeError):
    """The run is refused before it writes anything: the message says why and what to do."""


class FeedInUse(FeedRefused):
    pass


class FeedWouldErase(FeedRefused):
    pass


def default_feeds(settings: Any) -> dict[str, dict[str, Any]]:
    """FEEDS for a run where the user named no feed: CRAWLER_OUTPUT as JSONL.

    Appended to, never truncated: the name is unique per run, and if a user's
    template makes it repeat, the earlier lines stay."""
    uri = settings.get("CRAWLER_OUTPUT")
    if not uri:
        return {}
    return {uri: {"format": "jsonl", "encoding": "utf-8", "overwrite": False}}


def run_stamp(spider: Any) -> str:
    """`%(run)s`: the run's start time and a random suffix, the same for every file of the run."""
    stamp = getattr(spider, "feed_run_stamp", None)
    if not stamp:
        start = getattr(spider, "run_time", "") or "run"
        stamp = f"{start}-{secrets.token_hex(3)}"
        try:
            spider.feed_run_stamp = stamp
        except AttributeError:  # a spider that takes no attributes: the stamp is not stable
            pass
    return stamp


def is_durable_feed(settings: Any, options: dict[str, Any] | None) -> bool:
    """Whether a FEEDS entry is written by the crash-safe JSONL exporter (which
    fsyncs each line and commits it in the state store), whatever the format is
    called: `jsonl`, `jsonlines` (Scrapyd's items_dir), `jl`."""
    from scrapy.utils.misc import load_object

    from crawler.emit.state.feed import DurableJsonLinesExporter

    exporter = settings.getwithbase("FEED_EXPORTERS").get((options or {}).get("format"))
    if exporter is None:
        return False
    exporter = load_object(exporter) if isinstance(exporter, str) else exporter
    return isinstance(exporter, type) and issubclass(exporter, DurableJsonLinesExporter)


def uri_params(params: dict[str, Any], spider: Any) -> dict[str, Any]:
    """FEED_URI_PARAMS: `%(time)s` is the run's start and `%(run)s` the run's unique stamp,
    the same for every file of the run."""
    run_time = getattr(spider, "run_time", None)
    if run_time:
        params["time"] = run_time
    params["run"] = run_stamp(spider)
    params.setdefault("crawl_id", getattr(spider, "crawl_id", ""))
    return params


def _format(uri: str, spider: Any) -> str:
    params = {k: getattr(spider, k, "") for k in ("name", "crawl_id", "run_time")}
    params["time"] = params["run_time"]
    params["run"] = run_stamp(spider)
    try:
        return uri % _Params(params, spider)
    except (KeyError, ValueError, TypeError):
        logger.warning("cannot format feed URI %r; using it as is", uri)
        return uri


class _Params(dict):
    """Formats %(attr)s from a spider attribute when not one of the known params."""

    def __init__(self, known: dict[str, Any], spider: Any):
        super().__init__(known)
        self.spider = spider

    def __missing__(self, key: str) -> Any:
        try:
            return getattr(self.spider, key)
        except AttributeError:
            raise KeyError(key) from None


def _local_path(uri: str) -> Path | None:
    """The file a feed URI names, or None when it is not a local file (stdout, s3, ...)."""
    if uri in ("-", "stdout:"):
        return None
    parsed = urlparse(uri)
    if parsed.scheme == "file":
        return Path(unquote(parsed.path))
    if parsed.scheme and len(parsed.scheme) > 1:
        return None
    return Path(uri)


def main_feed_path(settings: Any, spider: Any) -> Path:
    """The local path of the first file feed, formatted for this run."""
    feeds = settings.getdict("FEEDS") or default_feeds(settings)
    for uri in feeds:
        path = _local_path(_format(str(uri), spider))
        if path is not None:
            return path
    return Path(_format(settings.get("CRAWLER_OUTPUT") or FALLBACK_FEED, spider))


def beside_feed(settings: Any, spider: Any, suffix: str, override_setting: str) -> Path:
    """`<feed name><suffix>` beside the main feed (`.jsonl` dropped from the name),
    unless `override_setting` names a path."""
    override = settings.get(override_setting)
    if override:
        return Path(_format(str(override), spider))
    feed = main_feed_path(settings, spider)
    name = feed.name[: -len(".jsonl")] if feed.name.endswith(".jsonl") else feed.name
    return feed.with_name(name + suffix)


def local_feeds(settings: Any, spider: Any) -> list[tuple[Path, bool]]:
    """(path, overwrite) of every feed of this run that is a local file."""
    feeds = settings.getdict("FEEDS") or default_feeds(settings)
    out = []
    for uri, opts in feeds.items():
        path = _local_path(_format(str(uri), spider))
        if path is not None and "%(" not in str(path):  # batch names (%(batch_id)d) are made later
            out.append((path, bool((opts or {}).get("overwrite", False))))
    return out


# Feed files this process holds a lock on: absolute path -> file descriptor.
_held: dict[str, int] = {}


def held_by_this_process(path: str | Path) -> bool:
    return os.path.abspath(path) in _held


def hold_feed(path: Path) -> None:
    """Lock `path` for this process (created empty if absent); FeedInUse when another run holds it."""
    key = os.path.abspath(path)
    if key in _held:
        raise FeedInUse(f"feed {path} is named twice in this process: two crawls would write one file")
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(key, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        os.close(fd)
        raise FeedInUse(f"feed {path} is being written by another run: refusing to write it too "
                        "(give this run its own file, or wait for the other to end)") from None
    _held[key] = fd


def release_feed(path: str | Path) -> None:
    fd = _held.pop(os.path.abspath(path), None)
    if fd is not None:
        os.close(fd)  # closing drops the lock


def try_lock(path: str | Path) -> int | None:
    """A locked descriptor of `path` for a short job (repairing a dead run's feed), or None
    when a live run holds it (the file is then that run's business). The caller closes it."""
    try:
        fd = os.open(os.path.abspath(path), os.O_RDWR)
    except FileNotFoundError:
        return None
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        os.close(fd)
        return None
    return fd


class FeedGuard:
    """Locks the run's feed files before anything opens them (see the module's docstring)."""

    def __init__(self, crawler: Any):
        from crawler.emit.state.runtime import state_enabled

        self.paths: list[Path] = []
        spider = getattr(crawler, "spider", None)
        if spider is None:  # a crawler built without a spider (tests): no run, no files
            return
        state_on = state_enabled(crawler.settings)
        try:
            for path, overwrite in local_feeds(crawler.settings, spider):
                existed = path.exists()
                hold_feed(path)
                self.paths.append(path)
                if overwrite and state_on and existed and path.stat().st_size > 0:
                    lines = path.read_bytes().count(b"\n")
                    raise FeedWouldErase(
                        f"feed {path} already holds {lines} line(s) that the state store counts as emitted: "
                        "-O would erase them and they would never be emitted again. Use -o to append, "
                        "or name a new file")
        except FeedRefused as exc:
            self.release()
            logger.critical("run refused: %s", exc)
            raise
        from scrapy import signals  # here: reading feeds (hf_datasets) needs no Scrapy

        crawler.signals.connect(self.release, signal=signals.engine_stopped)

    @classmethod
    def from_crawler(cls, crawler: Any) -> "FeedGuard":
        return cls(crawler)

    def release(self) -> None:
        for path in self.paths:
            release_feed(path)
        self.paths = []
