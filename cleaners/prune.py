"""Drop what is never content before extraction runs.

Two kinds of removal:
- always right: scripts, styles and the like (their text is never shown);
- judged: hidden blocks (display:none spam), sidebars introduced by a heading
  (栏目热点, 今日导读, ...), lists of links (menus, related news, rankings),
  breadcrumbs, and the profile's XPaths. Judged removals are collected first
  and applied only if together they leave most of the page's prose (text that
  is not link text) in place: a page that hides its article until a script
  reveals it keeps its text (the safety net of trafilatura's prune step).
"""

from __future__ import annotations

import re
from typing import NamedTuple

from .htmltree import text_length
from .profiles import BREADCRUMB_PATTERN, SIDEBAR_HEADING_PATTERN, SIDEBAR_HEADINGS, Profile
from .text_stats import text_stats

ALWAYS_DROP_TAGS = ("script", "style", "noscript", "template", "iframe", "object", "embed",
                    "svg", "canvas", "button", "select", "textarea", "input")
# Tags that never hold content but, left unclosed, swallow the page in lxml's tree.
# (<noscript> and <template> are not among them: what they hold is an alternative
# to the page, never shown beside it.)
SWALLOWING_TAGS = frozenset(("iframe", "object", "embed", "svg", "canvas", "button", "select", "textarea"))
SWALLOWED_BLOCK_TAGS = frozenset("p div article section main h1 h2 h3 h4 h5 h6 ul ol li table blockquote".split())
# ...when they hold this much text and this share of the page's.
SWALLOWED_MIN_CHARS = 200
SWALLOWED_MIN_SHARE = 0.2
STRUCTURED_DATA_TYPE = "application/ld+json"
# Hidden by an attribute, an inline style, or the class that frameworks give
# text meant for screen readers only (never on screen: "Skip to content",
# "This is an image gallery carousel...").
SCREEN_READER_CLASSES = ("sr-only", "visually-hidden", "visuallyhidden", "screen-reader-text", "screen-reader-only")
HIDDEN_STYLES = ("display:none", "visibility:hidden")
# Words in the id or class of an element that may hold a comment thread (checked by COMMENT_THREAD_NAME).
COMMENT_NAME_WORDS = ("omment", "eview", "pinglun", "disqus", "respond")
# The two substring tests above as one regex each: one C call per element.
COMMENT_NAME_WORD_RE = re.compile("|".join(map(re.escape, COMMENT_NAME_WORDS)))
SCREEN_READER_CLASS_RE = re.compile("|".join(map(re.escape, SCREEN_READER_CLASSES)))
# Judged removals must leave at least this share of the page's prose, and
# none may hold more than MAX_BLOCK_PROSE of it;
# hidden blocks may hold at most this share of it.
MIN_PROSE_KEPT = 0.3
MAX_BLOCK_PROSE = 0.25
MAX_HIDDEN_SHARE = 0.5
THREAD_MAX_PROSE = 0.6
# A sidebar container holds at most this share of the page's text and is mostly links.
SIDEBAR_MAX_SHARE = 0.35
SIDEBAR_MIN_LINK_DENSITY = 0.5
BREADCRUMB_MAX_CHARS = 120
# A link list: at least this many links, this share of its text in links, and
# no more text per link than a headline with its date.
LINK_LIST_TAGS = frozenset("ul ol dl menu nav table tbody tr td div p span".split())
LINK_LIST_MIN_LINKS = 3
LINK_LIST_MIN_DENSITY = 0.55
LINK_LIST_MAX_CHARS_PER_LINK = 45
HEADING_MAX_CHARS = 16
# What SIDEBAR_HEADING_PATTERN allows before the heading, and how a heading can start (any case).
HEADING_LEAD = "·•-|【[〖"
HEADING_FIRST_CHARS = frozenset(heading[0].lower() for heading in SIDEBAR_HEADINGS)
# Containers of reader comments and reviews: `comments`, `comment-list`, `commentlist`,
# `post_comment_area`, `comment_box`, `pdp-reviews_container__2v_ZS`, `disqus_thread`,
# an element named `comment`. Not `reviews_content_wrapper` or `testimonials-comments`:
# an editor's reviews in a buying guide, the quotes a product page chose, are the page.
THREAD_SUFFIXES = ("area|list|wrap|wrapper|box|container|section|sections|thread|threads|root|block|module|panel|"
                   "form|respond|mod")
