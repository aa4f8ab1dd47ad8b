"""Scrub: line- and phrase-level rules for the boilerplate extraction lets through.

Every rule is anchored to a whole line (or to the end of one) and bounded in
length, so a boilerplate word inside a paragraph of real content never costs
the paragraph: "上一篇文章中我们提到..." and a sentence about 版权所有 stay.

A line goes when
- it matches one of the LINE_RULES in full (上一篇：..., 当前位置：..., Data map: ...);
- it holds only metadata fields (发布时间：... 浏览次数：..., 来源：教育部);
- it is short and made only of NAV_TOKENS (打印本页 | 关闭窗口, 文字〖大中小〗);
- it is a bare breadcrumb (首页 > 工作动态 > 详情) or a copyright/ICP footer.
Phrases go from inside a line: caption notes in brackets, a trailing
（责任编辑：张三） or 【打印】【关闭】.

Counts: `boilerplate_lines` and `captions`, one per line dropped or phrase removed.
"""

from __future__ import annotations

import re
from typing import NamedTuple

from .script import t2s_char_table


class Rule(NamedTuple):
    pattern: str  # must match the whole stripped line
    max_len: int  # longer lines are content, whatever they start with
    prose_ok: bool = False  # False: a line with sentence punctuation (。！？) is content


SENTENCE_END_RE = re.compile(r"[。！？!?]")
DATE = r"(?:\d{4}\s*[-/.年]\s*\d{1,2}\s*[-/.月]\s*\d{1,2}\s*日?|\d{1,2}/\d{1,2}/\d{4})(?:\s*\d{1,2}:\d{2}(?::\d{2})?)?"

