"""Source, author and editor: labelled lines (来源, 作者, 责任编辑, 记者, 文/, By ...) and meta tags."""

from __future__ import annotations

import re

from .. import dates
from .page import HEAD_CHARS, Page
from .published import DATE_LABEL_RE
from .title import DOMAIN_RE, SITE_WORD_RE

MAX_FIELD_CHARS = 40  # a source/author/editor value longer than this is a sentence, not a name
# TRS/Hanweb government CMSs: ContentSource, Author; news CMSs and Open Graph after them.
META_SOURCE_NAMES = ("contentsource", "source", "article:source", "og:source", "mediaid")
META_AUTHOR_NAMES = ("author", "article:author", "article:author_name", "parsely-author", "sailthru.author",
                     "dc.creator", "dcterms.creator", "citation_author", "byl")

FIELD_LABEL_RE = re.compile(
    r"(?P<label>信息来源|文章来源|新闻来源|稿件来源|内容来源|稿源|来源于|来源|來源|出处|"
    r"责任编辑|責任編輯|责编|编辑|編輯|审核|审校|作者|撰稿人|撰稿|撰文|记者|記者|通讯员|文|"
    r"source|editor|author|written\s+by)"
    # "文/张三", "文 | 张三" (reposts), "记者 张三" (a space is enough after 记者)
    r"(?:[ \t\u3000]*(?P<colon>[:：]|(?<=文)/|(?<=文)[ \t\u3000]*[|｜])|(?<=[记記]者)(?=[ \t\u3000]))[ \t\u3000]*",
    re.I)
FIELD_OF_LABEL = {
    "信息来源": "source", "文章来源": "source", "新闻来源": "source", "稿件来源": "source", "内容来源": "source",
    "稿源": "source", "来源于": "source", "来源": "source", "來源": "source", "出处": "source", "source": "source",
    "責任編輯": "editor", "編輯": "editor", "記者": "author",
    "责任编辑": "editor", "责编": "editor", "编辑": "editor", "审核": "editor", "审校": "editor", "editor": "editor",
    "作者": "author", "通讯员": "author", "撰稿人": "author", "撰稿": "author", "撰文": "author", "记者": "author", "文": "author",
    "author": "author", "written by": "author",
}
# Labels that are trusted anywhere; others only at a line start or on a line with other metadata.
SPECIFIC_FIELD_LABELS = {"信息来源", "文章来源", "新闻来源", "稿件来源", "稿源", "责任编辑", "责编", "作者", "撰稿"}
# Labels that must not follow a Chinese character ("原文:" is not an author label).
STANDALONE_FIELD_LABELS = {"文", "编辑", "編輯", "审核", "出处"}
# "记者：" also opens interview questions; its value must look like names.
NAME_ONLY_LABELS = {"记者", "記者", "通讯员"}
# Where a field value ends: the next label, a bracket, a bar, a date.
FIELD_STOP_RE = re.compile(
    r"信息来源|文章来源|来源|作者|撰稿|发布时间|发布日期|发表时间|更新时间|时间|日期|浏览|点击|阅读|访问|"
    r"责任编辑|编辑|审核|字号|字体|打印|分享|关闭|收藏|[【】\[\]|｜<>()（）;；,，。!！]|"
    r"\d{4}[-/.年]\d|\d{1,2}/\d{1,2}/\d{4}", re.I)
EN_FIELD_STOP_RE = re.compile(r"\s{2,}|[|\[\]()<>;]|\s(?:editor|author|by|date|published|updated|source)\b", re.I)
CJK_NAME_RE = re.compile(r"^[\u4e00-\u9fff·]{2,4}$")
CJK_RE = re.compile(r"[\u3400-\u9fff]")
# "By Jane Doe", "by Jon Foster - 2025-09-13", "Written by Cassidy Horton", "By" and the name on the next line.
BY_LINE_RE = re.compile(
    r"^[ \t]*(?i:(?:written|posted|words|story|article|reviewed)[ \t]+)?(?i:by)[ \t]*:?[ \t]*\n?[ \t]*"
    r"(?P<v>[A-Z][\w.'’-]*(?:[ \t]+(?:[A-Z][\w.'’-]*|and|&|de|van|von|der|da|di|la|le)){0,5})[ \t]*"
    r"(?=$|[,|•·–—-]|[ \t]+(?i:on|at|in|updated|published)\b)", re.M)