COMMENT_THREAD_NAME = re.compile(
    rf"^(?:comment|reviews|(?:[a-z0-9]+[-_])*(?:comments|commentlist|pinglun|disqus|respond)"
    rf"|(?:[a-z0-9]+[-_])*(?:comment|comments|reviews|pinglun)[-_](?:{THREAD_SUFFIXES}))(?:__[a-z0-9_]+)?$")
NEVER_A_THREAD = frozenset(("html", "body", "main", "article"))
BLOCK_CONTAINERS = frozenset("div table tbody tr td ul ol dl section aside nav p span li dd".split())
WS = re.compile(r"\s+")


def drop_invisible(root) -> int:
    """Remove elements whose text is never shown; keep their tails.

    A form control or embed that holds a large part of the page's text is not
    one: the page never closed it (`<button>` in a header), and lxml nested the
    rest of the page inside it. It is unwrapped, so its content stays.
    Structured data (JSON-LD) moves to <head>: never text, but the extractor
    reads it (a forum thread's posts are content).
    """
    n = 0
    controls = []
    for el in list(root.iter(*ALWAYS_DROP_TAGS)):
        if el.tag in SWALLOWING_TAGS:
            controls.append(el)
        elif not (el.tag == "script" and (el.get("type") or "").strip().lower() == STRUCTURED_DATA_TYPE
                  and _move_to_head(root, el)):
            _remove_keep_tail(el)
            n += 1
    total = None  # the page's text, counted only when a control holds much of it
    for el in controls:
        if len(el):
            size = text_length(el)
            if size >= SWALLOWED_MIN_CHARS:
                if total is None:
                    body = root.find("body")
                    total = text_length(body if body is not None else root)
                if size >= SWALLOWED_MIN_SHARE * total and _holds_blocks(el):
                    el.drop_tag()
                    continue
        _remove_keep_tail(el)
        n += 1
    return n


def _holds_blocks(el) -> bool:
    """Blocks of text a control never has: content it swallowed."""
    return any(isinstance(d.tag, str) and d.tag in SWALLOWED_BLOCK_TAGS for d in el.iterdescendants())


def _move_to_head(root, el) -> bool:
    head = root.find("head")
    if head is None:
        return False
    if el.getparent() is not head:
        _remove_keep_tail(el)
        el.tail = None
        head.append(el)
    return True


class Pruned(NamedTuple):
    counts: dict[str, int]  # `cleaning` key -> blocks removed
    hidden_text: str  # the text of the hidden blocks removed (spam signals)
    page_prose: int  # characters of visible text outside links on the page, before judged removals


def prune_tree(root, profile: Profile, stats: dict | None = None) -> Pruned:
    """Prune `root` in place. `stats`: the body's text statistics, when the caller
    has them (`text_stats(root).elements`, of this tree as it is now)."""
    body = root.find("body")
    if body is None:
        body = root
    counts: dict[str, int] = {}
    if stats is None:
        stats = _text_stats(body)
    total, linked, _ = stats.get(body, (0, 0, 0))
    prose = max(total - linked, 1)

    hidden, thread_candidates = _marked(body)
    hidden = _outermost(hidden)
    hidden_prose = sum(_prose(stats, el) for el in hidden)
    hidden_text = ""
    if hidden and hidden_prose <= MAX_HIDDEN_SHARE * prose:
        hidden_text = "\n".join(" ".join(el.itertext()) for el in hidden)
        for el in hidden:
            _remove_keep_tail(el)
        counts["hidden_blocks"] = len(hidden)
        prose = max(prose - hidden_prose, 1)
        hidden_ids = {id(el) for el in hidden}
    else:
        hidden_ids = set()
    page_prose = prose

    judged = _outermost(_sidebars(stats, total) + _breadcrumbs(stats) + _link_lists(stats, total)
                        + _profile_nodes(root, profile))
    # A block holding much of the page's prose may be the article itself: keep it.
    judged = [el for el in judged if not _inside(el, hidden_ids) and _prose(stats, el) <= MAX_BLOCK_PROSE * prose]
    if judged and sum(_prose(stats, el) for el in judged) <= (1 - MIN_PROSE_KEPT) * prose:
        for el in judged:
            _remove_keep_tail(el)
        counts["pruned_blocks"] = len(judged)
        prose = max(prose - sum(_prose(stats, el) for el in judged), 1)
        hidden_ids |= {id(el) for el in judged}

    # Comment threads are judged apart, after the rest: a review tab can hold
    # much of a product page, a forum thread nearly all of its page.
    threads = [el for el in _outermost(_comment_threads(thread_candidates))
               if not _inside(el, hidden_ids) and _prose(stats, el) <= THREAD_MAX_PROSE * prose]
    if threads and sum(_prose(stats, el) for el in threads) <= (1 - MIN_PROSE_KEPT) * prose:
        for el in threads:
            _remove_keep_tail(el)
        counts["comment_blocks"] = len(threads)
    return Pruned(counts, hidden_text, page_prose)


