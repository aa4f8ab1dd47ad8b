"""One walk of the tree gives prune its per-element counts and page kind its main
block (cleaners/text_stats.py). Each is checked against a plain reference: the
straightforward definition, walked apart, on every saved page and on pages made
to catch the cases (hidden containers, unseen tags, spaces counted one way and
not the other, comments, no body)."""

from __future__ import annotations

import sys
from pathlib import Path

import lxml.html
import pytest
import trafilatura.external
from justext.core import define_stoplist
from lxml import etree
from parsel import Selector

import cleaners.page_cleaning
from cleaners import clean_page, page_kind
from cleaners.extract import _HashedOnce, extract_text
from cleaners.htmltree import CONTROL_CHARS, parse_html, visible_text
from cleaners.prune import _text_stats, drop_invisible
from cleaners.text_stats import (HIDDEN_STYLE, MAIN_BLOCK_TAGS, MAX_BLOCK_LINK_DENSITY, NOT_BODY,
                                 PRUNE_COUNTED_SPACES, UNSEEN_TAGS, text_stats)

from .fixture_pages import ROOT

PAGES = sorted((ROOT / "fixtures").glob("**/*.html"))


# --- the references: the definitions, walked the plain way -------------------------------


def prune_count(s: str | None) -> int:
    """Prune's characters: all but spaces, tabs, line breaks, no-break and ideographic spaces."""
    return sum(c not in " \n\t\r\xa0\u3000" for c in s or "")


def seen_count(s: str | None) -> int:
    """Page kind's characters: all but whitespace."""
    return sum(not c.isspace() for c in s or "")


def reference_prune_stats(body) -> dict:
    stats = {}

    def walk(el):
        text = prune_count(el.text)
        linked = links = 0
        for child in el:
            if isinstance(child.tag, str):
                ct, cl, cn = walk(child)
                text, linked, links = text + ct, linked + cl, links + cn
            text += prune_count(child.tail)
        if el.tag == "a":
            linked, links = text, links + 1
        stats[el] = (text, linked, links)
        return stats[el]

    walk(body)
    return stats


def reference_main_block(root) -> int:
    """The non-link text of the largest block with few links, outside unseen and hidden elements."""
    def hidden(el) -> bool:
        return (el.tag in UNSEEN_TAGS or el.get("hidden") is not None
                or bool(HIDDEN_STYLE.search(el.get("style") or "")))

    best = 0

    def walk(el) -> tuple[int, int]:  # (non-link chars, link chars) as a reader sees them
        nonlocal best
        text = links = 0
        own = seen_count(el.text)
        for child in el:
            if isinstance(child.tag, str) and not hidden(child):
                ct, cl = walk(child)
                text, links = text + ct, links + cl
            own += seen_count(child.tail)
        if el.tag == "a":
            text, links = 0, links + text + own
        else:
            text += own
        if (el.tag in MAIN_BLOCK_TAGS and text > best and links <= MAX_BLOCK_LINK_DENSITY * (text + links)
                and not NOT_BODY.search(f"{el.get('class') or ''} {el.get('id') or ''}")):
            best = text
        return text, links

    if not hidden(root):
        walk(root)
    return best


def body_of(root):
    body = root.find("body")
    return root if body is None else body


def trees(html: str | bytes):
    """The tree as clean_page has it (no comments, scripts, hidden inputs), as the crawler's
    classifier has it (parsel: everything), and lxml.html's own."""
    text = html.decode("utf-8", "replace") if isinstance(html, bytes) else html
    cleaned = parse_html(text)
    drop_invisible(cleaned)
    out = [cleaned, Selector(text=text).root]
    try:
        out.append(lxml.html.document_fromstring(text))
    except (etree.ParserError, ValueError):
        pass
    return [t for t in out if isinstance(getattr(t, "tag", None), str)]


MADE = [
    # the largest block sits in a hidden container: the next one is the main block
    "<body><div style='display: none'><div>" + "隐藏的正文内容" * 40 + "</div></div><div><p>" + "看得见的正文" * 20
    + "</p></div></body>",
    # a hidden element's text is not its visible parent's
    "<body><div><p>" + "看得见" * 40 + "</p><span style='display:none'>" + "藏起来" * 100 + "</span>"
    "<span hidden>" + "藏" * 90 + "</span><nav>" + "导航" * 90 + "</nav></div></body>",
    "<html hidden><body><div><p>" + "全部隐藏" * 30 + "</p></div></body></html>",
    "<body><div style='VISIBILITY:hidden'><p>" + "x" * 200 + "</p></div><nav><div>" + "导航" * 60 + "</div></nav>"
    "<section><p>" + "段落" * 50 + "</p></section></body>",
    # spaces that one count takes for text and the other does not, as characters and as references
    "<body><div><p>\u2003\u2003正文\u2002内容\u3000\xa0" + "字" * 90 + "</p><p>&emsp;&ensp;&#12;a&#x1c;b&#8239;</p>"
    "</div></body>",
    "<body><div>  \n\t <p>\u205f\u1680 \u2028\u2029\x85</p>\n</div></body>",
    # links, a footer-named block, a select, comments between texts
    "<body><div class='footer'>" + "版权" * 60 + "</div><div id='main'><a href='/1'>" + "链接" * 30 + "</a>"
    + "文字" * 80 + "<!-- c -->尾巴<select><option>" + "选项" * 40 + "</option></select></div></body>",
    # no body at all, text after the body
    "<html><head><title>t</title></head><frameset><frame src='a'></frameset></html>",
    "<html><body><div>" + "内容" * 50 + "</div></body></html>after the end",
]


