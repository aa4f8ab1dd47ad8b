"""Where this article ends: the next stories and the comment thread go.

News pages keep going below the article. Infinite scroll and 快资讯-style
rails append whole further stories, each opening with its own headline and a
dateline (`2024-05-12 10:30 来源：人民网`); comment widgets append a thread
under a heading (最热评论, 网友评论, 查看全部128条评论). Extraction, seeing one
long column of prose, keeps them all. One record is one article, so the text
is cut where the first of them starts.

Both cuts are judged like every removal: the article before the cut must have
a body of its own (MIN_ARTICLE_CHARS), and a comment cut may not take most of
the text. A date or a 来源 line inside an article does not cut it: a story
starts with a headline line (short, no sentence punctuation) right before a
dateline, and has a body after it.
"""

from __future__ import annotations

import re

from .boilerplate import DATE, FOLD, SENTENCE_END_RE, is_metadata_line

# The article before a cut has at least this much text of its own...
MIN_ARTICLE_CHARS = 150
# ...a further story at least this much after its dateline...
MIN_NEXT_STORY_CHARS = 80
# ...and a comment thread may take at most this share of the text.
MAX_THREAD_SHARE = 0.7

HEADLINE_MIN_CHARS, HEADLINE_MAX_CHARS = 5, 60
DATELINE_MAX_CHARS = 80
DATELINE_MAX_OTHER_CHARS = 40  # besides the date: a source, an author, a counter
PROSE_END_RE = re.compile(r"[。！？!?]|\.(?:\s|$)")  # a sentence, Chinese or Latin
HEADLINE_END_RE = re.compile(r"[。！？!?；;：:，,、]$")
DATE_RE = re.compile(DATE)
SOURCE_WORDS_RE = re.compile(r"来源|作者|记者|编辑|发布|通讯员|稿源")
CMS_STAMP_RE = re.compile(r"\d{4}[-/.]\d{1,2}[-/.]\d{1,2}\s*\d{1,2}:\d{2}(?::\d{2})?")

COMMENT_HEADINGS = ("网友评论 最新评论 最热评论 热门评论 精彩评论 全部评论 评论区 文章评论 发表评论 我要评论 相关评论 "
                    "热评 用户评论 读者评论 评论列表 网友跟帖 热门跟帖 最新跟帖 跟帖评论 网友留言 留言板 最新留言 "
                    "热门回复 全部回复").split()
COMMENT_HEADING_RE = re.compile(
    r"[【\[]?\s*(?:" + "|".join(COMMENT_HEADINGS) + r")\s*[】\]]?\s*(?:[(（]?\s*\d+\s*(?:条)?\s*[)）]?)?\s*[:：]?"
    r"|(?:查看|展开)?(?:全部|更多)?\s*\d+\s*条(?:评论|回复|跟帖|留言)(?:\s*[>»›]+)?"
    r"|(?:已有|共有?)\s*\d+\s*(?:人|条)(?:参与|评论|跟帖)(?:.{0,10})?"
    # English: a count or an invitation, not a bare "Comments" (a tutorial's section on code comments)
    r"|\d+\s*(?:comments?|responses|replies)|comments?\s*[(（]\s*\d+\s*[)）]|leave a (?:comment|reply)"
    r"|join the (?:discussion|conversation)|show comments|view comments", re.I)


def cut_after_article(text: str) -> tuple[str, dict[str, int]]:
    """Cut the text where a further story or the comment thread starts.

    Returns (text, {"next_articles": stories cut, "comment_lines": lines cut}).
    """
    counts = {"next_articles": 0, "comment_lines": 0}
    lines = text.split("\n")
    start = _next_story_start(lines)
    if start is not None:
        counts["next_articles"] = 1 + sum(
            1 for i in range(start + 2, len(lines)) if _is_dateline(lines[i]) and _is_headline(lines[i - 1]))
        lines = lines[:start]
    start = _comment_thread_start(lines)
    if start is not None:
        counts["comment_lines"] = sum(1 for line in lines[start:] if line.strip())
        lines = lines[:start]
    return "\n".join(lines).rstrip("\n"), counts


def _next_story_start(lines: list[str]) -> int | None:
    prose = 0  # the article's body so far: lines with sentence punctuation
    for i, line in enumerate(lines):
        if i and prose >= MIN_ARTICLE_CHARS and _is_dateline(line) and _is_headline(lines[i - 1]) \
                and _size_after(lines, i + 1) >= MIN_NEXT_STORY_CHARS:
            return i - 1
        prose += _prose_size(line)
    return None


def _comment_thread_start(lines: list[str]) -> int | None:
    total = sum(_size(line) for line in lines)
    before = prose = 0
    for i, line in enumerate(lines):
        stripped = line.strip()
        if prose >= MIN_ARTICLE_CHARS and len(stripped) <= 30 and COMMENT_HEADING_RE.fullmatch(stripped.translate(FOLD)):
            return i if total - before <= MAX_THREAD_SHARE * total else None
        before += _size(line)
        prose += _prose_size(line)
    return None


def _prose_size(line: str) -> int:
    return _size(line) if PROSE_END_RE.search(line) else 0


def _is_headline(line: str) -> bool:
    line = line.strip()
    return (HEADLINE_MIN_CHARS <= len(line) <= HEADLINE_MAX_CHARS and not SENTENCE_END_RE.search(line)
            and not HEADLINE_END_RE.search(line) and not line.startswith("-") and not _is_dateline(line))


def _is_dateline(line: str) -> bool:
    """A short line that dates a story: `2024-05-12 10:30 来源：人民网`, `作者：张三 2024年5月12日`."""
    line = line.strip()
    if not line or len(line) > DATELINE_MAX_CHARS or SENTENCE_END_RE.search(line):
        return False
    folded = line.translate(FOLD)
    date = DATE_RE.search(folded)
    if date is None:
        return False
    other = _size(folded[:date.start()] + folded[date.end():])
    if other > DATELINE_MAX_OTHER_CHARS:
        return False
    # A source or author beside the date, or a CMS time stamp (2024-05-12 10:30):
    # a date alone (2024年5月12日) heads a section of a timeline as often as a story.
    return bool(SOURCE_WORDS_RE.search(folded)) or is_metadata_line(folded) or bool(CMS_STAMP_RE.fullmatch(date.group(0)))


def _size(line: str) -> int:
    return len("".join(line.split()))


def _size_after(lines: list[str], start: int) -> int:
    n = 0
    for line in lines[start:]:
        n += _size(line)
        if n >= MIN_NEXT_STORY_CHARS:
            break
    return n
