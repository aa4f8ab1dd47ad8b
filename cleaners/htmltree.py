"""Parse decoded HTML into an lxml tree, and read its visible text.

lxml refuses strings with NUL or other C0 control characters and strings that
still carry an XML encoding declaration; real pages have both, so they are
stripped here (the text is already decoded, the declaration is stale).
"""

from __future__ import annotations

import re

import lxml.html
from lxml import etree

from .errors import ParseError

# C0 controls other than \t \n \r, and the noncharacters lxml rejects.
CONTROL_CHARS = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
# The C0 controls among them as bytes: UTF-8 has those bytes only for those characters.
CONTROL_BYTES = bytes(c for c in range(32) if chr(c) not in "\t\n\r")
XML_DECLARATION = re.compile(r"^\s*<\?xml[^>]*\?>", re.I)
# "<style/>": browsers ignore the slash and hide the CSS up to </style>; libxml2
# closes the element and shows the CSS as text.
SELF_CLOSED_STYLE = re.compile(r"<style\b([^>]*?)/\s*>(?=.*?</style)", re.I | re.S)

# Elements that start a new line in a text dump of the page.
BLOCK_TAGS = frozenset("""address article aside blockquote body br center dd details dialog dir div dl dt
fieldset figcaption figure footer form h1 h2 h3 h4 h5 h6 header hgroup hr html li main menu nav ol p pre
section summary table tbody td tfoot th thead tr ul caption""".split())

# The text of a tree, a line break before and after each block element; comments and
# processing instructions have none.
_BLOCKS_ON_LINES = etree.XSLT(etree.XML(f"""\
<xsl:stylesheet version="1.0" xmlns:xsl="http://www.w3.org/1999/XSL/Transform">
  <xsl:output method="text" encoding="UTF-8"/>
  <xsl:template match="{'|'.join(sorted(BLOCK_TAGS))}">
    <xsl:text>&#10;</xsl:text><xsl:apply-templates/><xsl:text>&#10;</xsl:text>
  </xsl:template>
  <xsl:template match="comment()|processing-instruction()"/>
</xsl:stylesheet>"""))

_PARSER = lxml.html.HTMLParser(remove_comments=True, remove_pis=True, collect_ids=False,
                               default_doctype=False)
# lxml.html picks each element's class in Python, once per element that Python
# touches (our passes and trafilatura's, ~5% of cleaning). Every element is an
# HtmlElement here, chosen in C; the form-control subclasses (FormElement,
# InputElement...) are never used: their methods serve form filling.
_PARSER.set_element_class_lookup(etree.ElementDefaultClassLookup(
    element=lxml.html.HtmlElement, comment=lxml.html.HtmlComment,
    pi=lxml.html.HtmlProcessingInstruction, entity=lxml.html.HtmlEntity))


def parse_html(text: str) -> lxml.html.HtmlElement:
    """Return the document's root element; ParseError when nothing parses."""
    if _has_control_chars(text):
        text = CONTROL_CHARS.sub("", text)
    text = XML_DECLARATION.sub("", text, count=1)
    if "/>" in text and SELF_CLOSED_STYLE.search(text):
        text = SELF_CLOSED_STYLE.sub(r"<style\1>", text)
    if not text.strip():
        raise ParseError("empty document")
    try:
        root = lxml.html.document_fromstring(text, parser=_PARSER)
    except (etree.ParserError, ValueError) as exc:
        raise ParseError(f"HTML does not parse: {exc}") from exc
    if root is None:
        raise ParseError("HTML does not parse: no root element")
    return root


def new_element(tag: str) -> lxml.html.HtmlElement:
    """A new element (a document of its own) whose elements are classed as parse_html's
    are, in C: what is built from them (extract's container page) costs trafilatura no
    Python lookup per element, as lxml.html.Element's would."""
    return _PARSER.makeelement(tag)


def _has_control_chars(text: str) -> bool:
    """Whether CONTROL_CHARS has anything to remove: nearly never, so it is asked in C
    (the text's bytes without the C0 controls are as long as with them), at half the
    cost of the regular expression's search of every character."""
    encoded = text.encode("utf-8", "surrogatepass")
    return len(encoded.translate(None, CONTROL_BYTES)) != len(encoded) or "\ufffe" in text or "\uffff" in text


def visible_text(element) -> str:
    """Text of `element` as a reader sees it: block elements on their own lines.

    libxml2 writes the text with a line break before and after each block element
    (a two-template XSLT, in C): a Python walk over a portal page's
    thousands of elements costs more than the rest of the metadata step, and the
    tree is not touched (the extractor is sensitive to whitespace nodes). Call it
    after prune.drop_invisible: script and style text is no longer in the tree then.
    """
    if element.tag == "html":
        body = element.find("body")
        element = body if body is not None else element
    raw = str(_BLOCKS_ON_LINES(element))
    lines = []
    for line in raw.split("\n"):  # most are empty: a block's newline beside its neighbour's
        if line:
            words = line.split()
            if words:
                lines.append(" ".join(words))
    return "\n".join(lines)


def text_length(element) -> int:
    """Number of non-space characters of visible text under `element`."""
    n = 0
    for t in element.itertext():
        n += len(t) - t.count(" ") - t.count("\n") - t.count("\t") - t.count("\r")
    return n
