"""Step 6 of clean_page: title, publication date, source, author, editor, attachments.

Reads the page tree (never modifies it) and the page's visible text
(block elements on separate lines). Chinese CMSs print their metadata as
labelled text ("发布时间:2/13/2021", "作者:佚名来源:教育部") more often than as
<meta> tags, so the labelled lines come first and the tags are fallbacks.
Never raises: a field that cannot be read is None.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field
from difflib import SequenceMatcher
from urllib.parse import unquote, urljoin, urlsplit

from . import dates
from .htmltree import visible_text
from .documents.links import is_attachment_link
from .record import Attachment

# Label scans look at the head of the page and at its footer, never the whole of a huge page.
HEAD_CHARS = 20_000
TAIL_CHARS = 5_000
MAX_HEADING_CANDIDATES = 200
MAX_TITLE_CHARS = 200
MAX_FIELD_CHARS = 40  # a source/author/editor value longer than this is a sentence, not a name
NEAR_TITLE_CHARS = 200  # an unlabelled date this close after the headline is its date
HEADER_CHARS = 600  # labelled dates up to this far below the headline belong to the article

TITLE_CLASS_RE = re.compile(r"title|biaoti|headline|^(?:tit|bt|wzbt|xwbt|btm|tit_?con|art_?tit)$", re.I)
# Candidate kinds, best first when the <title> cannot decide.
KIND_RANK = {"labelled": 0, "h1": 1, "og": 2, "class": 3, "h2": 4, "h3": 5, "label": 6}

# Leading column tags: 【转载学习】 [转载] 〖图文〗.
TITLE_TAG_RE = re.compile(r"^\s*(?:【[^】]{1,8}】|\[[^\]]{1,8}\]|〖[^〗]{1,8}〗|［[^］]{1,8}］)\s*")
# Separators between a title and its site/column names. "—" only between non-digits: (2024—2035年).
TITLE_SEP_RE = re.compile(r"\s*(?:-{2,}|—{2,}|―+|(?<!\d)—(?!\d)|_+|\||｜|»|::)\s*"
                          r"|\s+[-·•]\s+|(?<=[^\d\s])-(?=[^\d\s])")
SITE_WORD_RE = re.compile(
    r"网|網|政府|教育厅|教育廳|教育局|教育部|委员会|大学|大學|学院|學院|学校|學校|频道|頻道|首页|首頁|中心|官网|门户|"
    r"在线|在線|日报|日報|晚报|晚報|新闻|新聞|电视台|電視台|博客|论坛|論壇|社区|社區|"
    r"\b(?:online|news|daily|times|network|portal|xinhua|china\.org)\b", re.I)
# A bare <title> that ends like this names the site, not the article.
SITE_NAME_END_RE = re.compile(
    r"(?:网|網|网站|網站|政府|大学|大學|学院|學院|中心|首页|首頁|门户|频道|頻道|官网|报|報|电视台|電視台|卫视|衛視)$")
# Site and column names are plain names: a part with these is a headline fragment.
NOT_A_NAME_RE = re.compile(r"[：:“”\"《》，,？?！!、；;「」]")
DOMAIN_RE = re.compile(r"^(?:https?://)?(?:[a-z0-9-]+\.)+(?:com|cn|net|org|gov|edu|info|cc|hk|tw)(?:\.cn)?/?$",
                       re.I)
BREADCRUMB_RE = re.compile(r"[〉>»›→]|\s[/|｜-]\s")
TRAILING_DATE_LABEL_RE = re.compile(r"\s*(?:发布|發布|更新)?(?:时间|時間|日期)\s*[:：]?\s*$")
TRUNCATED_RE = re.compile(r"(?:\.{2,}|…+|。{2,})\s*$")
# Pinyin glosses "體(tǐ)" and punctuation do not count when comparing title candidates.
GLOSS_KEY_RE = re.compile(r"[(（][a-zāáǎàēéěèīíǐìōóǒòūúǔùǖǘǚǜüńňǹḿ]{1,7}[)）]")
KEY_DROP_RE = re.compile(r"[\W_]+")
LABELLED_TITLE_RE = re.compile(r"^[ \t\u3000]*(?P<label>文章标题|新闻标题|信息标题|标\s*题|题\s*目)"
                               r"[ \t\u3000]*[:：][ \t\u3000]*(?P<v>[^\n]{2,200})", re.M)

# Date labels by priority tier: publication, then generic/updated, then document dates.
DATE_LABEL_RE = re.compile(
    r"(?P<label>发布时间|发布日期|发表时间|发表日期|发稿时间|发稿日期|发布于|发表于|發布時間|發佈時間|發表時間|發布日期|"
    r"更新时间|更新日期|上传时间|上传日期|录入时间|添加时间|发帖时间|"
    r"发文日期|成文日期|印发日期|时间|日期|時間|发布|發布|"
    r"published(?:\s+on)?|publish(?:ed)?\s+(?:date|time)|release\s+(?:date|time)|posted(?:\s+on)?|date)"
    # The value may sit in the next table cell: "发布日期：\n2022年01月28日".
    r"[ \t\u3000]*(?:(?P<colon>[:：])[ \t\u3000]*\n?)?[ \t\u3000]*", re.I)
DATE_LABEL_TIER = {
    "发布时间": 0, "发布日期": 0, "发表时间": 0, "发表日期": 0, "发稿时间": 0, "发稿日期": 0, "发布于": 0,
    "发表于": 0, "發布時間": 0, "發佈時間": 0, "發表時間": 0, "發布日期": 0, "发布": 0, "發布": 0, "時間": 1,
    "更新时间": 1, "更新日期": 1, "上传时间": 1, "上传日期": 1, "录入时间": 1, "添加时间": 1, "发帖时间": 1,
    "时间": 1, "日期": 1, "date": 1,
    "发文日期": 2, "成文日期": 2, "印发日期": 2,
}
# Generic labels count only when they start a field, not inside a word (会议时间, 截止日期, update).
GENERIC_DATE_LABELS = {"时间", "日期", "時間", "发布", "發布", "date"}

META_DATE_NAMES = (
    "article:published_time", "og:article:published_time", "og:published_time", "published_time",
    "pubdate", "publishdate", "publish_date", "publish-date", "publishtime", "publish_time",
    "originalpublicationdate", "datepublished", "firstpublishedtime", "releasedate",
    "dc.date.issued", "dcterms.issued", "dc.date", "dcterms.date", "dc.date.created", "dcterms.created",
    "sailthru.date", "parsely-pub-date", "date", "weibo:article:create_at", "created",
)
# Modification dates: only when nothing on the page says when it was published.
META_MODIFIED_NAMES = ("article:modified_time", "og:updated_time", "lastmodifiedtime", "dc.date.modified")
META_SOURCE_NAMES = ("contentsource", "source", "article:source", "og:source")
META_AUTHOR_NAMES = ("author", "article:author", "dc.creator", "byl")
META_SITE_NAMES = ("og:site_name", "sitename", "site_name", "application-name")

FIELD_LABEL_RE = re.compile(
    r"(?P<label>信息来源|文章来源|新闻来源|稿件来源|内容来源|稿源|来源于|来源|來源|出处|"
    r"责任编辑|責任編輯|责编|编辑|編輯|审核|审校|作者|撰稿人|撰稿|撰文|记者|記者|文|"
    r"source|editor|author|written\s+by)"
    r"(?:[ \t\u3000]*(?P<colon>[:：]|(?<=文)/)|(?<=[记記]者)(?=[ \t\u3000]))[ \t\u3000]*", re.I)
FIELD_OF_LABEL = {
    "信息来源": "source", "文章来源": "source", "新闻来源": "source", "稿件来源": "source", "内容来源": "source",
    "稿源": "source", "来源于": "source", "来源": "source", "來源": "source", "出处": "source", "source": "source",
    "責任編輯": "editor", "編輯": "editor", "記者": "author",
    "责任编辑": "editor", "责编": "editor", "编辑": "editor", "审核": "editor", "审校": "editor", "editor": "editor",
    "作者": "author", "撰稿人": "author", "撰稿": "author", "撰文": "author", "记者": "author", "文": "author",
    "author": "author", "written by": "author",
}
# Labels that are trusted anywhere; others only at a line start or on a line with other metadata.
SPECIFIC_FIELD_LABELS = {"信息来源", "文章来源", "新闻来源", "稿件来源", "稿源", "责任编辑", "责编", "作者", "撰稿"}
# Labels that must not follow a Chinese character ("原文:" is not an author label).
STANDALONE_FIELD_LABELS = {"文", "编辑", "編輯", "审核", "出处"}
# "记者：" also opens interview questions; its value must look like names.
NAME_ONLY_LABELS = {"记者", "記者"}
# Where a field value ends: the next label, a bracket, a bar, a date.
FIELD_STOP_RE = re.compile(
    r"信息来源|文章来源|来源|作者|撰稿|发布时间|发布日期|发表时间|更新时间|时间|日期|浏览|点击|阅读|访问|"
    r"责任编辑|编辑|审核|字号|字体|打印|分享|关闭|收藏|[【】\[\]|｜<>()（）;；,，。!！]|"
    r"\d{4}[-/.年]\d|\d{1,2}/\d{1,2}/\d{4}", re.I)
EN_FIELD_STOP_RE = re.compile(r"\s{2,}|[|\[\]()<>;]|\s(?:editor|author|by|date|published|updated|source)\b", re.I)
CJK_NAME_RE = re.compile(r"^[\u4e00-\u9fff·]{2,4}$")
CJK_RE = re.compile(r"[\u3400-\u9fff]")
BY_LINE_RE = re.compile(
    r"^[ \t]*By[ \t]+(?P<v>[A-Z][\w.'-]*(?:[ \t]+(?:[A-Z][\w.'-]*|and|de|van|von)){0,4})[ \t]*$", re.M)
# <meta name="author"> values that name software, a team or an account id.
GENERIC_AUTHOR_RE = re.compile(
    r"\b(?:team|inc|ltd|co\.|discuz|comsenz|phpcms|dedecms|wordpress|powered)\b|^[A-Za-z]+_?\d{3,}$", re.I)
NO_AUTHOR = {"佚名", "未知", "admin", "administrator", "管理员", "不详", "无", "unknown", "null", "none", "匿名"}
FIELD_TRIM = " \t\u3000:：,，.。;；、/|-—·\"'“”"

SKIP_HREF_RE = re.compile(r"^\s*(?:javascript:|mailto:|tel:|#|data:)", re.I)

SPACE_TAGS = {"br", "p", "div", "td", "th", "li", "tr", "h1", "h2", "h3", "h4", "h5", "h6", "dd", "dt",
              "section", "article", "header", "footer", "table", "ul", "ol", "blockquote", "hr"}


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


@dataclass
class _Page:
    """What one pass over the tree collects."""

    title_tag: str | None = None
    meta: dict[str, list[str]] = field(default_factory=dict)
    headings: list[tuple[str, str]] = field(default_factory=list)  # (kind, text) in document order
    times: list[str] = field(default_factory=list)
    anchors: list[tuple[str, object]] = field(default_factory=list)  # (href, <a> element)
    canonical: str | None = None
    base_href: str | None = None


def extract_metadata(tree, page_text: str, url: str, lang: str | None = None) -> Metadata:
    """Metadata of one page; every field None (attachments empty) when the page does not give it."""
    md = Metadata()
    root = _root(tree)
    page = _guard(_collect, root, default=_Page()) if root is not None else _Page()
    if not page_text and root is not None:
        page_text = _guard(visible_text, root, default="")
    page_text = page_text if isinstance(page_text, str) else ""
    url = url if isinstance(url, str) else ""
    scan = page_text if len(page_text) <= HEAD_CHARS + TAIL_CHARS else (
        page_text[:HEAD_CHARS] + "\n" + page_text[-TAIL_CHARS:])

    md.site_name = _guard(_site_name_from_meta, page)
    title, suffix_site = _guard(_title, page, scan, md.site_name, default=(None, None))
    md.title = title
    md.site_name = md.site_name or suffix_site
    md.published_at = _guard(_published_at, page, scan, url, md.title)
    fields = _guard(_labelled_fields, scan, lang, default={})
    md.source = fields.get("source") or _guard(_meta_value, page, META_SOURCE_NAMES)
    md.author = fields.get("author") or _guard(_meta_author, page, md.site_name)
    if md.author is None and (lang or "en").startswith("en"):
        md.author = _guard(_by_line, scan)
    md.editor = fields.get("editor")
    base = _guard(_base_url, page, url, default=url) or url
    md.canonical_url = _guard(_canonical, page, base)
    md.attachments = _guard(_attachments, page, base, default=[])
    return md


def _guard(fn, *args, default=None):
    # One malformed field must not cost the page its other fields.
    try:
        return fn(*args)
    except Exception:  # noqa: BLE001 - metadata is best effort by contract
        return default


# --- tree reading -----------------------------------------------------------------------------

def _root(tree):
    try:
        if hasattr(tree, "getroot"):
            tree = tree.getroot()
        return tree if tree is not None and hasattr(tree, "iter") else None
    except Exception:  # noqa: BLE001
        return None


def _local(tag) -> str:
    if not isinstance(tag, str):
        return ""
    return tag.rsplit("}", 1)[-1].lower()


def _norm(s: str | None) -> str:
    return " ".join(s.split()) if s else ""


def _text(el, limit: int = 2000) -> str:
    """Text of an element with <br> and block children as spaces, normalised."""
    out: list[str] = []
    size = 0

    def walk(node, depth: int) -> None:
        nonlocal size
        if depth > 40 or size > limit:
            return
        tag = _local(node.tag)
        if tag in SPACE_TAGS:
            out.append(" ")
        if tag and node.text:
            out.append(node.text)
            size += len(node.text)
        for child in node:
            walk(child, depth + 1)
            if child.tail:
                out.append(child.tail)
                size += len(child.tail)
        if tag in SPACE_TAGS:
            out.append(" ")

    walk(el, 0)
    return _norm("".join(out))


def _collect(root) -> _Page:
    page = _Page()
    for el in root.iter():
        tag = _local(el.tag)
        if not tag:
            continue
        if tag == "meta":
            key = (el.get("property") or el.get("name") or el.get("itemprop") or el.get("http-equiv") or "")
            content = el.get("content")
            if key and content and content.strip():
                page.meta.setdefault(key.strip().lower(), []).append(content.strip())
            continue
        if tag == "title":
            parent = el.getparent()
            if page.title_tag is None and (parent is None or _local(parent.tag) != "svg"):
                page.title_tag = _text(el) or None
            continue
        if tag == "link":
            if page.canonical is None and "canonical" in (el.get("rel") or "").lower().split():
                page.canonical = (el.get("href") or "").strip() or None
            continue
        if tag == "base":
            if page.base_href is None and el.get("href"):
                page.base_href = el.get("href").strip()
            continue
        if tag == "a":
            href = el.get("href")
            if href:
                page.anchors.append((href, el))
        if tag == "time" or el.get("itemprop", "").lower() == "datepublished":
            value = el.get("datetime") or el.get("content") or _text(el, 100)
            if value:
                page.times.append(value)
        if len(page.headings) >= MAX_HEADING_CANDIDATES:
            continue
        kind = "h" + tag[1] if tag in ("h1", "h2", "h3") else None
        if kind is None and tag not in ("html", "body", "ul", "ol", "table", "tbody", "form", "a", "img"):
            names = f"{el.get('class') or ''} {el.get('id') or ''}".split()
            if any(TITLE_CLASS_RE.search(n) for n in names):
                kind = "class"
        if kind:
            text = _text(el, MAX_TITLE_CHARS * 2)
            if 2 <= len(text) <= MAX_TITLE_CHARS:
                page.headings.append((kind, text))
    return page


def _meta_value(page: _Page, names) -> str | None:
    for name in names:
        for value in page.meta.get(name, ()):
            value = _norm(value)
            if value:
                return value
    return None


def _site_name_from_meta(page: _Page) -> str | None:
    value = _meta_value(page, META_SITE_NAMES)
    return value if value and len(value) <= 60 else None


def _base_url(page: _Page, url: str) -> str:
    if page.base_href and not SKIP_HREF_RE.match(page.base_href):
        return urljoin(url, page.base_href)
    return url


def _absolute(href: str, base: str) -> str | None:
    href = href.strip()
    if not href or SKIP_HREF_RE.match(href):
        return None
    try:
        return urljoin(base, href) if base else href
    except ValueError:
        return None


def _canonical(page: _Page, base: str) -> str | None:
    for href in (page.canonical, _meta_value(page, ("og:url",))):
        if href:
            absolute = _absolute(href, base)
            if absolute and urlsplit(absolute).scheme in ("http", "https"):
                return absolute
    return None


# --- title ------------------------------------------------------------------------------------

def _key(s: str) -> str:
    return KEY_DROP_RE.sub("", GLOSS_KEY_RE.sub("", s)).lower()


def _clean_title(s: str | None) -> str:
    s = _norm(s)
    found = dates.find_dates_in_text(s[-40:]) if s else []
    if found and found[-1].end == len(s[-40:]) and len(s) - (found[-1].end - found[-1].start) >= 4:
        s = s[:len(s) - len(s[-40:]) + found[-1].start]  # "标题 2012-01-16 16:56", "标题 日期：2012-01-20"
        s = TRAILING_DATE_LABEL_RE.sub("", s).rstrip(" -|_")
    for _ in range(3):  # "【图文】【转载】..."
        stripped = TITLE_TAG_RE.sub("", s, count=1)
        if stripped == s or len(_key(stripped)) < 2:
            break
        s = stripped
    return s


def _site_like(part: str, site_name: str | None, after_drop: bool, head: str) -> bool:
    if not part:
        return True
    if site_name and (part == site_name or (len(part) >= 2 and part in site_name)
                      or (site_name in part and len(part) <= len(site_name) + 8)):
        return True
    if DOMAIN_RE.match(part):
        return True
    if NOT_A_NAME_RE.search(part):
        return False
    if len(part) <= 20 and any(SITE_NAME_END_RE.search(token) for token in part.split()):
        return True  # "新华网", "自由電子報 即時新聞"
    if len(part) >= len(head):  # the headline is the longest part
        return False
    if len(part) <= 20 and SITE_WORD_RE.search(part):
        return True
    # Column names and dates between the headline and the site: "_要闻_正北方网", "| 即時新聞 | 20120111 | 蘋果日報".
    if not after_drop:
        return False
    return (len(part) <= 8 and not re.search(r"\d", part)) or bool(re.fullmatch(r"[\d\s:/.-]{4,19}", part))


def strip_site_suffix(title: str, site_name: str | None = None) -> tuple[str, str | None]:
    """(title without trailing site/column names, the site name dropped or None)."""
    title = _norm(title)
    dropped: list[str] = []
    for _ in range(6):
        seps = list(TITLE_SEP_RE.finditer(title))
        if not seps:
            break
        last = seps[-1]
        head, tail = title[:last.start()].strip(), title[last.end():].strip()
        if len(_key(head)) < 2 or not _site_like(tail, site_name, bool(dropped), head):
            break
        if tail:
            dropped.append(tail)
        title = head
    # "… 松花江网": a space-separated site name at the very end.
    parts = title.rsplit(" ", 1)
    if len(parts) == 2 and len(_key(parts[0])) >= 4 and (
            (site_name and parts[1] == site_name) or re.fullmatch(r"\S{1,10}(?:网|網|网站|網站)", parts[1])):
        dropped.append(parts[1])
        title = parts[0]
    # Site names in front: "多维博客 » 标题", "世界新聞網-北美華文新聞、華商資訊 - 标题".
    for _ in range(2):
        seps = list(TITLE_SEP_RE.finditer(title))
        if not seps:
            break
        lead = title[:seps[0].start()].strip()
        rest = title[seps[0].end():].strip()
        named = site_name and (lead == site_name or lead in site_name)
        shaped = not NOT_A_NAME_RE.search(lead.replace("、", "")) and (
            (len(lead) <= 20 and SITE_NAME_END_RE.search(lead))
            or (dropped and len(lead) <= 12 and SITE_WORD_RE.search(lead)))
        if not lead or not (named or shaped) or len(_key(rest)) < max(4, len(_key(lead))):
            break
        dropped.append(lead)
        title = rest
    site = next((d for d in dropped if SITE_WORD_RE.search(d) or DOMAIN_RE.match(d)), None)
    return title, site or (dropped[0] if dropped else None)


def _may_match(text_key: str, base_key: str) -> bool:
    """Cheap upper bound of the thresholds below: the characters both share, order ignored."""
    shared = sum((Counter(text_key) & Counter(base_key)).values())
    return shared >= 0.8 * len(text_key) or shared >= 0.9 * len(base_key)


def _overlap(a: str, b: str) -> int:
    if a in b:
        return len(a)
    return sum(block.size for block in SequenceMatcher(None, a, b, autojunk=False).get_matching_blocks())


def _title(page: _Page, scan: str, site_name: str | None) -> tuple[str | None, str | None]:
    raw_title = page.title_tag or ""
    base, suffix_site = strip_site_suffix(raw_title, site_name) if raw_title else ("", None)
    base = _clean_title(base)
    candidates: list[tuple[str, str]] = []
    labelled = None
    mo = LABELLED_TITLE_RE.search(scan[:HEAD_CHARS])
    if mo:
        value = _clean_title(mo.group("v"))
        if len(_key(value)) >= 2:
            if re.sub(r"\s", "", mo.group("label")) in ("标题", "题目"):
                candidates.append(("label", value))
            else:
                labelled = value
    og = _meta_value(page, ("og:title", "twitter:title", "title", "dc.title", "articletitle"))
    if og:
        candidates.append(("og", _clean_title(strip_site_suffix(og, site_name or suffix_site)[0])))
    for kind, text in page.headings:
        if TRUNCATED_RE.search(text):
            continue  # "乘势而上 狠抓落实 加快建设..": a list entry, not the headline
        candidates.append((kind, _clean_title(text)))
    if labelled:
        return labelled, suffix_site

    base_key = _key(base)
    site_key = _key(site_name or suffix_site or "")
    best, best_score = None, (0, 0, 0)
    for order, (kind, text) in enumerate(candidates):
        text_key = _key(text)
        if len(text_key) < 2 or not base_key or text_key == site_key:
            continue
        if len(text_key) > len(base_key) and text_key.endswith(base_key) and BREADCRUMB_RE.search(text):
            continue  # "网站名 〉栏目 〉标题": a breadcrumb ending in the title
        if not _may_match(text_key, base_key):
            continue
        common = _overlap(text_key, base_key)
        inside = common / len(text_key)  # how much of the candidate is in the title
        covers = common / len(base_key)  # how much of the title the candidate gives
        if inside >= 0.8 or (covers >= 0.9 and len(text_key) <= 1.5 * len(base_key) + 10):
            score = (common, -KIND_RANK.get(kind, 9), -order)
            if score > best_score:
                best, best_score = text, score
    if best is not None and (best_score[0] >= 0.6 * len(base_key) or _is_head_of(best, base)):
        return best, suffix_site
    if base_key and not _title_is_site(base, site_name, suffix_site):
        return base, suffix_site
    # The <title> is only the site's name (or missing): trust the page's own headline.
    fallback = None
    best_points: tuple = ()
    for order, (kind, text) in enumerate(candidates):
        text_key = _key(text)
        if len(text_key) < 2 or text_key == site_key or text == base:
            continue
        # A headline is a top heading or og:title, reasonably long, with its date right below;
        # box titles ("今日导读") are short.
        points = (2 * (kind in ("h1", "og", "label")) + (len(text_key) >= 8)
                  + (_near_title_date(scan, text) is not None))
        score = (points, len(text_key) >= 8, -KIND_RANK.get(kind, 9), -order)
        if score > best_points:
            fallback, best_points = text, score
    if fallback:
        return fallback, suffix_site or (base if base else None)
    return (base or None), suffix_site


def _is_head_of(text: str, title: str) -> bool:
    """The <title> is this headline followed by a separator: "标题 - 栏目名称"."""
    return title.startswith(text) and bool(TITLE_SEP_RE.match(title, len(text)))


def _title_is_site(base: str, site_name: str | None, suffix_site: str | None) -> bool:
    if site_name and (base == site_name or base in site_name):
        return True
    if suffix_site and base in suffix_site:
        return True
    return len(base) <= 15 and bool(SITE_NAME_END_RE.search(base)) and not NOT_A_NAME_RE.search(base)


# --- publication date ---------------------------------------------------------------------------

def _labelled_dates(scan: str) -> list[tuple[int, int, dates.DateMatch]]:
    found = []
    for mo in DATE_LABEL_RE.finditer(scan):
        label = re.sub(r"\s+", " ", mo.group("label").lower())
        tier = DATE_LABEL_TIER.get(label, 0)  # English publication labels
        if label in GENERIC_DATE_LABELS:
            before = scan[mo.start() - 1] if mo.start() else ""
            if not mo.group("colon") or (before and (before.isalnum())):
                continue
        dm = dates.match_date_at(scan, mo.end())
        if dm is not None:
            found.append((tier, mo.start(), dm))
    return found


def _find_title(scan: str, title: str | None) -> tuple[int, int] | None:
    """Where the headline is in the page text (whitespace may differ), or None."""
    if not title:
        return None
    chars = [c for c in title if not c.isspace()][:40]
    if len(chars) < 4:
        return None
    pattern = re.compile(r"\s*".join(re.escape(c) for c in chars))
    mo = pattern.search(scan, 0, HEAD_CHARS)
    return (mo.start(), mo.end()) if mo else None


def _near_title_date(scan: str, title: str | None) -> dates.DateMatch | None:
    span = _find_title(scan, title)
    if span is None:
        return None
    found = dates.find_dates_in_text(scan[span[1]:span[1] + NEAR_TITLE_CHARS], limit=1)
    return found[0] if found else None


def _published_at(page: _Page, scan: str, url: str, title: str | None) -> str | None:
    candidates: list[dates.DateMatch] = []
    span = _find_title(scan, title)
    labelled = sorted(_labelled_dates(scan), key=lambda t: (t[0], t[1]))
    # A labelled date far below the headline is a comment's or a related item's, not the article's.
    header_end = span[1] + HEADER_CHARS if span else len(scan)
    candidates += [dm for _, pos, dm in labelled if pos <= header_end]
    for name in META_DATE_NAMES:
        for value in page.meta.get(name, ()):
            dm = dates.parse_date_match(value) or next(iter(dates.find_dates_in_text(value[:100], limit=1)), None)
            if dm:
                candidates.append(dm)
    for value in page.times:
        dm = dates.parse_date_match(value) or next(iter(dates.find_dates_in_text(value[:100], limit=1)), None)
        if dm:
            candidates.append(dm)
    near = _near_title_date(scan, title)
    if near:
        candidates.append(near)
    candidates += [dm for _, pos, dm in labelled if pos > header_end]
    if not candidates:
        for name in META_MODIFIED_NAMES:
            for value in page.meta.get(name, ()):
                dm = dates.parse_date_match(value)
                if dm:
                    candidates.append(dm)
    if not candidates:
        from_url = dates.date_from_url(url)
        return dates.to_iso(from_url)
    chosen = candidates[0]
    if not chosen.has_time:
        # "发布日期:2021-01-08" and a <meta> "2021-01-08 15:31": same day, keep the clock.
        same_day = next((c for c in candidates[1:] if c.has_time and
                         c.value.astimezone(chosen.value.tzinfo).date() == chosen.value.date()), None)
        if same_day:
            return dates.to_iso(same_day.value)
    return dates.to_iso(chosen.value)


# --- source, author, editor ---------------------------------------------------------------------

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
    if kind != "source":  # "王建宏 张文攀": several names
        for token in tokens[1:]:
            if not CJK_NAME_RE.match(token):
                break
            kept.append(token)
    value = " ".join(kept).strip(FIELD_TRIM)
    if not value or len(value) > MAX_FIELD_CHARS:
        return None
    return value


def _labelled_fields(scan: str, lang: str | None) -> dict[str, str | None]:
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
        value = _field_value(scan[mo.end():min(line_end, mo.end() + 80)], kind, names_only)
        if value is None:
            continue
        if kind == "author" and value.lower() in NO_AUTHOR:
            best[kind] = (rank, mo.start(), None)
            continue
        best[kind] = (rank, mo.start(), value)
    return {kind: value for kind, (_, _, value) in best.items()}


def _meta_author(page: _Page, site_name: str | None) -> str | None:
    value = _meta_value(page, META_AUTHOR_NAMES)
    if not value or len(value) > MAX_FIELD_CHARS or value.lower() in NO_AUTHOR:
        return None
    if (site_name and (value in site_name or site_name in value)) or DOMAIN_RE.match(value):
        return None
    if CJK_RE.search(value) and SITE_WORD_RE.search(value):
        return None  # "xx省教育厅", "xx网": the publisher, not a person
    if GENERIC_AUTHOR_RE.search(value):
        return None
    return value


def _by_line(scan: str) -> str | None:
    mo = BY_LINE_RE.search(scan[:HEAD_CHARS])
    return mo.group("v").strip() if mo else None


# --- attachments ------------------------------------------------------------------------------

def _attachments(page: _Page, base: str) -> list[Attachment]:
    out: list[Attachment] = []
    seen: set[str] = set()
    for href, el in page.anchors:
        # Cheap tests first: most links are not attachments.
        if not is_attachment_link(href, el.text or ""):
            if len(el) == 0 or not is_attachment_link(href, _text(el, 40)):
                continue
        text = _text(el, 300)
        absolute = _absolute(href, base)
        if not absolute or not is_attachment_link(absolute, text):
            continue
        if absolute in seen:
            continue
        seen.add(absolute)
        path = unquote(urlsplit(absolute).path)
        name = path.rstrip("/").rsplit("/", 1)[-1]
        out.append(Attachment(url=absolute, title=text or name or absolute))
    return out
