"""Injected gambling spam: brand tags that clone sites put into official articles.

Spam clones copy ministry articles and inject the brand of an online casino
into titles, breadcrumbs and text: `印发《开云(中国)教育系统...》`,
`开云网页版登录入口-中央教育工作...`, `...-开云体育(中国)官方网站`. We remove the
spam-shaped tag and report the brand.

Precision first. A brand is one of three kinds (BRANDS):
- "brand": never an ordinary word (开云体育, 华体会, bet365): removed wherever found;
- "name": a name that is not a common word but could be a person or company
  (开云 is also Kering's Chinese name, 米乐 a given name): spam-shaped only with a
  suffix (开云(中国), 米乐体育); bare, removed only when the text holds definite spam;
- "word": a common word or place (半岛, 星空, 金沙, 威尼斯人): spam-shaped only with a
  strong suffix (官网, 登录入口, (中国)); with a weak suffix (体育, 平台) only when the
  text holds definite spam; bare never.
"""

from __future__ import annotations

import math
import re

from .asciicase import ascii_lower as _ascii_lower

# (canonical signal, regex, kind). Matched case-insensitively (ASCII).
BRANDS: list[tuple[str, str, str]] = [
    # unambiguous brand strings
    ("开云", r"开云体育|开云kaiyun|(?<![a-z])kaiyun(?![a-z])", "brand"),
    ("开云", r"KY体育|KY开云", "brand"),
    ("乐鱼", r"乐鱼体育|(?<![a-z])leyu(?![a-z])", "brand"),
    ("华体会", r"(?<!中)华体会|hth华体会", "brand"),
    ("亚博", r"亚博体育|(?<![a-z])yabo(?![a-z])", "brand"),
    ("AG真人", r"AG真人|AG旗舰厅|AG亚游|AG九游会", "brand"),
    ("新葡京", r"(?:澳门)?新葡(?:萄)?京", "brand"),
    ("威尼斯人", r"澳门威尼斯人", "brand"),
    ("金沙", r"澳门金沙|金沙娱乐", "brand"),
    ("永利", r"澳门永利|永利娱乐", "brand"),
    ("银河", r"澳门银河|银河娱乐", "brand"),
    ("新濠天地", r"新濠天地", "brand"),
    ("太阳城", r"太阳城集团|太阳城娱乐", "brand"),
    ("bet365", r"bet365|365bet", "brand"),
    ("必威", r"必威体育|betway", "brand"),
    ("九游会", r"九游会|J9九游会", "brand"),
    ("米乐", r"米乐m6|m6米乐|米乐体育", "brand"),
    ("半岛", r"半岛[·•・]体育|BOB半岛", "brand"),
    ("爱游戏", r"爱游戏体育|爱游戏\(ayx\)|ayx爱游戏", "brand"),
    ("星空", r"星空[·•・]体育", "brand"),
    ("雷竞技", r"雷竞技|raybet", "brand"),
    ("BOB体育", r"BOB(?:综合)?体育", "brand"),
    ("欧宝", r"欧宝体育|OB体育|OB欧宝", "brand"),
    ("天博", r"天博体育|TB天博", "brand"),
    ("尊龙凯时", r"尊龙凯时|z6尊龙", "brand"),
    ("凯发", r"凯发k8|k8凯发|凯发娱乐", "brand"),
    ("龙8", r"龙8国际|long8", "brand"),
    ("万博", r"万博体育|manbetx", "brand"),
    ("金宝博", r"(?:188)?金宝博|188bet", "brand"),
    ("沙巴体育", r"沙巴体育", "brand"),
    ("皇冠体育", r"皇冠体育|皇冠hg", "brand"),
    ("IM体育", r"IM体育|IM电竞", "brand"),
    ("火狐体育", r"火狐体育", "brand"),
    ("球速体育", r"球速体育", "brand"),
    ("千亿体育", r"千亿体育|千亿国际娱乐", "brand"),
    ("博天堂", r"博天堂", "brand"),
    ("利记", r"sbobet|利记sbobet", "brand"),
    ("其他", r"(?<![a-z0-9])(?:1xbet|dafabet|vwin|12bet)(?![a-z])", "brand"),
    # names: spam-shaped with any suffix; bare only next to definite spam
    ("开云", r"开云(?!见|集团)", "name"),
    ("亚博", r"亚博(?!会|览)", "name"),
    ("乐鱼", r"(?<!快)乐鱼", "name"),
    ("必威", r"必威", "name"),
    ("九游", r"九游", "name"),
    ("米乐", r"米乐", "name"),
    ("天博", r"天博", "name"),
    ("欧宝", r"欧宝", "name"),
    ("尊龙", r"尊龙", "name"),
    ("万博", r"万博(?!会|览)", "name"),
    # common words and places: spam-shaped only with a strong suffix
    ("半岛", r"半岛", "word"),
    ("星空", r"星空", "word"),
    ("爱游戏", r"爱游戏", "word"),
    ("威尼斯人", r"威尼斯人", "word"),
    ("葡京", r"葡京", "word"),
    ("金沙", r"金沙", "word"),
    ("永利", r"永利", "word"),
    ("银河", r"银河", "word"),
    ("皇冠", r"皇冠", "word"),
    ("太阳城", r"太阳城", "word"),
    ("凯发", r"凯发", "word"),
    ("雷火", r"雷火", "word"),
    ("KY", r"(?<![a-z])KY(?![a-z])", "word"),
    ("hth", r"(?<![a-z])hth(?![a-z])", "word"),
    ("J9", r"(?<![a-z0-9])J9(?![a-z0-9])", "word"),
]