def _text_stats(body) -> dict:
    """element -> (text length, link text length, number of links) (cleaners/text_stats.py)."""
    return text_stats(body, main_block=False).elements


def _prose(stats, el) -> int:
    text, linked, _ = stats.get(el, (0, 0, 0))
    return text - linked


def _link_lists(stats, total: int) -> list:
    """Blocks that are lists of links: menus, related-news and ranking lists.

    A list-like block with several links whose text is mostly link text is
    navigation wherever it stands, inside the article container or beside it.
    """
    return [el for el, (text, linked, links) in stats.items()
            if el.tag in LINK_LIST_TAGS and links >= LINK_LIST_MIN_LINKS and 0 < text <= SIDEBAR_MAX_SHARE * total
            and linked >= LINK_LIST_MIN_DENSITY * text and text <= LINK_LIST_MAX_CHARS_PER_LINK * links]


def _sidebars(stats, total: int) -> list:
    found = []
    for el, (size, _, _) in stats.items():
        if not 0 < size <= 40:  # its whole text, read first: a heading is short, and has some
            continue
        own = (el.text or "").strip()
        if not own or len(own) > HEADING_MAX_CHARS:
            continue
        # The element's text starts with its own: a heading can only start with one of
        # the headings' first characters (text_content() costs more than the rest).
        first = WS.sub("", own).lstrip(HEADING_LEAD)[:1]
        if first and first.lower() not in HEADING_FIRST_CHARS:
            continue
        if not SIDEBAR_HEADING_PATTERN.match(WS.sub("", el.text_content())):
            continue
        container = _sidebar_container(el, stats, total)
        if container is not None:
            found.append(container)
    return found


def _sidebar_container(heading, stats, total: int):
    """The largest ancestor of a sidebar heading that is small and mostly links."""
    best = None
    node = heading
    while True:
        parent = node.getparent()
        if parent is None or parent.tag in ("body", "html"):
            break
        size, linked, _ = stats.get(parent, (0, 0, 0))
        if size > SIDEBAR_MAX_SHARE * total:
            break
        if parent.tag in BLOCK_CONTAINERS and size and linked >= SIDEBAR_MIN_LINK_DENSITY * size:
            best = parent
        node = parent
    return best


def _marked(body) -> tuple[list, list]:
    """(hidden elements, elements whose names may be a comment thread's), in one pass.

    A plain walk over the attributes: an XPath with these tests costs several
    times more on pages of thousands of elements.
    """
    hidden, threads = [], []
    for el in body.iterdescendants():
        attrib = el.attrib if isinstance(el.tag, str) else None
        if not attrib:
            continue
        style = attrib.get("style")
        cls = attrib.get("class") or ""
        if "hidden" in attrib or (style and any(h in style.lower().replace(" ", "") for h in HIDDEN_STYLES)) \
                or (cls and SCREEN_READER_CLASS_RE.search(cls)):
            hidden.append(el)
        names = f"{attrib.get('id') or ''} {cls}"
        if len(names) > 1 and COMMENT_NAME_WORD_RE.search(names):
            threads.append(el)
    return hidden, threads


