"""Line cleaning for the text of documents: what a printed page adds that is not the text.

Documents have no navigation or sidebars, so none of the HTML boilerplate rules
apply; what they have is the printed page: page numbers ("- 3 -", "第3页 共8页",
"3/8"), a running header or footer repeated on every page, lines broken where
the page was too narrow, and the whitespace of typesetting (full-width indents,
NBSP). Pages arrive as a list of page texts (one item for formats without pages).
"""

from __future__ import annotations

import re
from collections import Counter

from ..whitespace import normalise_whitespace

PAGE_NUMBER_RE = re.compile(
    r"^(?:[-－—–~〜]\s*\d{1,4}\s*[-－—–~〜]"  # - 3 -   — 3 —
    r"|第\s*\d{1,4}\s*页(?:\s*[,，/／]?\s*共\s*\d{1,4}\s*页)?"  # 第3页 共8页
    r"|共\s*\d{1,4}\s*页\s*第\s*\d{1,4}\s*页"
    r"|\d{1,4}\s*[/／]\s*\d{1,4}"  # 3/8
    r"|(?:page|p\.)\s*\d{1,4}(?:\s*of\s*\d{1,4})?"
    r"|\d{1,4})$", re.I)
# A line that ends a sentence or a heading-like short line: never joined to the next.
SENTENCE_END_RE = re.compile(r"[。！？!?；;：:」』”）)】》…]$")
# Numbered headings and list items start a new paragraph.
PARAGRAPH_START_RE = re.compile(r"^(?:[一二三四五六七八九十]+[、.．]|[（(][一二三四五六七八九十\d]+[）)]|\d+[、.．]|第[一二三四五六七八九十百\d]+[章条节]|附件)")
DIGITS_RE = re.compile(r"\d+")
CJK_RE = re.compile(r"[\u3400-\u9fff]")
# Letter-spaced text as a PDF reader gives it: one space between letters, more between words.
LETTER_SPACED_MIN_CHARS = 6
LETTER_SPACED_SHARE = 0.8
# A space between two Chinese characters (or their punctuation) is never the author's.
CJK_CHAR = "\u3400-\u9fff\u3000-\u303f\uff01-\uff0f\uff1a-\uff1f\u201c\u201d\u2018\u2019"
CJK_GAP_RE = re.compile(f"(?<=[{CJK_CHAR}])[ \t\u00a0]+(?=[{CJK_CHAR}])")
# A line is "full" (broken by the page width, not by the author) at this share of the page's longest lines.
FULL_LINE_SHARE = 0.85


def clean_document_text(pages: list[str], printed: bool = False) -> tuple[str, dict[str, int]]:
    """The document's text (paragraphs joined by "\\n") and what was done, as counts.

    `printed`: the text was read off laid-out pages (PDF): letter-spaced lines are
    closed up and lines broken by the page width are joined."""
    counts: Counter = Counter()
    if printed:
        pages = [_close_up_spacing(p, counts) for p in pages]
    page_lines = [normalise_whitespace(p).split("\n") if p.strip() else [] for p in pages]
    page_lines = _drop_running_lines(page_lines, counts)
    page_lines = [_drop_page_numbers(lines, counts) for lines in page_lines]
    out = [line for lines in page_lines for line in lines]
    if printed:  # also a paragraph that runs over a page break
        out = _join_broken_lines(out, counts, _full_line_length(out))
    return "\n".join(out), {k: v for k, v in counts.items() if v}


def _close_up_spacing(page: str, counts: Counter) -> str:
    """'各 学 院' -> '各学院': letter-spaced lines closed up (word gaps kept), and spaces between Chinese characters dropped."""
    out = []
    for line in page.split("\n"):
        tokens = [t for t in line.strip().split(" ") if t]
        if len(tokens) >= LETTER_SPACED_MIN_CHARS and \
                sum(1 for t in tokens if len(t) == 1) >= LETTER_SPACED_SHARE * len(tokens):
            line = " ".join(word.replace(" ", "") for word in re.split(r" {2,}", line.strip()))
            counts["letter_spaced_lines"] += 1
        closed, n = CJK_GAP_RE.subn("", line)
        counts["cjk_spaces_removed"] += n
        out.append(closed)
    return "\n".join(out)


def _drop_page_numbers(lines: list[str], counts: Counter) -> list[str]:
    """Page numbers stand alone in the first or last two lines of a page."""
    keep = list(lines)
    edges = {0, 1, len(keep) - 1, len(keep) - 2} if len(keep) > 2 else set(range(len(keep)))
    for i in sorted(edges, reverse=True):
        if 0 <= i < len(keep) and PAGE_NUMBER_RE.match(keep[i].strip()):
            del keep[i]
            counts["page_numbers"] += 1
    return keep


def _drop_running_lines(pages: list[list[str]], counts: Counter) -> list[list[str]]:
    """A line at the top or bottom of most pages (numbers aside) is a running header or footer."""
    if len(pages) < 3:
        return pages
    seen: Counter = Counter()
    for lines in pages:
        edge = {DIGITS_RE.sub("#", line) for line in lines[:2] + lines[-2:]}
        seen.update(edge)
    running = {key for key, n in seen.items() if n >= max(3, len(pages) // 2 + 1) and len(key) <= 80}
    if not running:
        return pages
    out = []
    for lines in pages:
        kept = []
        for i, line in enumerate(lines):
            at_edge = i < 2 or i >= len(lines) - 2
            # page numbers are counted as such, by _drop_page_numbers
            if at_edge and DIGITS_RE.sub("#", line) in running and not PAGE_NUMBER_RE.match(line.strip()):
                counts["running_headers"] += 1
                continue
            kept.append(line)
        out.append(kept)
    return out


def _full_line_length(lines: list[str]) -> float:
    """The length of a line the page width ended: near the longest lines of the document."""
    if not lines:
        return 0.0
    lengths = sorted(len(line) for line in lines)
    return lengths[max(0, int(len(lengths) * 0.9) - 1) if len(lengths) >= 10 else -1] * FULL_LINE_SHARE


def _join_broken_lines(lines: list[str], counts: Counter, full: float) -> list[str]:
    """Join a line to the next when the page width, not the author, ended it (Chinese text only)."""
    if len(lines) < 2:
        return lines
    out = [lines[0]]
    last_len = len(lines[0])  # the length of the line as printed, not of what it was joined into
    for line in lines[1:]:
        prev = out[-1]
        broken = last_len >= full and (CJK_RE.search(prev[-1:]) is not None or prev[-1:] in "，、,")
        if broken and not SENTENCE_END_RE.search(prev) and not PARAGRAPH_START_RE.match(line):
            out[-1] = prev + line
            counts["lines_joined"] += 1
        else:
            out.append(line)
        last_len = len(line)
    return out