# Suffixes that make any brand spam-shaped: nobody writes 半岛官网 or 星空登录入口 in the news.
STRONG_SUFFIXES = [
    r"[(（]\s*(?:中国|China|kaiyun|ayx|hth|KY)\s*[)）]",
    r"官方网站", r"官网入口", r"官网", r"官方版", r"官方",
    r"网页版", r"网页", r"手机(?:版|端|app)?", r"客户端", r"通用版",
    r"登录入口", r"登陆入口", r"注册入口", r"入口", r"登录", r"登陆", r"注册",
    r"app下载", r"app", r"下载", r"最新网址", r"网址",
    r"ios", r"安卓",
    r"(?:(?:www\.)?[a-z0-9]+)?\.(?:com|cn|net|vip|app|cc|me|tv|top|xyz)(?![a-z])",
    # Latin aliases spam puts beside the Chinese brand: 开云kaiyun, 九游会J9, 华体会hth
    r"kaiyun", r"ayx", r"m6", r"ky(?![a-z])", r"j9(?![a-z0-9])", r"hth(?![a-z])", r"bob(?![a-z])",
]
# Suffixes that are ordinary words after a common noun (山东半岛体育, 星空平台).
WEAK_SUFFIXES = [r"体育", r"平台", r"娱乐场", r"娱乐城", r"娱乐", r"真人", r"电竞", r"在线", r"彩票", r"棋牌", r"电子", r"国际"]
# Separators spam uses inside a tag: 开云·(中国)官方网站, IOS/安卓通用版.
_JOIN = r"[·•・/|]?"

# Gambling vocabulary: a signal, never removed (anti-gambling articles use these words).
GAMBLING_TERMS = ["博彩", "娱乐平台", "百家乐", "真人荷官", "网上赌场", "线上赌场", "时时彩", "六合彩", "菠菜"]


def _lower_pattern(rx: str) -> str:
    """ASCII letters of a pattern in lower case (escapes like \\S left alone)."""
    return re.sub(r"(?<!\\)[A-Z]", lambda m: m.group().lower(), rx)


# Matching runs on an ASCII-lowercased copy of the text: same length, so positions
# carry over, and several times faster than re.IGNORECASE over this alternation.
_BRAND_RES = [re.compile(_lower_pattern(rx)) for _, rx, _ in BRANDS]
_STRONG_RE = re.compile(_lower_pattern("|".join(STRONG_SUFFIXES)))
_SUFFIX = "(?:" + _lower_pattern("|".join(STRONG_SUFFIXES + WEAK_SUFFIXES)) + ")"
# One flat alternation (no group per brand: capture groups make it slow); the brand
# is identified afterwards, only for the few matches there are.
SPAM_TAG_RE = re.compile(
    "(?P<brand>" + "|".join(_lower_pattern(rx) for _, rx, _ in BRANDS) + ")"
    + rf"(?P<chain>(?:{_JOIN}{_SUFFIX})*)(?P<close>\s*[)）】\]》])?"
)
_TERMS_RE = re.compile("|".join(map(re.escape, GAMBLING_TERMS)))


