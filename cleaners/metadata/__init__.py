"""Step 6 of clean_page: title, publication date, source, author, editor, attachments.

Reads the page tree (never modifies it) and the page's visible text
(block elements on separate lines). Chinese CMSs print their metadata as
labelled text ("发布时间:2/13/2021", "作者:佚名来源:教育部") more often than as
<meta> tags, so the labelled lines come first and the tags are fallbacks.
Never raises: a field that cannot be read is None.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from ..htmltree import visible_text
from ..record import Attachment
from .attachments import attachments
from .bylines import META_SOURCE_NAMES, by_line, labelled_fields, meta_author
from .page import meta_value
from .page import HEAD_CHARS, TAIL_CHARS, Page, base_url, canonical, collect, root_of, site_name_from_meta
from .published import published_at
from .title import choose_title, strip_site_suffix

__all__ = ["Metadata", "extract_metadata", "strip_site_suffix"]


@dataclass
class Metadata:
    title: str | None = None
    published_at: str | None = None  # ISO 8601 with offset
    source: str | None = None
    author: str | None = None
    editor: str | None = None
    attachments: list[Attachment] = field(default_factory=list)
    canonical_url: str | None = None
    site_name: str | None = None




def extract_metadata(tree, page_text: str, url: str, lang: str | None = None) -> Metadata:
    """Metadata of one page; every field None (attachments empty) when the page does not give it."""
    md = Metadata()
    root = root_of(tree)
    page = _guard(collect, root, default=Page()) if root is not None else Page()
    if not page_text and root is not None:
        page_text = _guard(visible_text, root, default="")
    page_text = page_text if isinstance(page_text, str) else ""
    url = url if isinstance(url, str) else ""
    scan = page_text if len(page_text) <= HEAD_CHARS + TAIL_CHARS else (
        page_text[:HEAD_CHARS] + "\n" + page_text[-TAIL_CHARS:])

    md.site_name = _guard(site_name_from_meta, page)
    title, suffix_site = _guard(choose_title, page, scan, md.site_name, default=(None, None))
    md.title = title
    md.site_name = md.site_name or suffix_site
    md.published_at = _guard(published_at, page, scan, url, md.title)
    fields = _guard(labelled_fields, scan, lang, default={})
    md.source = fields.get("source") or _guard(meta_value, page, META_SOURCE_NAMES)
    md.author = fields.get("author") or _guard(meta_author, page, md.site_name)
    if md.author is None and (lang or "en").startswith("en"):
        md.author = _guard(by_line, scan)
    md.editor = fields.get("editor")
    base = _guard(base_url, page, url, default=url) or url
    md.canonical_url = _guard(canonical, page, base)
    md.attachments = _guard(attachments, page, base, default=[])
    return md


def _guard(fn, *args, default=None):
    # One malformed field must not cost the page its other fields.
    try:
        return fn(*args)
    except Exception:  # noqa: BLE001 - metadata is best effort by contract
        return default