BOILERPLATE_LINE_RULES: list[Rule] = [
    # previous / next article, with or without the linked title
    Rule(r"[【\[]?\s*[上下]一(?:篇|条|页|则|个)\s*[】\]]?\s*(?:[:：>»].*)?", 300, True),
    Rule(r"[上下]一(?:篇|条)\s+\S.{0,100}", 120),
    # breadcrumbs
    Rule(r"(?:当前位置|您的位置|你的位置|您现在的位置|你现在的位置|您当前的位置|当前的位置|所在位置|现在位置|位置导航)\s*[:：>»]?.*", 200),
    # link blocks
    Rule(r"(?:友情链接|相关链接|网站链接|友情连接)\s*(?:[:：].*|\s.*)?", 3000),
    # contact lines of the footer
    Rule(r"(?:网址|网站地址|网站网址|电子信箱|电子邮箱|电子邮件|邮箱|E-?mail|电话|联系电话|咨询电话|办公电话|值班电话|传真|地址|通讯地址|联系地址|邮编|邮政编码)\s*[:：].*", 160),
    # sharing, QR codes
    Rule(r"(?:分享到|分享至|转发到)\s*[:：]?.{0,40}|(?:分享|转发)\s*[:：].{0,40}", 50),
    Rule(r"(?:微信)?扫一扫.{0,30}", 40),
    Rule(r"(?:微信)?扫(?:描)?(?:二维)?码.{0,20}(?:关注|分享|阅读|打开|手机).{0,20}", 40),
    # "best viewed at 1024*768"
    Rule(r".{0,15}(?:建议|推荐|最佳).{0,60}(?:分辨率|浏览器).{0,60}", 120),
    Rule(r".{0,10}第\s*\d+\s*位(?:访客|访问者).{0,10}", 40),
    Rule(r"(?:您是|你是)?本站第\s*\d+\s*位.{0,10}", 40),
    # a time stamp of a headline list without its year: "[10:08] 01-11", "04/10 07:43"
    Rule(r"-?\s*(?:[\[(（]?\d{1,2}:\d{2}[\])）]?\s*\d{1,2}[-/]\d{1,2}|[\[(（]?\d{1,2}[-/]\d{1,2}[\])）]?\s+\d{1,2}:\d{2})", 20),
    # pagers of an article split over pages: 上一页 1 2 第2页 下一页 共3页
    Rule(r"(?:(?:上一页|下一页|上页|下页|首页|尾页|末页|第\s*\d+\s*页|共\s*\d+\s*页|\d{1,3}|[<>«»‹›]+|\.\.\.|…|\|)\s*){2,}", 80),
    # attachment links: the record lists them under `attachments`
    Rule(r"(?:相关)?附\s*件\s*\d{0,2}\s*[:：]?\s*.{0,120}?\.(?:pdf|docx?|xlsx?|pptx?|wps|et|ofd|zip|rar|7z|txt|csv)\s*(?:[(（][^)）]{0,20}[)）])?", 160),
    # disclaimers and reprint notices of portals
    Rule(r"[【\[(（]?\s*(?:免责声明|免責聲明|版权声明|版權聲明|特别声明|特別聲明)\s*[】\])）]?\s*[:：]?.{0,300}", 320, True),
    Rule(r"(?:调整字体|調整字體|字体大小|字體大小|字号)\s*[:：︰].{0,20}", 30),
    # a label line of the CMS: 文章标题：... (the title is metadata, not text)
    Rule(r"文章标题\s*[:：].{0,150}", 160),
    # editor lines, bracketed or not
    Rule(r"[\[【（(]?\s*(?:责任编辑|责编|编辑|审核|审校|校对|终审|初审|复审|核稿)\s*[:：].{0,40}", 60),
    Rule(r"[\[(]\s*(?:Editor|Editors|Editor in charge|Responsible editor|Edited by|Executive editor)\s*[:：].{0,60}[\])]", 80),
    Rule(r"(?:Editor in charge|Responsible editor|Executive editor)\s*[:：].{0,60}", 80),
    # inline ads: the label alone or before the pitch, and the close mark left on its own line
    Rule(r"(?:[【\[]\s*广告\s*[】\]]|广告)(?:\s*[×✕✖╳xX])?(?:(?:\s*[|｜:：]\s*|\s+|(?<=[】\]])).{1,60})?", 70),
    Rule(r"[×✕✖╳]", 1),
    # shopping and recruitment pitches between paragraphs
    Rule(r".{0,30}(?:立即购买|点击购买|马上抢购|限时抢购|限时优惠|限时特价|点击领取|立即领取|免费领取|立即下载|扫码下载|立即咨询|"
         r"在线咨询|立即抢购|领取优惠券|点击报名|立即报名|加盟热线|招商热线|高薪诚聘|诚聘英才).{0,30}", 60),
    # app prompts: 打开APP阅读全文, 下载客户端, 打开网易新闻 查看精彩图片
    Rule(r".{0,8}(?:打开|下载|安装|前往)\s*.{0,10}(?:APP|App|app|客户端)\s*.{0,20}", 40),
    Rule(r".{0,8}(?:用|在).{0,10}(?:APP|App|app|客户端)\s*(?:内)?(?:打开|阅读|查看|观看|看).{0,12}", 40),
    Rule(r"打开.{2,8}(?:新闻|视频)\s*(?:查看|看|阅读|观看).{0,12}", 30),
    Rule(r"(?:点击)?(?:展开全文|阅读全文|查看全文|余下全文|继续阅读|展开剩余\s*\d+\s*%?)\s*.{0,10}", 20),
    Rule(r".{0,20}(?:用|在)?手机(?:上)?(?:随时随地)?(?:看|阅读|浏览)(?:新闻|资讯|本文).{0,10}", 40),
    # the news portal's furniture: more-news headings, social-page pitches, reprint notices, rating widgets, tip lines
    Rule(r"(?:其他|更多|最新|热门)\s*.{0,6}(?:新闻|资讯|报道|报导)\s*[>»:：]*", 14),
    Rule(r".{0,120}(?:(?:加入|按赞|Like).{0,20}(?:粉丝团|专页|粉丝页)|(?:粉丝团|专页|粉丝页).{0,10}(?:按赞|Like)).{0,60}", 160, True),
    Rule(r"[(（]?.{0,20}未经(?:授权|许可|书面授权).{0,20}(?:不得|禁止)(?:转载|使用|复制|摘编).{0,10}[)）]?", 60, True),
    Rule(r"声明\s*[:：]?", 4),
    Rule(r"[•·\-\s]*凡(?:本网)?注明.{0,250}", 300, True),
    Rule(r".{0,120}(?:转载.{0,20}(?:目的在于传递更多信息|并不代表本(?:网|站))|不代表本(?:网|站)(?:赞同|的)?(?:其)?观点).{0,200}", 330, True),
    Rule(r"请您?对(?:该|本|此)?(?:文章|新闻)(?:进行)?(?:评分|打分)\s*[:：]?.{0,20}", 30),
    Rule(r"[/\s]*\d+\s*人已评.{0,10}", 20),
    Rule(r".{0,20}爆料.{0,60}", 80),
]