def _first_chars(pattern: re.Pattern) -> frozenset[str] | None:
    """Every character a match of `pattern` can start with; None if that cannot be told
    (a class like \\w or ., case folding, a pattern that can match nothing)."""
    from re import _constants as op, _parser  # CPython's own parser: the pattern as it is matched

    if pattern.flags & re.IGNORECASE:
        return None

    def first(items) -> tuple[set[int], bool] | None:  # (first characters, can be empty)
        chars: set[int] = set()
        for kind, arg in items:
            if kind in (op.ASSERT, op.ASSERT_NOT, op.AT):
                continue  # zero-width: the match starts at the next item
            if kind is op.LITERAL:
                return chars | {arg}, False
            if kind is op.IN:
                if any(k not in (op.LITERAL, op.RANGE) for k, _ in arg):
                    return None
                return chars | {c for k, a in arg for c in ((a,) if k is op.LITERAL else range(a[0], a[1] + 1))}, False
            if kind is op.SUBPATTERN:
                if arg[1] & re.IGNORECASE:
                    return None
                sub = first(arg[3])
            elif kind is op.BRANCH:
                subs = [first(alternative) for alternative in arg[1]]
                if any(sub is None for sub in subs):
                    return None
                sub = set().union(*(c for c, _ in subs)), any(empty for _, empty in subs)
            elif kind in (op.MAX_REPEAT, op.MIN_REPEAT):
                sub = first(arg[2])
                sub = sub and (sub[0], sub[1] or arg[0] == 0)
            else:
                return None
            if sub is None:
                return None
            chars |= sub[0]
            if not sub[1]:
                return chars, False
        return chars, True

    try:
        found = first(_parser.parse(pattern.pattern, pattern.flags))
    except (AttributeError, ImportError, re.error):
        return None
    if found is None or found[1]:
        return None
    return frozenset(map(chr, found[0]))


_TAG_START = _first_chars(SPAM_TAG_RE)
_TAG_START_RE = re.compile("[" + "".join(map(re.escape, sorted(_TAG_START))) + "]") if _TAG_START else None


def _tag_matches(lowered: str) -> list[re.Match]:
    """SPAM_TAG_RE.finditer's matches, trying the pattern only where a tag can start.

    The alternation of every brand tried at each position of the text cost a
    page more than all the rest of the spam step.
    """
    if _TAG_START_RE is None:
        return list(SPAM_TAG_RE.finditer(lowered))
    matches, pos = [], 0
    while True:
        start = _TAG_START_RE.search(lowered, pos)
        if start is None:
            return matches
        match = SPAM_TAG_RE.match(lowered, start.start())  # lookbehinds still see the text before it
        if match:
            matches.append(match)
            pos = match.end()  # never empty: no match starts with nothing (_first_chars)
        else:
            pos = start.start() + 1
_PAIRS = {"(": ")", "（": "）", "【": "】", "[": "]", "《": "》"}


def _classify(match: re.Match, lowered: str) -> tuple[str, str]:
    """(canonical brand, "definite" / "conditional" / "bare" / "none") for a candidate tag."""
    start, end = match.span("brand")
    index = next(i for i, rx in enumerate(_BRAND_RES) if (m := rx.match(lowered, start)) and m.end() == end)
    canonical, _, kind = BRANDS[index]
    chain = match.group("chain")
    if kind == "brand":
        return canonical, "definite"
    if chain and _STRONG_RE.search(chain):
        return canonical, "definite"
    if chain:
        return canonical, "definite" if kind == "name" else "conditional"
    return canonical, "bare" if kind == "name" else "none"


def _removal(match: re.Match, text: str, floor: int) -> tuple[int, int]:
    """The span to cut: the tag, with its brackets when they enclose only the tag."""
    start, end = match.start(), match.end()
    closing = match.group("close")
    opening = start - 1
    while opening >= floor and text[opening].isspace():
        opening -= 1
    if closing and opening >= floor and _PAIRS.get(text[opening]) == closing.strip():
        return opening, end
    if closing:  # a bracket closing something else: keep it
        return start, match.start("close")
    return start, end


def _scan(text: str, seen_definite: bool) -> tuple[str, list[str], int, bool]:
    lowered = _ascii_lower(text)
    matches = [(m, *_classify(m, lowered)) for m in _tag_matches(lowered)]
    definite = seen_definite or any(level == "definite" for _, _, level in matches)
    removable = {"definite"} | ({"conditional", "bare"} if definite else set())
    out, signals, count, pos = [], [], 0, 0
    for m, canonical, level in matches:
        if level not in removable:
            continue
        start, end = _removal(m, text, pos)
        out.append(text[pos:start])
        pos = end
        count += 1
        signals.append(canonical)
    out.append(text[pos:])
    return "".join(out), signals, count, definite


