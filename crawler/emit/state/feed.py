"""The crash-safe JSONL feed: one line per record, on disk before it counts.

Registered as the exporter for the `jsonl` format and its other names (FEED_EXPORTERS), so every
JSONL feed (the default output/<spider>/<run>.jsonl, `-o`, `-O`) is written
through it. For each record it
1. writes the whole line with one write() and flushes it,
2. fsyncs the file (FEED_FSYNC, default on, when the state store is on), so the
   line survives a crash of the machine too,
3. only then commits the record in the state store (STATE_ENABLED).

A process killed between 1 and 2 may leave a torn last line: the next run cuts
it off (crawler.emit.state.runtime.reconcile) and, as the store never heard of that
record, emits it again. Killed between 2 and 3: the line is whole, and the next
run reads it and records it in the store before crawling, so it is not emitted
twice. Every line of the file therefore parses, and every article is in exactly
one line across the runs.
"""

from __future__ import annotations

import logging
import os
from typing import Any

from scrapy.exporters import JsonLinesItemExporter
from scrapy.utils.python import to_bytes

from crawler.items import ArticleRecord
from crawler.emit.provenance import utc_now_iso
from crawler.emit.state.runtime import state_for

logger = logging.getLogger(__name__)


class DurableJsonLinesExporter(JsonLinesItemExporter):
    def __init__(self, file: Any, crawler: Any = None, **kwargs: Any):
        super().__init__(file, **kwargs)
        self.state = state_for(crawler) if crawler is not None else None
        # fsync is what makes "on disk before the store counts it" true; without a
        # store, a flushed write already survives the process being killed, and
        # an fsync per line would only block the reactor.
        self.fsync = (crawler.settings.getbool("FEED_FSYNC", True) if crawler is not None else True) \
            and self.state is not None
        self.stats = crawler.stats if crawler is not None else None
        self.crawler = crawler
        self._fileno = _fileno(file)
        name = getattr(file, "name", None)
        if self.state is not None:
            if isinstance(name, str) and self._fileno is not None:
                self.state.add_file(name)
            else:
                logger.warning("feed %r is not a local file: a crash may leave the state store "
                               "ahead of it", name)

    @classmethod
    def from_crawler(cls, crawler: Any, file: Any, *args: Any, **kwargs: Any) -> "DurableJsonLinesExporter":
        return cls(file, *args, crawler=crawler, **kwargs)

    def export_item(self, item: Any) -> None:
        guard = getattr(self.crawler, "emit_once", None)  # distributed crawls: one worker per article
        if guard is not None and not guard.claim(item):
            return
        itemdict = dict(self.get_serialized_fields(item))
        line = self.encoder.encode(itemdict) + "\n"
        self.file.write(to_bytes(line, self.encoding))  # one write of the whole line
        self.file.flush()
        if self.fsync and self._fileno is not None:
            os.fsync(self._fileno)
        if self.state is not None and isinstance(item, ArticleRecord) and item.get("content_sha256"):
            self.state.store.commit(dict(item), utc_now_iso())
            item.committed = True
            if self.stats is not None:
                self.stats.inc_value("state/committed")


def _fileno(file: Any) -> int | None:
    try:
        return file.fileno()
    except (AttributeError, OSError, ValueError):
        return None