CAPTION_LINE_RULES: list[Rule] = [
    Rule(r"[(（]?\s*资料图(?:片)?\s*[)）]?(?:\s*[:：].*)?", 160, True),
    Rule(r"图为.{1,150}", 160, True),
    Rule(r"(?:图片|照片|配图|图|图源)", 5),
    Rule(r"(?:图片来源|图片来自|图源|图片提供|摄影|图/文|图文)\s*[:：/].{0,60}", 70, True),
    Rule(r"[(（]\s*(?:图片来源|图源|摄影|摄|图|图片|图文无关|图片与内容无关|图片由.{0,20}提供)\s*(?:[:：/].{0,60})?[)）]", 80, True),
    Rule(r".{0,30}(?:记者|通讯员|摄影师?)\s*\S{2,4}(?:\s*[、\s]\s*\S{2,4}){0,2}\s*摄[。.]?", 50, True),
    # machine-translated mirrors: 资料图 -> "Data map:", 图文无关 -> "(Image and text irrelevant)"
    Rule(r"(?:Data map|Data photo|Data picture|Data image|File photo|File picture|Profile picture|Profile photo|"
         r"Information photo|Information map|Material picture|Material map)\s*[:：].{0,250}", 300, True),
    Rule(r"\(?\s*(?:Images? and texts? (?:are )?irrelevant|Pictures? and texts? (?:are )?irrelevant|"
         r"The picture has nothing to do with the text|Picture is not related to the text)\s*\)?"
         r"(?:\s*Photo by\b.{0,120})?", 200, True),
    Rule(r"Photo by\b.{0,120}", 140, True),
    Rule(r"(?:Photo|Picture|Image)s?\s*/\s*\S.{0,80}", 100),
    Rule(r"(?:Photo|Picture|Image) (?:source|credit)s?\s*[:：].{0,80}", 100),
    Rule(r"[(\[]\s*(?:Photo|Picture|Image)s?\s*(?:/|by|:)\s*[^)\]]{1,80}[)\]]", 100),
    # 示意图 / 记者某某摄, machine-translated
    Rule(r"(?:Schematic diagram|Schematic|Illustration)\s*[:：].{0,200}", 220, True),
    Rule(r".{0,60}\b(?:reporter|correspondent|photographer)\s+\S+(?:\s+\S+){0,2}\s+(?:photo|photographed|shot)\.?", 110),
]

# Loose English rules: only for English text, where "Source:" on its own line is a credit.
EN_BOILERPLATE_LINE_RULES: list[Rule] = [
    Rule(r"(?:Editor|Editors|Edited by)\s*[:：][^.]{0,60}", 70),
    Rule(r"(?:Previous|Next)(?: article| post| page| story)?\s*[:：].{0,150}", 170, True),
    Rule(r"(?:Copyright|©).{0,150}", 160),
]
EN_CAPTION_LINE_RULES: list[Rule] = [
    Rule(r"Source\s*[:：]\s*[^.!?]{1,80}\.?", 100),
]