def _dedup(items: list[str]) -> list[str]:
    return list(dict.fromkeys(items))


EMPTY_BRACKETS_RE = re.compile(r"[(（【\[]\s*[·・•\-|/\s]*\s*[)）】\]]")


def remove_spam(text: str) -> tuple[str, list[str], int]:
    """Remove injected brand tags; return (text, signals, tags removed).

    Signals are the canonical brand names found, then `term:<word>` for gambling
    vocabulary (reported, not removed), deduplicated in order of appearance.
    """
    signals: list[str] = []
    total = 0
    definite = False
    # Repeat: removing a tag can join the halves of another (开开云体育云体育).
    while True:  # every pass that finds a tag shortens the text, so this ends
        text, found, count, definite = _scan(text, definite)
        signals += found
        total += count
        if not count:
            break
    if total:
        # What a removed tag leaves around it: "(·)", "（）".
        text = EMPTY_BRACKETS_RE.sub("", text)
    signals += ["term:" + t for t in _TERMS_RE.findall(text)]
    return text, _dedup(signals), total


# Title segment separators: 开云网页版登录入口-中央教育..., ...|开云(中国)官方网站.
# A hyphen between digits (2021-2022) is not a separator.
TITLE_SEPARATOR_RE = re.compile(r"(\s*(?:(?<!\d)-(?!\d)|[_|｜—–]+)\s*)")
_TITLE_STRIP = " -_|｜—–·•・:：/"
# A segment that keeps fewer CJK characters than this once its tag is gone was the
# clone's site name (开云体育(中国)官方网站·IOS/安卓通用版): drop all of it.
MIN_SEGMENT_CJK = 4
_CJK_RE = re.compile("[\u3400-\u9fff\uf900-\ufaff]")


def spam_title(title: str) -> tuple[str, list[str]]:
    """Remove brand tags from a title; return (title, signals)."""
    pieces = TITLE_SEPARATOR_RE.split(title)  # segment, separator, segment, ...
    signals: list[str] = []
    kept: list[str] = []
    for i in range(0, len(pieces), 2):
        cleaned, found, count = remove_spam(pieces[i])
        signals += [s for s in found if not s.startswith("term:")]
        if count and len(_CJK_RE.findall(cleaned)) < MIN_SEGMENT_CJK:
            continue
        if kept:
            kept.append(pieces[i - 1])
        kept.append(cleaned.strip(_TITLE_STRIP) if count else cleaned)
    if not signals:
        return title, []
    return "".join(kept).strip(_TITLE_STRIP), _dedup(signals)


# Weights of the spam score: brand tags are near-proof, hidden blocks weak evidence
# (many honest sites hide menus), gambling vocabulary weaker still.
BRAND_WEIGHT = 0.6
TERM_WEIGHT = 0.15
HIDDEN_BLOCK_WEIGHT = 0.05
HIDDEN_BLOCKS_CAP = 10


def spam_score(signals: list[str], hidden_blocks: int, text_len: int) -> float:
    """Likelihood in 0..1 that the page is a spam clone.

    Independent pieces of evidence combine as 1 - prod(1 - w). Signals weigh more
    on a short text (a tag in a 300-character page is a larger share of it).
    """
    brands = sum(1 for s in set(signals) if not s.startswith("term:"))
    terms = sum(1 for s in set(signals) if s.startswith("term:"))
    hidden = min(max(hidden_blocks, 0), HIDDEN_BLOCKS_CAP)
    # 1.0 for text of 2000+ characters, up to 1.5 for very short text.
    short_boost = 1.0 + 0.5 * max(0.0, 1.0 - max(text_len, 0) / 2000)
    keep = (1 - min(0.95, BRAND_WEIGHT * short_boost)) ** brands
    keep *= (1 - min(0.5, TERM_WEIGHT * short_boost)) ** terms
    keep *= (1 - HIDDEN_BLOCK_WEIGHT) ** hidden
    score = 1.0 - keep
    if math.isnan(score):
        return 0.0
    return round(min(1.0, max(0.0, score)), 3)