# "By Monday, …", "By March 2025 …": prose, not a byline.
NOT_A_NAME_WORD_RE = re.compile(
    r"(?:january|february|march|april|may|june|july|august|september|october|november|december|"
    r"jan|feb|mar|apr|jun|jul|aug|sept?|oct|nov|dec|monday|tuesday|wednesday|thursday|friday|saturday|sunday|"
    r"today|tomorrow|tonight|the|this|that|then|now|far|default|contrast|comparison|design)\b", re.I)
BY_LINE_WINDOW = 2_000  # a byline sits under the headline, not anywhere on the page
# <meta name="author"> values that name software, a team or an account id.
GENERIC_AUTHOR_RE = re.compile(
    r"\b(?:team|inc|ltd|co\.|discuz|comsenz|phpcms|dedecms|wordpress|powered)\b|^[A-Za-z]+_?\d{3,}$", re.I)
# URLs, e-mail addresses, numeric account ids, unfilled templates ("page.head.extra.author").
NOT_A_PERSON_RE = re.compile(r"https?:|www\.|@|^\d+$|^[a-z]+(?:\.[a-z]+){2,}$|\{\{|\$\{", re.I)
NO_AUTHOR = {"佚名", "本站", "本网", "本站原创", "未知", "admin", "administrator", "管理员", "不详", "无", "unknown", "null",
             "none", "匿名"}
FIELD_TRIM = " \t\u3000:：,，.。;；、/|-—·\"'“”"
BYLINE_ROLE_RE = re.compile(r"[\u4e00-\u9fff]{0,6}?(?:特约|实习|见习)?(?:记者|通讯员|摄影|撰稿|编辑)|"
                            r"[\u4e00-\u9fff]{2,4}报道|文/|图/|摄|[:：]")
_NAME = r"[\u4e00-\u9fff·]{2,4}"
_NAMES = rf"{_NAME}(?:[ \u3000、]+{_NAME}){{0,5}}"
# Agencies whose name opens a dateline: "新华社北京1月8日电", "中新网3月12日电".
_AGENCIES = r"新华社|中新社|中新网|人民网|央视网|央广网|光明网|中国日报网|中国新闻网|新华网"
# News agencies and papers: named as the source of a report, not as its author.
AGENCY_RE = re.compile(rf"{_AGENCIES}|央视|[\u4e00-\u9fff]{{1,8}}(?:社|日报|晚报|报社|电视台|广播电台|通讯社)")
_ROLES = r"(?:(?:本报|本刊|特约|实习|见习)?(?:记者|通讯员)[ \u3000：:]*)"
# "本报讯（记者 王五 通讯员 李四）", "新华社北京1月8日电（记者 王五）", "本报记者 张三 李四" on a line of its own.
LEAD_BYLINE_RE = re.compile(
    rf"(?:(?P<agency>{_AGENCIES})?[\u4e00-\u9fff\d]{{0,14}}电|本报讯|本刊讯|讯)\s*[（(]"
    rf"(?P<names>(?:{_ROLES}?{_NAMES}[ \u3000]*)+)[）)]"
    rf"|^(?:本报|本刊)(?:记者|通讯员)[ \u3000]*(?P<names2>{_NAMES})(?:[ \u3000]*(?:发自|报道)|[ \u3000]*$)", re.M)
# "……。（袁源）" "（信报记者 蔡雪婧）" "（姚峰 上海报道）": the bracket closing a paragraph.
CLOSING_BYLINE_RE = re.compile(
    rf"[。！？!?”\"…）)][ \u3000]*\n?[ \u3000]*[（(](?P<names>(?:[\u4e00-\u9fff]{{0,4}}(?:记者|通讯员)[ \u3000：:]*)?"
    rf"{_NAMES}(?:[ \u3000]*(?:{_NAMES}[ \u3000]*)?报道)?)[ \u3000]*[）)][ \u3000]*$", re.M)