# Footer lines: a short, sentence-free line with one of these markers is the footer.
FOOTER_MARKERS = [
    r"版权所有", r"Copyright", r"©", r"\(c\)\s*\d{4}", r"All rights reserved", r"ICP\s*[备证]", r"公网安备",
    r"网站标识码", r"技术支持\s*[:：]", r"通用网址注册", r"建议使用.{0,10}浏览器", r"未经.{0,10}(?:许可|授权).{0,10}不得",
]
FOOTER_MAX_LEN = 200

# Navigation words and widgets: a short line made only of these (and separators) goes.
NAV_TOKENS = [
    r"打印本页", r"打印此页", r"打印文章", r"打印", r"关闭窗口", r"关闭本页", r"关闭",
    r"复制地址", r"复制链接", r"复制网址", r"复制本页链接", r"加入收藏", r"收藏本页", r"收藏本文", r"收藏",
    r"设为首页", r"返回顶部", r"返回首页", r"返回列表", r"返回", r"顶部",
    r"字体\s*[:：]?", r"字号\s*[:：]?", r"文字", r"大\s*中\s*小", r"默认",
    r"自动滚屏(?:\s*[(（]\s*右键暂停\s*[)）])?", r"推荐给好友", r"告诉好友", r"我要纠错", r"纠错", r"保存",
    r"首页", r"正文", r"联系我们", r"网站地图", r"更多(?:内容|信息)?", r"查看更多", r"查看详情", r"网上报名",
    r"今日导读", r"热门文章", r"栏目热点", r"站长推荐", r"相关文章", r"相关阅读", r"相关新闻", r"推荐阅读",
    r"热点推荐", r"最新文章", r"最新更新", r"微信公众平台", r"微信公众号", r"官方微信", r"官方微博", r"手机版",
    r"站内文章搜索", r"站内搜索", r"信息搜索", r"按文章", r"标题", r"内容", r"搜索",
    # comment and share widgets, hot lists
    r"举报", r"回复", r"点赞", r"赞\s*[(（]?\d*[)）]?", r"踩", r"收起", r"展开", r"评论\s*[(（]?\d*[)）]?", r"关注",
    r"查看更多评论", r"加载更多", r"分享工具", r"分享", r"微信", r"微博", r"QQ空间", r"朋友圈", r"QQ", r"复制链接",
    r"热榜", r"热搜榜?", r"24小时热[文闻点]", r"大家都在看", r"为你推荐", r"编辑推荐", r"热门视频", r"精彩图片", r"热点精选",
    r"快资讯", r"新闻排行", r"今日热点", r"\d+\s*小时(?:点击|热门|热点|阅读)?(?:排行榜?|热文|热闻)",
    r"(?<![a-z])(?:print|close|share|back to top|top|more|home|previous|next)(?![a-z])",
]
NAV_LINE_MAX_LEN = 40
# What may sit between NAV_TOKENS on a navigation line.
NAV_SEPARATORS = r"[\s|｜/\\·•>＞»→\-—_:：,，、\[\]【】〖〗()（）〔〕<.…。]"

# Metadata fields: a line holding only `label: value` pairs (and maybe a date) goes.
METADATA_LABELS = [
    "发布时间", "发布日期", "发表时间", "发表日期", "更新时间", "更新日期", "录入时间", "添加时间", "上传时间", "发稿时间",
    "信息来源", "文章来源", "稿件来源", "新闻来源", "来源", "稿源", "出处",
    "作者", "撰稿人", "撰稿", "供稿单位", "供稿", "发布者", "发布人", "发布单位", "发布部门", "发布机构", "录入者", "录入",
    "责任编辑", "责编", "编辑", "审核人", "审核", "审稿", "审校", "终审", "初审", "复审", "校对", "核稿", "摄影",
    "浏览次数", "浏览量", "浏览", "阅读次数", "阅读量", "阅读数", "阅读", "点击次数", "点击数", "点击量", "点击率", "点击",
    "访问量", "访问次数", "人气",
]
# Alone these are content ("时间：5月10日" in a meeting notice); beside a METADATA_LABEL they are metadata.
WEAK_METADATA_LABELS = ["日期", "时间", "字号"]
METADATA_LINE_MAX_LEN = 150
METADATA_VALUE_MAX_LEN = 40

