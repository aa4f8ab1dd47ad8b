"""JSONL feeds, any number of them, as one HuggingFace `datasets` Dataset with
the Parquet feed's columns and types.

    from crawler.emit.hf_datasets import load_feeds
    ds = load_feeds("output/")      # every article feed under output/; or files, globs, a list

Why not `datasets.load_dataset("json", data_files=[...])` (datasets 5.2; its JSON
builder reads each batch with pyarrow's JSON reader, no schema given):
- the types are inferred from the first file alone and every other file is cast
  to them: a field null in every row of the first file (a site with no author,
  a run with no attachments) becomes a `null` column, and the next file's
  strings fail ("Couldn't cast array of type string to null");
- pyarrow reads every ISO 8601 string as a timestamp: `published_at`
  "2021-02-13T00:00:00+08:00" comes back as 2021-02-12 16:00:00, its offset
  gone, even with `features=` or a dataset card's features (both are applied by
  a cast after the read), and even when the string is written with escapes;
- with `features=`, an object whose keys vary (`cleaning`) is read as one
  struct and turned into JSON text with the other records' keys, as nulls.
Writing the records differently cannot avoid the last two without changing
their values, so the feeds are read here: each line a row of the one Arrow
schema the Parquet feed uses (crawler/emit/columns.py), handed to `datasets`,
which caches the rows (memory-mapped Arrow) as it does for `load_dataset`.

Which files: a directory means every JSONL feed under it (`.jsonl`, `.jl`,
`.jsonlines`, recursively), a glob every feed it matches; the error records'
files (`<feed>.errors.jsonl`) and summaries are not article feeds and are left
out. A line is a record only once it ends in a newline: a last line without one
is being written, or was torn by a killed crawl (its next run cuts it), and is
left out with a warning. Any other line that is not a record fails the load,
naming the file and line: a load never drops a record silently.

Needs `datasets` and pyarrow, not Scrapy. `HF_DATASETS_OFFLINE=1` keeps
`datasets` off the hub; nothing here opens a connection.
"""

from __future__ import annotations

import glob
import hashlib
import json
import logging
import os
from pathlib import Path
from typing import Any, Iterable, Iterator, Union

from crawler.emit.columns import arrow_schema, table_row
from crawler.emit.feeds import ERRORS_SUFFIX

logger = logging.getLogger(__name__)

FEED_SUFFIXES = (".jsonl", ".jl", ".jsonlines")
# Part of the cache key: a change to how lines become rows must not reuse old caches.
READER_VERSION = "1"

PathArg = Union[str, os.PathLike]


def features():
    """The `datasets.Features` of the feeds: the Parquet feed's Arrow schema, as `datasets` reads it."""
    import datasets

    return datasets.Features.from_arrow_schema(arrow_schema())


class FeedError(ValueError):
    """A line of a feed that is not a record: the load stops, naming the file and line."""


def _is_feed(path: Path) -> bool:
    return path.name.endswith(FEED_SUFFIXES) and not path.name.endswith(ERRORS_SUFFIX)


def feed_files(paths: PathArg | Iterable[PathArg]) -> list[Path]:
    """The article feeds that `paths` name, in order: each argument's files sorted,
    each file once."""
    if isinstance(paths, (str, os.PathLike)):
        paths = [paths]
    found: dict[Path, None] = {}
    for arg in paths:
        arg = os.fspath(arg)
        if os.path.isdir(arg):
            matches = [p for p in Path(arg).rglob("*") if p.is_file() and _is_feed(p)]
        elif glob.has_magic(arg):
            matches = [Path(p) for p in glob.glob(arg, recursive=True) if os.path.isfile(p) and _is_feed(Path(p))]
        elif os.path.isfile(arg):
            if arg.endswith(ERRORS_SUFFIX):
                raise FeedError(f"{arg} holds error records, not articles (crawl-error.schema.json): "
                                 "read it with json, line by line")
            matches = [Path(arg)]
        else:
            raise FileNotFoundError(f"no feed file or directory {arg}")
        if not matches:
            raise FileNotFoundError(f"no JSONL feed ({', '.join(FEED_SUFFIXES)}) in {arg}")
        for path in sorted(matches):
            found.setdefault(path.resolve(), None)
    return list(found)


def read_records(path: Path) -> Iterator[dict[str, Any]]:
    """The records of one JSONL feed, one per complete line."""
    with open(path, "rb") as fh:
        for number, line in enumerate(fh, 1):
            if not line.endswith(b"\n"):
                logger.warning("%s line %d has no end (%d bytes): a crawl is writing it, or died "
                               "writing it; left out", path, number, len(line))
                return
            if not line.strip():
                continue
            try:
                record = json.loads(line)
            except ValueError as exc:
                raise FeedError(f"{path} line {number} is not JSON: {exc}") from None
            if not isinstance(record, dict) or "id" not in record:
                raise FeedError(f"{path} line {number} is not an article record (no id): "
                                 "an error record? those go to <feed>.errors.jsonl")
            yield record


def _rows(files: list[str]) -> Iterator[dict[str, Any]]:
    columns = set(arrow_schema().names)
    for name in files:
        left_out: dict[str, int] = {}  # field -> records that had it
        for record in read_records(Path(name)):
            for field in record.keys() - columns:
                left_out[field] = left_out.get(field, 0) + 1
            yield table_row(record)
        if left_out:
            # Fields no schema of this version knows (a feed of a newer one): the
            # Parquet feed has no column for them either. Said, not dropped silently.
            logger.warning("%s: fields with no column in the feed's schema, left out of the rows "
                           "(as in the Parquet feed): %s", name,
                           ", ".join(f"{k} ({n} records)" for k, n in sorted(left_out.items())))


def _has_a_record(path: Path) -> bool:
    """Whether `path` has a complete, non-blank line (read up to the first)."""
    with open(path, "rb") as fh:
        for line in fh:
            if not line.endswith(b"\n"):
                return False
            if line.strip():
                return True
    return False


def fingerprint(files: list[Path]) -> str:
    """A cache key that changes when a file changes (size, mtime) or the columns do."""
    key = [READER_VERSION, str(arrow_schema())]
    for path in files:
        st = path.stat()
        key.append([str(path), st.st_size, st.st_mtime_ns])
    return hashlib.sha256(json.dumps(key).encode()).hexdigest()[:32]


def load_feeds(paths: PathArg | Iterable[PathArg], *, streaming: bool = False,
               cache_dir: str | None = None, num_proc: int | None = None):
    """Every record of the feeds `paths` names as one `datasets.Dataset` (an
    `IterableDataset`, read as it is iterated, with `streaming=True`), with the
    columns and types of the Parquet feed."""
    import datasets

    files = feed_files(paths)
    if not streaming and not any(map(_has_a_record, files)):
        # A run with nothing new writes an empty feed; `datasets` cannot build a split of no rows.
        return datasets.Dataset(arrow_schema().empty_table())
    gen_kwargs = {"files": [str(p) for p in files]}
    if streaming:
        return datasets.IterableDataset.from_generator(_rows, features=features(), gen_kwargs=gen_kwargs)
    try:
        return datasets.Dataset.from_generator(_rows, features=features(), gen_kwargs=gen_kwargs,
                                               cache_dir=cache_dir, num_proc=num_proc,
                                               fingerprint=fingerprint(files))
    except datasets.exceptions.DatasetGenerationError as exc:
        if isinstance(exc.__cause__, FeedError):  # what is wrong with the feed, not datasets' wrapper
            raise exc.__cause__ from None
        raise