@pytest.mark.parametrize("path", PAGES, ids=lambda p: str(p.relative_to(ROOT)))
def test_one_walk_counts_as_the_references_on_every_saved_page(path: Path):
    for root in trees(path.read_bytes()):
        stats = text_stats(root)
        assert stats.elements == reference_prune_stats(body_of(root)) == _text_stats(body_of(root))
        assert stats.main_block_chars == reference_main_block(root) == page_kind.main_block_chars(root)


@pytest.mark.parametrize("html", MADE)
def test_one_walk_counts_as_the_references_on_made_pages(html: str):
    for root in trees(html):
        stats = text_stats(root)
        assert stats.elements == reference_prune_stats(body_of(root))
        assert stats.main_block_chars == reference_main_block(root)
        assert text_stats(root, main_block=False) == (stats.elements, None)
        assert text_stats(root, body=False) == ({}, stats.main_block_chars)


def test_the_two_counts_differ_where_they_should():
    root = parse_html("<body><div><p>\u2003\u2003正文 字</p></div></body>")
    p = root.find(".//p")
    stats = text_stats(root)
    assert stats.elements[p] == (5, 0, 0)  # em spaces are text to prune
    assert stats.main_block_chars == 3  # not to a reader


def test_hidden_text_is_no_part_of_the_main_block():
    assert text_stats(parse_html(MADE[0])).main_block_chars == len("看得见的正文" * 20)
    assert text_stats(parse_html(MADE[1])).main_block_chars == len("看得见" * 40)


def test_the_spaces_prune_counts_are_the_whitespace_split_leaves_out():
    whitespace = {chr(c) for c in range(sys.maxunicode + 1) if chr(c).isspace()}
    counted = {c for c in whitespace if PRUNE_COUNTED_SPACES.fullmatch(c)}
    assert counted == whitespace - set(" \n\t\r\xa0\u3000")
    assert not any(PRUNE_COUNTED_SPACES.fullmatch(chr(c)) for c in range(sys.maxunicode + 1)
                   if not chr(c).isspace())


def test_clean_page_walks_the_tree_once(monkeypatch):
    # prune and page kind read one walk: the page kind step asks for no other
    calls = []

    def counting(*args, **kwargs):
        calls.append(args)
        return text_stats(*args, **kwargs)

    def refused(*args, **kwargs):
        raise AssertionError("page kind walked the tree again")

    monkeypatch.setattr(cleaners.page_cleaning, "text_stats", counting)
    monkeypatch.setattr(page_kind, "text_stats", refused)
    for html in MADE[:3]:
        record = clean_page(f"<html>{html}</html>".encode(), "http://www.example.edu.cn/a/t20240312_1.html")
        assert record.page_kind in page_kind.KINDS
    assert len(calls) == 3


# --- the other cuts of the same change: exact, and shown so here ---------------------------


@pytest.mark.parametrize("char", [chr(c) for c in range(32) if chr(c) not in "\t\n\r"] + ["\ufffe", "\uffff"])
def test_every_control_character_is_removed_before_parsing(char: str):
    text = f"<html><body><p>a{char}b\u4e2d\U0001f600</p></body></html>"
    assert CONTROL_CHARS.search(text)
    assert parse_html(text).find(".//p").text == "ab\u4e2d\U0001f600"


def test_visible_text_lines_are_the_texts_lines_with_their_spaces_collapsed():
    # (libxml2 reads a carriage return as a line break; U+2028 is a space, not a line)
    root = parse_html("<body><div> a \u2003 b\r c </div>\n\n<p>\u2028</p><p> d<br>e\u3000 </p> f</body>")
    assert visible_text(root) == "a b\nc\nd\ne\nf"


def test_the_justext_stoplist_is_hashed_once_and_is_the_same_stoplist():
    container = ("<html><body><div class='TRS_Editor'><p>" + "一则简短的通知，请各单位注意。" * 4
                 + "</p></div></body></html>")
    plain = tuple(trafilatura.external.JT_STOPLIST or trafilatura.external.jt_stoplist_init())
    trafilatura.external.JT_STOPLIST = plain
    text, method = extract_text(parse_html(container), "http://a.gov.cn/1.html")
    stoplist = trafilatura.external.JT_STOPLIST
    assert isinstance(stoplist, _HashedOnce) and stoplist == plain and hash(stoplist) == hash(plain)
    assert define_stoplist(stoplist) is define_stoplist(plain)  # one cache entry: the same stop words
    assert method == "container+trafilatura" and text.startswith("一则简短的通知")