# Phrases removed from inside a line.
CAPTION_PHRASES = [
    r"[(（]\s*(?:图片来源|图片来自|图源|摄影|摄|图|图片|图文无关|图片与内容无关|资料图片?)\s*(?:[:：/][^()（）]{0,40})?[)）]",
    r"\(\s*(?:Images? and texts? (?:are )?irrelevant|Pictures? and texts? (?:are )?irrelevant)\s*\)",
    r"\(\s*Photo (?:by|/)[^()]{1,80}\)",
]
# Only at the end of a line: 点击【关闭】按钮 inside a sentence is an instruction.
BOILERPLATE_TAIL_PHRASES = [
    r"(?:\s*[【\[]\s*(?:打印(?:本页|此页|文章)?|关闭(?:窗口|本页)?|收藏|返回(?:顶部|首页)?|加入收藏|分享|复制(?:地址|链接)|"
    r"告诉好友|字体\s*[:：]?\s*大\s*中\s*小|大\s*中\s*小)\s*[】\]])+",
    r"[(（\[【]\s*(?:责任编辑|责编|编辑)\s*[:：][^()（）\[\]【】]{1,20}[)）\]】]",
    r"\[\s*(?:Editor|Editor in charge|Responsible editor)\s*[:：][^\[\]]{1,40}\]",
]

_IGNORECASE = re.IGNORECASE

# Traditional forms of every character the rules use: scrub runs before the script
# step, and injected pages write 電話, 來源, 站長推荐. Character for character, so
# match positions in the folded line are positions in the original.
_RULE_CHARS = frozenset("".join(
    [r.pattern for r in BOILERPLATE_LINE_RULES + CAPTION_LINE_RULES + EN_BOILERPLATE_LINE_RULES + EN_CAPTION_LINE_RULES]
    + FOOTER_MARKERS + NAV_TOKENS + METADATA_LABELS + WEAK_METADATA_LABELS + CAPTION_PHRASES + BOILERPLATE_TAIL_PHRASES
))
FOLD = str.maketrans({t: s for t, s in t2s_char_table().items() if s in _RULE_CHARS})


def _compile_rules(rules: list[Rule]) -> list[tuple[re.Pattern, int, bool]]:
    return [(re.compile(r.pattern, _IGNORECASE), r.max_len, r.prose_ok) for r in rules]


_ZH_RULES = {
    "boilerplate_lines": _compile_rules(BOILERPLATE_LINE_RULES),
    "captions": _compile_rules(CAPTION_LINE_RULES),
}
_EN_RULES = {
    "boilerplate_lines": _compile_rules(EN_BOILERPLATE_LINE_RULES),
    "captions": _compile_rules(EN_CAPTION_LINE_RULES),
}
_FOOTER_RE = re.compile("|".join(FOOTER_MARKERS), _IGNORECASE)
_NAV_RE = re.compile("|".join(NAV_TOKENS), _IGNORECASE)
_NAV_SEP_RE = re.compile(NAV_SEPARATORS + "+")
_LABEL_RE = re.compile(
    "(" + "|".join(sorted(METADATA_LABELS + WEAK_METADATA_LABELS, key=len, reverse=True)) + r")\s*[:：]"
)
_STRONG_LABELS = frozenset(METADATA_LABELS)
_META_PREFIX_RE = re.compile(rf"[\s\[【(（]*(?:{DATE})?[\s|｜]*")
_VALUE_TRIM = " \t|｜/,，;；[]【】()（）"
_CAPTION_PHRASE_RE = re.compile("|".join(CAPTION_PHRASES), _IGNORECASE)
# A run of tail phrases in any order: 【打印】 （责任编辑：张三）【关闭】.
_TAIL_RE = re.compile(r"(?:\s*(?:" + "|".join(BOILERPLATE_TAIL_PHRASES) + r"))+\s*$", _IGNORECASE)
_BREADCRUMB_SPLIT_RE = re.compile(r"\s*(?:>|＞|»|→|>>)\s*")
_HOME_RE = re.compile(r"首页|主页|home", _IGNORECASE)


