"""Where a run's files go: the article feed, the errors file and the summary.

The default feed is `output/<spider>/<time>.jsonl`. `%(time)s` is the run's
start time (fixed once per crawl by `uri_params`), so the errors file
(`<run>.errors.jsonl`) and the summary (`<run>.summary.json`) written beside it
share its stem. With `-O out.jsonl` they go beside that file instead.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlparse

logger = logging.getLogger(__name__)

FALLBACK_FEED = "output/%(name)s/%(time)s.jsonl"


def default_feeds(settings: Any) -> dict[str, dict[str, Any]]:
    """FEEDS for a run where the user named no feed: CRAWLER_OUTPUT as JSONL."""
    uri = settings.get("CRAWLER_OUTPUT")
    if not uri:
        return {}
    return {uri: {"format": "jsonl", "encoding": "utf-8", "overwrite": True}}


def is_durable_feed(settings: Any, options: dict[str, Any] | None) -> bool:
    """Whether a FEEDS entry is written by the crash-safe JSONL exporter (which
    fsyncs each line and commits it in the state store), whatever the format is
    called: `jsonl`, `jsonlines` (Scrapyd's items_dir), `jl`."""
    from scrapy.utils.misc import load_object

    from crawler.state.feed import DurableJsonLinesExporter

    exporter = settings.getwithbase("FEED_EXPORTERS").get((options or {}).get("format"))
    if exporter is None:
        return False
    exporter = load_object(exporter) if isinstance(exporter, str) else exporter
    return isinstance(exporter, type) and issubclass(exporter, DurableJsonLinesExporter)


def uri_params(params: dict[str, Any], spider: Any) -> dict[str, Any]:
    """FEED_URI_PARAMS: `%(time)s` is the run's start, the same for every file of the run."""
    run_time = getattr(spider, "run_time", None)
    if run_time:
        params["time"] = run_time
    params.setdefault("crawl_id", getattr(spider, "crawl_id", ""))
    return params


def _format(uri: str, spider: Any) -> str:
    params = {k: getattr(spider, k, "") for k in ("name", "crawl_id", "run_time")}
    params["time"] = params["run_time"]
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
        return getattr(self.spider, key)


def _local_path(uri: str) -> Path | None:
    if "://" not in uri:
        return Path(uri)
    parsed = urlparse(uri)
    if parsed.scheme == "file":
        return Path(unquote(parsed.path))
    return None


def main_feed_path(settings: Any, spider: Any) -> Path:
    """The local path of the first file feed, formatted for this run."""
    feeds = settings.getdict("FEEDS") or default_feeds(settings)
    for uri in feeds:
        path = _local_path(_format(str(uri), spider))
        if path is not None:
            return path
    return Path(_format(FALLBACK_FEED, spider))


def beside_feed(settings: Any, spider: Any, suffix: str, override_setting: str) -> Path:
    """`<feed stem><suffix>` beside the main feed, unless `override_setting` names a path."""
    override = settings.get(override_setting)
    if override:
        return Path(_format(str(override), spider))
    feed = main_feed_path(settings, spider)
    name = feed.name
    for ext in (".jsonl", ".jl", ".json", ".csv", ".xml", ".parquet"):
        if name.endswith(ext):
            name = name[: -len(ext)]
            break
    return feed.with_name(name + suffix)
