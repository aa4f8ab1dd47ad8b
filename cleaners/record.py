"""The record clean_page returns: one article, cleaned and attributed.

Field names follow docs/ARCHITECTURE.md; the JSON Schema in
cleaners/schema/record.schema.json is the contract every emitted record meets.
The crawler adds its provenance fields (site, spider, crawl_id, fetched_at,
http, ...) on top of `Record.to_dict()`; its schema (crawler/schema/) extends ours.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

CLEANER_VERSION = "1.3.0"  # 1.1: record ids from the one canonical URL (cleaners/urls.py); 1.2: the extraction floor, one article per record, metadata_source, page_kind; 1.3: the date under the headline before structured data, 12-hour clocks, the first of repeated Content-Type headers


@dataclass
class EncodingReport:
    """What was declared where, what the bytes looked like, what was used and why."""

    used: str
    http: str | None = None  # charset label of the Content-Type header, as declared (e.g. gb2312)
    meta: str | None = None  # charset label of <meta charset> / http-equiv, as declared
    bom: str | None = None  # encoding named by a byte-order mark
    detected: str | None = None  # what the detector (or a strict decode check) found
    confidence: float | None = None
    replacement_chars: int = 0  # U+FFFD produced by decoding (bytes that could not be decoded)
    reason: str = ""  # one line: why `used` was chosen

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class Attachment:
    url: str
    title: str

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class Record:
    id: str  # stable: from the canonical URL
    url: str
    canonical_url: str
    site_type: str
    title: str | None
    published_at: str | None  # ISO 8601 with offset, +08:00 when the page gives none
    source: str | None
    author: str | None
    editor: str | None
    lang: str  # "zh", "en", ...
    script: str | None  # "simplified" / "traditional" for Chinese, else None
    text: str
    attachments: list[Attachment]
    encoding: EncodingReport
    cleaning: dict[str, int]  # step -> count of changes; only steps that changed something
    content_sha256: str
    simhash: str  # 64-bit, 16 hex digits
    spam: dict[str, Any]  # {"score": float 0..1, "signals": [str, ...]}
    raw_sha256: str
    cleaner_version: str = CLEANER_VERSION
    # What the page was: "article", "list" or "other" (navigation, landing), by cleaners/page_kind.py,
    # or as the caller said (a spider sends only articles).
    page_kind: str = "article"
    # Where each metadata value came from: {"published_at": "json-ld", "author": "byline", ...}
    metadata_source: dict[str, str] = field(default_factory=dict)
    extra: dict[str, Any] = field(default_factory=dict)  # nothing yet; room for profile-specific fields

    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d.pop("extra")
        d.update(self.extra)
        return d
