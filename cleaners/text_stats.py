"""A page's text statistics, in one bottom-up walk of its tree.

Two steps read them, and on a page of thousands of elements the walk is the
dear part, so clean_page makes it once, after the metadata step, on the tree
that page kind and then prune read (neither changes the tree before prune does):
- prune (cleaners/prune.py) judges a removal by the text it takes: for each
  element of the body, its text, its link text and its number of links, all
  of it counted, hidden or not;
- page kind (cleaners/page_kind.py) reads the page's main block: the non-link
  text of the largest block whose links are few, an article's body, counted as
  a reader sees the page (nothing under nav, header, footer, script, ... nor
  under an element hidden by its `hidden` attribute or its style).

Each element's numbers are summed from its children's when the walk reaches
it (children first): linear in the size of the page however deep its markup
is nested.
"""

from __future__ import annotations

import re
from operator import itemgetter
from typing import NamedTuple

from lxml import etree

# The main block: the elements that may be one, how few its links are, and the
# containers that are never the article body (footers, friend links, hidden spam).
MAIN_BLOCK_TAGS = frozenset(("div", "td", "article", "section", "main", "p"))
MAX_BLOCK_LINK_DENSITY = 0.3
NOT_BODY = re.compile(r"foot|copyright|bottom|yqlj|friend|links|sidebar|hidden", re.I)
# Containers whose text a reader never sees as the page's content.
UNSEEN_TAGS = frozenset(("script", "style", "noscript", "nav", "footer", "header", "select", "option"))
HIDDEN_STYLE = re.compile(r"display\s*:\s*none|visibility\s*:\s*hidden", re.I)

# Characters are counted without whitespace, in two ways the records depend on:
# the main block without any (str.split's), prune's without the spaces
# " \n\t\r", no-break and ideographic; these are the whitespace characters
# prune counts as text (em and en spaces, control characters from character
# references). A text without them counts the same both ways: one split.
PRUNE_COUNTED_SPACES = re.compile("[\x0b\x0c\x1c-\x1f\x85\u1680\u2000-\u200a\u2028\u2029\u202f\u205f]")
# Most texts between tags are only these (the markup's indentation): nothing to count.
LAYOUT_SPACES = " \n\t\r"
# Elements with a style or a hidden attribute (reached through the attributes: a third
# cheaper in libxml2 than a test of every element's).
_WITH_STYLE_OR_HIDDEN = etree.XPath("descendant-or-self::*/@style/.. | descendant-or-self::*/@hidden/..")


class TextStats(NamedTuple):
    elements: dict  # element of the body -> (text chars, link text chars, links); prune's
    main_block_chars: int | None  # page kind's main block; None when not asked for


def text_stats(root, body: bool = True, main_block: bool = True) -> TextStats:
    """The statistics of the page `root` (an lxml tree): with `body`, each element's
    of its body (of `root` when it has none); with `main_block`, the main block's size."""
    top = root.find("body")
    if top is None:
        top = root
    walked = root if main_block else top
    hidden = _hidden_elements(walked) if main_block else frozenset()
    elements: dict = {}
    blocks: dict = {}  # element -> (non-link chars, link chars) as a reader sees them
    stat_of, block_of, none, zero = elements.get, blocks.get, (0, 0, 0), (0, 0)  # locals: run per element
    spaces_counted, count_spaces = PRUNE_COUNTED_SPACES.search, PRUNE_COUNTED_SPACES.findall
    candidates = []  # (chars, element) of the blocks with few links
    last = top  # the body's last node in document order: where the reversed walk enters it
    while len(last):
        last = last[-1]
    in_body = False
    for el in reversed(list(walked.iter())):  # reversed pre-order: children before parents
        if el is last:
            in_body = body
        tag = el.tag
        if not isinstance(tag, str):
            continue
        own = el.text
        if own and own.strip(LAYOUT_SPACES):
            seen = len("".join(own.split()))
            chars = seen + len(count_spaces(own)) if spaces_counted(own) else seen
        else:
            seen = chars = 0
        text = linked = links = block_text = block_links = 0
        for child in el:
            ct, cl, cn = stat_of(child, none)
            text += ct
            linked += cl
            links += cn
            bt, bl = block_of(child, zero)
            block_text += bt
            block_links += bl
            tail = child.tail  # the tail is the parent's text
            if tail and tail.strip(LAYOUT_SPACES):
                n = len("".join(tail.split()))
                seen += n
                chars += n + len(count_spaces(tail)) if spaces_counted(tail) else n
        if in_body:
            text += chars
            if tag == "a":
                linked, links = text, links + 1
            elements[el] = (text, linked, links)
            if el is top:
                in_body = False
        if main_block and tag not in UNSEEN_TAGS and el not in hidden:
            if tag == "a":
                block_text, block_links = 0, block_links + block_text + seen
            else:
                block_text += seen
            blocks[el] = (block_text, block_links)
            if (tag in MAIN_BLOCK_TAGS and block_text
                    and block_links <= MAX_BLOCK_LINK_DENSITY * (block_text + block_links)):
                candidates.append((block_text, el))
    if not main_block:
        return TextStats(elements, None)
    # The largest block that is seen: not inside a hidden or unseen container (the
    # walk summed those, but gave their sums to no parent), not named a footer.
    candidates.sort(key=itemgetter(0), reverse=True)
    for chars, el in candidates:
        if not NOT_BODY.search(f"{el.get('class') or ''} {el.get('id') or ''}") and _seen(el, walked, hidden):
            return TextStats(elements, chars)
    return TextStats(elements, 0)


def _hidden_elements(root) -> set:
    """Elements hidden by their own attribute or style (libxml2 finds those that have one)."""
    return {el for el in _WITH_STYLE_OR_HIDDEN(root)
            if el.get("hidden") is not None or HIDDEN_STYLE.search(el.get("style") or "")}


def _seen(el, root, hidden) -> bool:
    """Whether no element from `el` up to `root` is unseen or hidden."""
    while el is not None:
        if el.tag in UNSEEN_TAGS or el in hidden:
            return False
        if el is root:
            return True
        el = el.getparent()
    return True