def _line_rule(folded: str, rules: dict) -> str | None:
    has_sentence = bool(SENTENCE_END_RE.search(folded))
    for key, compiled in rules.items():
        for regex, max_len, prose_ok in compiled:
            if len(folded) <= max_len and (prose_ok or not has_sentence) and regex.fullmatch(folded):
                return key
    return None


def is_metadata_line(folded: str) -> bool:
    """Only `label: value` fields, maybe after a date: 2021-01-08 15:31:39作者:佚名来源:教育部."""
    if len(folded) > METADATA_LINE_MAX_LEN or SENTENCE_END_RE.search(folded):
        return False
    labels = list(_LABEL_RE.finditer(folded))
    if not labels or not any(m.group(1) in _STRONG_LABELS for m in labels):
        return False
    if not _META_PREFIX_RE.fullmatch(folded[: labels[0].start()]):
        return False
    for m, nxt in zip(labels, labels[1:] + [None]):
        value = folded[m.end(): nxt.start() if nxt else len(folded)].strip(_VALUE_TRIM)
        if len(value) > METADATA_VALUE_MAX_LEN:
            return False
    return True


def _is_nav_line(folded: str) -> bool:
    if len(folded) > NAV_LINE_MAX_LEN:
        return False
    return not _NAV_SEP_RE.sub("", _NAV_RE.sub("", folded))


def _is_breadcrumb(folded: str) -> bool:
    """首页 > 工作动态 > 详情: starts at the home page, short segments."""
    if len(folded) > 80 or not _HOME_RE.search(folded):
        return False
    parts = [p for p in _BREADCRUMB_SPLIT_RE.split(folded) if p]
    return len(parts) >= 2 and _HOME_RE.search(parts[0]) is not None and all(len(p) <= 16 for p in parts)


def _is_footer(folded: str) -> bool:
    return len(folded) <= FOOTER_MAX_LEN and not SENTENCE_END_RE.search(folded) and bool(_FOOTER_RE.search(folded))


def _classify_line(folded: str, rules: dict) -> str | None:
    """The count key a whole line is dropped under, or None to keep it."""
    key = _line_rule(folded, rules)
    if key:
        return key
    if is_metadata_line(folded) or _is_nav_line(folded) or _is_breadcrumb(folded) or _is_footer(folded):
        return "boilerplate_lines"
    return None


def _remove_phrases_once(line: str, counts: dict[str, int]) -> str:
    folded = line.translate(FOLD)
    spans = [(m.start(), m.end(), "captions") for m in _CAPTION_PHRASE_RE.finditer(folded)]
    tail = _TAIL_RE.search(folded)
    if tail and not any(s < tail.end() and tail.start() < e for s, e, _ in spans):
        spans.append((tail.start(), tail.end(), "boilerplate_lines"))
    if not spans:
        return line
    out, pos = [], 0
    for start, end, key in sorted(spans):
        out.append(line[pos:start])
        pos = end
        counts[key] += 1
        if out[-1][-1:].isspace() and line[pos:pos + 1].isspace():  # "a (note) b" -> "a b"
            out[-1] = out[-1].rstrip()
    out.append(line[pos:])
    return "".join(out).strip()