# "本帖由大卫于2005年8月12日发表", "本贴由 xx 于 2005-8-12 ...".
FORUM_BYLINE_RE = re.compile(r"本[帖贴文]由[ \u3000]*(?P<names>[^\s于]{2,12})[ \u3000]*于[ \u3000]*\d{4}")
# Words that fill the name slot in brackets but are not names: (图) (完) (组图) (待续) ...
NOT_NAMES = {"组图", "完", "待续", "图片", "视频", "专稿", "综合", "整理", "编译", "供图", "原创", "转载", "未完",
             "试行", "草案", "节选", "摘要", "全文", "附件", "修订", "暂行", "摘编", "续完"}
# How English bylines open and what follows the name.
BYLINE_PREFIX_RE = re.compile(r"^(?:(?:written|posted|post|published|reviewed|edited|story|words|text)\s+)?by[:\s]+"
                              r"|^(?:author|authors|writer|posted by|written by)\s*[:：]?\s*", re.I)
BYLINE_TAIL_RE = re.compile(r"\s+(?:on|at|in|updated|published|posted|last updated|\||•|·|-|–|—)\s+|\s*[|•·»]\s*", re.I)
BYLINE_LABEL_ONLY_RE = re.compile(r"(?:about )?(?:the )?(?:topic )?"
                                  r"(?:author|authors|by|written by|posted by|staff writer|"
                                  r"more from this author|view all posts|share|follow)", re.I)


def _field_value(text: str, kind: str, names_only: bool = False) -> str | None:
    """The value after a label, up to the next label/bracket/date; names only, never a sentence."""
    text = text.strip(" \t\u3000")
    if not text:
        return None
    if text[0].isascii() and text[0].isalpha():
        value = EN_FIELD_STOP_RE.split(CJK_RE.split(text, 1)[0], 1)[0]
        value = value.strip(FIELD_TRIM)
        return value if 0 < len(value) <= MAX_FIELD_CHARS else None
    stop = FIELD_STOP_RE.search(text)
    value = text[:stop.start()] if stop else text
    tokens = value.split()
    if not tokens:
        return None
    if names_only and not CJK_NAME_RE.match(tokens[0]):
        return None
    kept = [tokens[0]]
    if kind != "source":  # "王建宏 张文攀": several names; "记者 王五 通讯员 赵六": roles are not names
        for token in tokens[1:]:
            if BYLINE_ROLE_RE.fullmatch(token):
                continue
            if not CJK_NAME_RE.match(token):
                break
            kept.append(token)
    value = " ".join(kept).strip(FIELD_TRIM)
    if not value or len(value) > MAX_FIELD_CHARS:
        return None
    return value