def _comment_threads(candidates) -> list:
    """Reader comments and reviews, by the names templates give their containers.

    Judged like every other removal: a thread that holds much of the page's
    prose is the page (a forum thread), and stays.
    """
    found = []
    for el in candidates:
        if el.tag in NEVER_A_THREAD:
            continue
        names = f"{el.get('id') or ''} {el.get('class') or ''}".lower().split()
        if any(COMMENT_THREAD_NAME.match(token) and "testimonial" not in token for token in names):
            found.append(el)
    return found


def _breadcrumbs(stats) -> list:
    found = []
    for el, (size, _, _) in stats.items():
        # What is removed is the element or an ancestor, never shorter than it: an element
        # longer than BREADCRUMB_MAX_CHARS starts no breadcrumb.
        if not 0 < size <= BREADCRUMB_MAX_CHARS or not (el.text and BREADCRUMB_PATTERN.match(el.text)):
            continue
        node = el
        while True:
            parent = node.getparent()
            if parent is None or parent.tag in ("body", "html") or stats.get(parent, (0,))[0] > BREADCRUMB_MAX_CHARS:
                break
            node = parent
        if stats.get(node, (0,))[0] <= BREADCRUMB_MAX_CHARS:
            found.append(node)
    return found


def _inside(el, ids: set) -> bool:
    while el is not None:
        if id(el) in ids:
            return True
        el = el.getparent()
    return False


def _profile_nodes(root, profile: Profile) -> list:
    nodes = []
    for xpath in profile.prune_xpaths:
        nodes.extend(root.xpath(xpath))
    return nodes


def _outermost(elements) -> list:
    """Keep each element once, and drop those nested inside another one of the list."""
    chosen = {id(el): el for el in elements}
    out = []
    for el in chosen.values():
        anc = el.getparent()
        nested = False
        while anc is not None:
            if id(anc) in chosen:
                nested = True
                break
            anc = anc.getparent()
        if not nested:
            out.append(el)
    return out


def _remove_keep_tail(el) -> None:
    parent = el.getparent()
    if parent is None:
        return
    if el.tail:
        prev = el.getprevious()
        if prev is not None:
            prev.tail = (prev.tail or "") + el.tail
        else:
            parent.text = (parent.text or "") + el.tail
    parent.remove(el)


# A table is layout (not data) if a cell holds blocks, a nested table or a paragraph's worth of text.
LAYOUT_CELL_BLOCKS = frozenset("table div p ul ol dl h1 h2 h3 h4 h5 h6 form iframe center blockquote".split())
LAYOUT_CELL_CHARS = 150
TABLE_PARTS = frozenset("tbody thead tfoot tr td th caption".split())


def unwrap_layout_tables(root) -> int:
    """Turn layout tables into divs, so extraction sees paragraphs, not a grid.

    Old portals lay the whole page out in nested tables; trafilatura would render
    the article as table rows. Data tables (short cells, no blocks) stay tables.
    """
    n = 0
    for table in list(root.iter("table")):
        if _is_layout_table(table):
            _retag_table(table)
            n += 1
    return n


def _is_layout_table(table) -> bool:
    for cell in _own_parts(table, ("td", "th")):
        for child in cell.iter():
            if child is not cell and child.tag in LAYOUT_CELL_BLOCKS:
                return True
        if text_length(cell) > LAYOUT_CELL_CHARS:
            return True
    return False


def _own_parts(table, tags):
    """Rows and cells of this table, not of tables nested in it."""
    stack = list(table)
    while stack:
        el = stack.pop()
        if el.tag == "table":
            continue
        if el.tag in tags:
            yield el
        if el.tag in TABLE_PARTS:
            stack.extend(el)


def _retag_table(table) -> None:
    for part in list(_own_parts(table, TABLE_PARTS)):
        part.tag = "div"
        for attr in ("colspan", "rowspan"):
            part.attrib.pop(attr, None)
    table.tag = "div"
