"""Main-text extraction: trafilatura on the pruned tree.

Where the page's CMS family marks its article container (profiles), extraction
runs inside that container only, which removes whatever trafilatura would
mistake for content around it; when trafilatura keeps too little of a
container we trust the container's own text.
"""

from __future__ import annotations

import lxml.html
import trafilatura
from lxml import etree

from .errors import NoContentError
from .htmltree import text_length, visible_text

# A container is the article only if it holds at least this much text...
MIN_CONTAINER_CHARS = 60
# ...and trafilatura's output from it is trusted if it keeps this share of it.
MIN_KEPT_SHARE = 0.5

TRAFILATURA_OPTIONS = dict(include_comments=False, include_tables=True, deduplicate=False,
                           output_format="txt", with_metadata=False)


def find_container(root, content_xpaths) -> object | None:
    for xpath in content_xpaths:
        try:
            nodes = root.xpath(xpath)
        except Exception:  # a user-supplied XPath may be invalid: fall back to the whole page
            continue
        best = max((n for n in nodes if isinstance(getattr(n, "tag", None), str)),
                   key=text_length, default=None)
        if best is not None and text_length(best) >= MIN_CONTAINER_CHARS:
            return best
    return None


def extract_text(root, url: str, content_xpaths=()) -> tuple[str, str]:
    """Return (text, method). Raises NoContentError when nothing is left."""
    container = find_container(root, content_xpaths)
    if container is not None:
        own = visible_text(container)
        doc = lxml.html.Element("html")
        body = etree.SubElement(doc, "body")
        body.append(_detached_copy(container))
        text = trafilatura.extract(doc, url=url, **TRAFILATURA_OPTIONS) or ""
        if _size(text) >= MIN_KEPT_SHARE * _size(own):
            return text, "container+trafilatura"
        return own, "container"
    text = trafilatura.extract(root, url=url, **TRAFILATURA_OPTIONS)
    if not text or not text.strip():
        text = trafilatura.extract(root, url=url, favor_recall=True, **TRAFILATURA_OPTIONS)
    if not text or not text.strip():
        raise NoContentError("no main text found")
    return text, "trafilatura"


def _detached_copy(el):
    from copy import deepcopy

    clone = deepcopy(el)
    clone.tail = None
    return clone


def _size(text: str) -> int:
    return len("".join(text.split()))