def labelled_fields(scan: str, lang: str | None) -> dict[str, str | None]:
    best: dict[str, tuple[int, int, str | None]] = {}
    for mo in FIELD_LABEL_RE.finditer(scan):
        label = re.sub(r"\s+", " ", mo.group("label").lower())
        kind = FIELD_OF_LABEL.get(label)
        if kind is None:
            continue
        if kind in best and best[kind][0] == 0:
            continue  # already found on a metadata line
        before = scan[mo.start() - 1] if mo.start() else "\n"
        if label in STANDALONE_FIELD_LABELS and (before.isalnum()):
            continue
        if label.isascii() and before.isalpha():
            continue
        # The label's line, clipped: a page without line breaks must not make this quadratic.
        line_start = max(scan.rfind("\n", 0, mo.start()) + 1, mo.start() - 200)
        line_end = scan.find("\n", mo.end(), mo.end() + 200)
        line_end = min(len(scan), mo.end() + 200) if line_end < 0 else line_end
        prefix = scan[line_start:mo.start()]
        at_start = not prefix.strip(" \t\u3000[【(（|｜")
        line = scan[line_start:line_end]
        meta_line = bool(DATE_LABEL_RE.search(prefix) or dates.find_dates_in_text(line[:200], limit=1)
                         or len(FIELD_LABEL_RE.findall(line[:200])) > 1)
        # "光明日报记者 王建宏 张文攀": a short line of its own.
        byline = (label in NAME_ONLY_LABELS and line_end - line_start <= 40
                  and scan[line_end:line_end + 1] in ("\n", ""))
        if not (meta_line or at_start or byline or label in SPECIFIC_FIELD_LABELS):
            continue
        rank = 0 if meta_line else 1 if at_start else 2
        if kind in best and best[kind][0] <= rank:
            continue
        names_only = label in NAME_ONLY_LABELS
        if names_only and not mo.group("colon") and line_end - line_start > 40:
            continue  # "据记者 了解…": prose, not a byline
        value_text = scan[mo.end():min(line_end, mo.end() + 80)]
        if not value_text.strip() and mo.group("colon") and kind != "editor":
            # "作者：" at the end of its line (a table cell or a <span>): the value is the next line.
            next_end = scan.find("\n", line_end + 1, line_end + 42)
            value_text = scan[line_end + 1:next_end] if next_end > 0 else ""
            names_only = kind == "author" and bool(CJK_RE.match(value_text or "a"))
            value = _field_value(value_text, kind, names_only)
        else:
            value = _field_value(value_text, kind, names_only)
        if value is None:
            continue
        if kind == "author" and value.lower() in NO_AUTHOR:
            best[kind] = (rank, mo.start(), None)
            continue
        best[kind] = (rank, mo.start(), value)
    fields = {kind: value for kind, (_, _, value) in best.items()}
    author = fields.get("author")
    if author and AGENCY_RE.fullmatch(author):
        # "作者：新华社": an agency is where the article came from, not who wrote it.
        fields["author"] = None
        fields.setdefault("source", author)
    return fields


def reporter_byline(scan: str, start: int = 0) -> tuple[str | None, str | None]:
    """(authors, agency) from how Chinese reports name their writers, or (None, None):

    "本报讯（记者 王五 通讯员 李四）", "新华社北京1月8日电（记者 王五）", "本报记者 张三 李四"
    at the top; "（袁源）", "（信报记者 蔡雪婧）", "（姚峰 上海报道）" closing a paragraph;
    "本帖由大卫于2005年8月12日发表" on forums. Several names are joined by a space; an
    agency alone ("（新华社）") is the source, not an author.
    """
    window = scan[start:start + HEAD_CHARS]
    for pattern in (LEAD_BYLINE_RE, CLOSING_BYLINE_RE, FORUM_BYLINE_RE):
        for mo in pattern.finditer(window):
            names = _names(mo.group("names") or mo.groupdict().get("names2"))
            agency = mo.groupdict().get("agency")
            if names:
                return " ".join(names), (agency or None)
    return None, None


def _names(text: str | None) -> list[str]:
    """Person names in a byline's bracket: roles (记者, 通讯员, 摄) and places (上海报道) dropped."""
    if not text:
        return []
    text = BYLINE_ROLE_RE.sub(" ", text)
    names = [n for n in re.split(r"[\s、，,/]+", text) if n]
    if not names or len(names) > 6:
        return []
    if not all(CJK_NAME_RE.match(n) and not AGENCY_RE.fullmatch(n) and n not in NOT_NAMES for n in names):
        return []
    return names


# A name alone on the line under the headline (essays, blogs, forum posts): "胡平", "duscha".
NAME_LINE_RE = re.compile(r"[\u4e00-\u9fff·]{2,4}|[A-Za-z][A-Za-z0-9_.-]{2,19}")
# Words that sit alone under a headline and are not names.
NOT_NAME_LINES = {"要闻", "国内", "国际", "正文", "首页", "新闻", "评论", "分享", "打印", "关闭", "返回", "字号", "收藏",
                  "推荐", "阅读", "点击", "专题", "图片", "视频", "导读", "摘要", "简介", "全文", "来源", "作者", "责编",
                  "share", "print", "email", "home", "news", "comments", "tweet", "reply", "menu", "search", "login"}


