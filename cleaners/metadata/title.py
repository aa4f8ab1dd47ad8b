"""The headline: the <title> without site and column names, checked against the page's headings."""

from __future__ import annotations

import re
from collections import Counter
from difflib import SequenceMatcher

from .. import dates
from .page import HEAD_CHARS, Page, meta_value, norm
from .published import near_title_date

KIND_RANK = {"labelled": 0, "h1": 1, "og": 2, "json-ld": 2, "class": 3, "h2": 4, "h3": 5, "label": 6}
# metadata_source of a title candidate's kind (headings and title-class elements are "heading").
SOURCE_OF_KIND = {"og": "meta", "json-ld": "json-ld", "label": "label", "labelled": "label"}

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


def title_key(s: str) -> str:
    return KEY_DROP_RE.sub("", GLOSS_KEY_RE.sub("", s)).lower()


def clean_title(s: str | None) -> str:
    s = norm(s)
    found = dates.find_dates_in_text(s[-40:]) if s else []
    if found and found[-1].end == len(s[-40:]) and len(s) - (found[-1].end - found[-1].start) >= 4:
        s = s[:len(s) - len(s[-40:]) + found[-1].start]  # "标题 2012-01-16 16:56", "标题 日期：2012-01-20"
        s = TRAILING_DATE_LABEL_RE.sub("", s).rstrip(" -|_")
    for _ in range(3):  # "【图文】【转载】..."
        stripped = TITLE_TAG_RE.sub("", s, count=1)
        if stripped == s or len(title_key(stripped)) < 2:
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
    title = norm(title)
    dropped: list[str] = []
    for _ in range(6):
        seps = list(TITLE_SEP_RE.finditer(title))
        if not seps:
            break
        last = seps[-1]
        head, tail = title[:last.start()].strip(), title[last.end():].strip()
        if len(title_key(head)) < 2 or not _site_like(tail, site_name, bool(dropped), head):
            break
        if tail:
            dropped.append(tail)
        title = head
    # "… 松花江网": a space-separated site name at the very end.
    parts = title.rsplit(" ", 1)
    if len(parts) == 2 and len(title_key(parts[0])) >= 4 and (
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
        if not lead or not (named or shaped) or len(title_key(rest)) < max(4, len(title_key(lead))):
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


def choose_title(page: Page, scan: str, site_name: str | None,
                 headline: str | None = None) -> tuple[str | None, str | None, str | None]:
    """(headline, site name dropped from the <title>, where the headline came from).

    `headline`: the page's JSON-LD headline, one more candidate beside og:title and the headings."""
    raw_title = page.title_tag or ""
    base, suffix_site = strip_site_suffix(raw_title, site_name) if raw_title else ("", None)
    base = clean_title(base)
    candidates: list[tuple[str, str]] = []
    labelled = None
    mo = LABELLED_TITLE_RE.search(scan[:HEAD_CHARS])
    if mo:
        value = clean_title(mo.group("v"))
        if len(title_key(value)) >= 2:
            if re.sub(r"\s", "", mo.group("label")) in ("标题", "题目"):
                candidates.append(("label", value))
            else:
                labelled = value
    og = meta_value(page, ("og:title", "twitter:title", "title", "dc.title", "articletitle"))
    if og:
        candidates.append(("og", clean_title(strip_site_suffix(og, site_name or suffix_site)[0])))
    if headline:
        candidates.append(("json-ld", clean_title(strip_site_suffix(headline, site_name or suffix_site)[0])))
    for kind, text in page.headings:
        if TRUNCATED_RE.search(text):
            continue  # "乘势而上 狠抓落实 加快建设..": a list entry, not the headline
        candidates.append((kind, clean_title(text)))
    if labelled:
        return labelled, suffix_site, "label"

    base_key = title_key(base)
    site_key = title_key(site_name or suffix_site or "")
    best, best_kind, best_score = None, None, (0, 0, 0)
    for order, (kind, text) in enumerate(candidates):
        text_key = title_key(text)
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
                best, best_kind, best_score = text, kind, score
    if best is not None and (best_score[0] >= 0.6 * len(base_key) or _is_head_of(best, base)):
        return best, suffix_site, SOURCE_OF_KIND.get(best_kind, "heading")
    if base_key and not _title_is_site(base, site_name, suffix_site):
        return base, suffix_site, "title-tag"
    # The <title> is only the site's name (or missing): trust the page's own headline.
    fallback, fallback_kind = None, None
    best_points: tuple = ()
    for order, (kind, text) in enumerate(candidates):
        text_key = title_key(text)
        if len(text_key) < 2 or text_key == site_key or text == base:
            continue
        # A headline is a top heading or og:title, reasonably long, with its date right below;
        # box titles ("今日导读") are short.
        points = (2 * (kind in ("h1", "og", "label", "json-ld")) + (len(text_key) >= 8)
                  + (near_title_date(scan, text) is not None))
        score = (points, len(text_key) >= 8, -KIND_RANK.get(kind, 9), -order)
        if score > best_points:
            fallback, fallback_kind, best_points = text, kind, score
    if fallback:
        return fallback, suffix_site or (base if base else None), SOURCE_OF_KIND.get(fallback_kind, "heading")
    return (base or None), suffix_site, ("title-tag" if base else None)


def _is_head_of(text: str, title: str) -> bool:
    """The <title> is this headline followed by a separator: "标题 - 栏目名称"."""
    return title.startswith(text) and bool(TITLE_SEP_RE.match(title, len(text)))


def _title_is_site(base: str, site_name: str | None, suffix_site: str | None) -> bool:
    if site_name and (base == site_name or base in site_name):
        return True
    if suffix_site and base in suffix_site:
        return True
    if NOT_A_NAME_RE.search(base):
        return False
    # "新华网", "公共電視台"; or a short name made of site words: "人間新聞", "教育频道".
    return (len(base) <= 15 and bool(SITE_NAME_END_RE.search(base))) or (
        len(title_key(base)) <= 6 and bool(SITE_WORD_RE.search(base)))