def _remove_phrases(line: str) -> tuple[str, dict[str, int]]:
    counts = {"boilerplate_lines": 0, "captions": 0}
    while True:  # a removal can close up another phrase: (图(图)片)
        cleaned = _remove_phrases_once(line, counts)
        if cleaned == line:
            return line, counts
        line = cleaned


def scrub_boilerplate(text: str, lang: str = "zh") -> tuple[str, dict[str, int]]:
    """Drop boilerplate lines and phrases; return (text, {"boilerplate_lines": n, "captions": n})."""
    rules = dict(_ZH_RULES)
    if (lang or "").lower().startswith("en"):
        rules = {k: rules[k] + _EN_RULES[k] for k in rules}
    counts = {"boilerplate_lines": 0, "captions": 0}
    kept = []
    lines = text.split("\n")
    judged = _judge_prose_lines(lines, rules)
    for line in lines:
        stripped = line.strip()
        if not stripped:
            kept.append(line)
            continue
        key = judged[stripped] if stripped in judged else _classify_line(stripped.translate(FOLD), rules)
        if key:
            counts[key] += 1
            continue
        cleaned, phrase_counts = _remove_phrases(stripped)
        if cleaned == stripped:
            kept.append(line)
            continue
        key = _classify_line(cleaned.translate(FOLD), rules) if cleaned else None
        if not cleaned or key:
            # One line, one count: under the rule that dropped it, or the first phrase's.
            key = key or max(phrase_counts, key=phrase_counts.get)
            counts[key] += 1
            continue
        for k, n in phrase_counts.items():
            counts[k] += n
        kept.append(cleaned)
    kept, n = _drop_trailing_headline_list(kept)
    counts["boilerplate_lines"] += n
    return "\n".join(kept), counts


# Line rules are judged like every removal: those that may take a line of
# prose (上一篇：..., 图为..., a disclaimer) may not take most of the text's prose
# together. When they would, the prose lines stay: a rule has met an article it
# was not written for.
MAX_PROSE_TAKEN = 0.5
MIN_PROSE_JUDGED = 100  # characters of prose below which the text is furniture anyway


def _judge_prose_lines(lines: list[str], rules: dict) -> dict[str, str | None]:
    """Prose line -> the count key it is dropped under, or None to keep it."""
    judged: dict[str, str | None] = {}
    prose = taken = 0
    for line in lines:
        stripped = line.strip()
        if not SENTENCE_END_RE.search(stripped):
            continue
        key = judged[stripped] = _classify_line(stripped.translate(FOLD), rules)
        prose += len(stripped)
        taken += len(stripped) if key else 0
    if prose >= MIN_PROSE_JUDGED and taken > MAX_PROSE_TAKEN * prose:
        return dict.fromkeys(judged)  # every prose line stays
    return judged


# The extractor renders list items as "- item". A run of them at the very end of
# the text, short and without sentence punctuation, is a list of other articles'
# headlines (related news, rankings) that stood inside the article's container.
HEADLINE_ITEM_RE = re.compile(r"^-\s+\S")
HEADLINE_ITEM_MAX_LEN = 40
HEADLINE_LIST_MIN_ITEMS = 3


def _drop_trailing_headline_list(lines: list[str]) -> tuple[list[str], int]:
    end = len(lines)
    while end and not lines[end - 1].strip():
        end -= 1
    start = end
    while start and _is_headline_item(lines[start - 1]):
        start -= 1
    if end - start >= HEADLINE_LIST_MIN_ITEMS and start > 0:
        return lines[:start], end - start
    return lines, 0


def _is_headline_item(line: str) -> bool:
    line = line.strip()
    return (bool(HEADLINE_ITEM_RE.match(line)) and len(line) <= HEADLINE_ITEM_MAX_LEN
            and not SENTENCE_END_RE.search(line))