def name_line(scan: str, title_end: int) -> str | None:
    """The name alone on the line right under the headline, when the text goes on below it."""
    lines = scan[title_end:title_end + 300].split("\n")
    if len(lines) < 3 or lines[0].strip():
        return None  # the headline's own line must end where the title does
    candidate, after = lines[1].strip(), lines[2].strip()
    if not NAME_LINE_RE.fullmatch(candidate) or len(after) < 10 and not after.startswith(("——", "--")):
        return None
    if (candidate.lower() in NOT_NAME_LINES or candidate in NOT_NAMES or AGENCY_RE.fullmatch(candidate)
            or SITE_WORD_RE.search(candidate) or candidate.lower() in NO_AUTHOR or NOT_A_NAME_WORD_RE.fullmatch(candidate)):
        return None
    return candidate


def element_byline(page: Page) -> str | None:
    """The author named by the page's byline markup (itemprop=author, rel=author, class *author*/*byline*):
    the first name the markup gives (a forum thread's first poster, not everyone who replied)."""
    for rank in (0, 1):
        for el_rank, text in page.bylines:
            if el_rank == rank:
                name = _byline_name(text)
                if name:
                    return name
    return None


def _byline_name(text: str) -> str | None:
    text = BYLINE_PREFIX_RE.sub("", " ".join(text.split())).strip(FIELD_TRIM)
    text = BYLINE_TAIL_RE.split(text, 1)[0].strip(FIELD_TRIM)
    if not (2 <= len(text) <= MAX_FIELD_CHARS) or text.lower() in NO_AUTHOR or GENERIC_AUTHOR_RE.search(text):
        return None
    if re.search(r"\d{2}|https?:|@|\.com\b|[{}<>=]", text) or len(text.split()) > 6:
        return None
    if BYLINE_LABEL_ONLY_RE.fullmatch(text):
        return None
    return text


def meta_author(page: Page, site_name: str | None) -> str | None:
    """The first <meta> author that names a person: not the site, a URL, an account id or a template."""
    for name in META_AUTHOR_NAMES:
        for value in page.meta.get(name, ()):
            value = " ".join(value.split())
            if _person_like(value, site_name):
                return value
    return None


def meta_source(page: Page) -> str | None:
    """The first <meta> source that names a publisher: "来源：" dropped, URLs skipped."""
    for name in META_SOURCE_NAMES:
        for value in page.meta.get(name, ()):
            value = re.sub(r"^(?:信息|文章|新闻)?来源[:：]\s*", "", " ".join(value.split())).strip()
            if value and len(value) <= MAX_FIELD_CHARS and not NOT_A_PERSON_RE.search(value):
                return value
    return None


def _person_like(value: str, site_name: str | None) -> bool:
    if not value or len(value) > MAX_FIELD_CHARS or value.lower() in NO_AUTHOR:
        return False
    if (DOMAIN_RE.match(value) or NOT_A_PERSON_RE.search(value) or GENERIC_AUTHOR_RE.search(value)
            or AGENCY_RE.fullmatch(value)):
        return False
    publisher_like = bool(CJK_RE.search(value)) or bool(SITE_WORD_RE.search(value))
    if publisher_like and site_name and (value in site_name or site_name in value):
        return False  # "山东省教育科研网" as the author of its own pages: the publisher
    if CJK_RE.search(value) and SITE_WORD_RE.search(value):
        return False  # "xx省教育厅", "xx网": the publisher, not a person
    return True


def by_line(scan: str, start: int = 0) -> str | None:
    """The name on a "By …" line under the headline (`start`: where the headline is)."""
    mo = BY_LINE_RE.search(scan, start, min(start + BY_LINE_WINDOW, HEAD_CHARS))
    if not mo:
        return None
    value = re.sub(r"\s+(?:and|&)$", "", mo.group("v").strip())
    if value.lower() in NO_AUTHOR or BYLINE_LABEL_ONLY_RE.fullmatch(value) or NOT_A_NAME_WORD_RE.match(value):
        return None
    return value

