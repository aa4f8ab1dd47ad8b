"""Main-text extraction: trafilatura on the pruned tree.

Where the page's CMS family marks its article container (profiles), extraction
runs inside that container only, which removes whatever trafilatura would
mistake for content around it; when trafilatura keeps too little of a
container we trust the container's own text.
"""

from __future__ import annotations

from copy import deepcopy

import trafilatura
import trafilatura.external
from lxml import etree

from .errors import NoContentError
from .htmltree import new_element, text_length, visible_text
from .profiles import CONTENT_CLASSES, CONTENT_IDS

# A container is the article only if it holds at least this much text...
MIN_CONTAINER_CHARS = 60
# ...and trafilatura's output from it is trusted if it keeps this share of it.
MIN_KEPT_SHARE = 0.5

ID_RANK = {name: i for i, name in enumerate(CONTENT_IDS)}
CLASS_RANK = {name: len(CONTENT_IDS) + i for i, name in enumerate(CONTENT_CLASSES)}

TRAFILATURA_OPTIONS = dict(include_comments=False, include_tables=True, deduplicate=False,
                           output_format="txt", with_metadata=False)


def find_container(root, content_xpaths=()) -> object | None:
    """The article container: a given XPath first, then the known CMS ids and classes."""
    for xpath in content_xpaths:
        try:
            nodes = root.xpath(xpath)
        except etree.XPathError:  # a user-supplied XPath may be invalid: fall back to the rest
            continue
        best = _largest(n for n in nodes if isinstance(getattr(n, "tag", None), str))
        if best is not None:
            return best
    ranked: dict[int, list] = {}
    for el in root.iter():
        attrib = getattr(el, "attrib", None)
        if not attrib:
            continue
        rank = ID_RANK.get(attrib.get("id", ""))
        if rank is None and "class" in attrib:
            rank = min((CLASS_RANK[c] for c in attrib["class"].split() if c in CLASS_RANK), default=None)
        if rank is not None:
            ranked.setdefault(rank, []).append(el)
    for rank in sorted(ranked):
        best = _largest(ranked[rank])
        if best is not None:
            return best
    return None


def _largest(nodes):
    size, best = max(((text_length(n), n) for n in nodes), key=lambda pair: pair[0], default=(0, None))
    return best if size >= MIN_CONTAINER_CHARS else None


def extract_text(root, url: str, content_xpaths=()) -> tuple[str, str]:
    """Return (text, method). Raises NoContentError when nothing is left."""
    _hash_stoplist_once()
    container = find_container(root, content_xpaths)
    if container is not None:
        own = visible_text(container)
        doc = new_element("html")
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


def extract_bare(root, url: str) -> str | None:
    """trafilatura on the page as it came (no pruning, no container); None when it finds nothing."""
    _hash_stoplist_once()
    text = trafilatura.extract(root, url=url, **TRAFILATURA_OPTIONS)
    return text if text and text.strip() else None


def _detached_copy(el):
    clone = deepcopy(el)
    clone.tail = None
    return clone


def _size(text: str) -> int:
    return len("".join(text.split()))


class _HashedOnce(tuple):
    """A tuple that computes its hash once (the same hash, so it is the same dict key)."""

    def __new__(cls, items):
        self = super().__new__(cls, items)
        self._hash = tuple.__hash__(self)
        return self

    def __hash__(self) -> int:
        return self._hash


def _hash_stoplist_once() -> None:
    """When its extraction is short (a notice, a container of a few lines), trafilatura
    tries justext with the stop words of every language: a tuple of ~150,000 that
    justext's stoplist cache (an lru_cache) hashes again on every call, ~1 ms, more
    than the rest of that rescue. The same words in a tuple that keeps its hash are
    the same stoplist and the same cache entry: only the hashing is saved. (Process
    wide: a bare trafilatura.extract in the same process is spared it too.)
    `JT_STOPLIST` and `jt_stoplist_init` are trafilatura's internals (2.3):
    tests/test_library_internals.py checks them; without them this saves nothing
    and changes nothing."""
    external = trafilatura.external
    if not (hasattr(external, "JT_STOPLIST") and callable(getattr(external, "jt_stoplist_init", None))):
        return
    stoplist = external.JT_STOPLIST
    if not isinstance(stoplist, _HashedOnce):
        external.JT_STOPLIST = _HashedOnce(stoplist or external.jt_stoplist_init())
