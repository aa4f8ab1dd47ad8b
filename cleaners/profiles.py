"""Site-type profiles: how each CMS family is recognised and what to prune.

Rules are declarative (UPPER_CASE lists). A profile names the containers its
CMS family puts the article in and the blocks it wraps around it; `generic`
holds what every family shares, and the others add to it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import urlsplit

from .asciicase import AsciiIgnoreCase

SITE_TYPES = ("provincial_portal", "quality_education", "university_party", "mirror", "generic")

# Containers that Chinese CMS families (VSB, TRS WCM, PowerEasy, JCMS/UCAP,
# DedeCMS, PHPCMS, WordPress, the big news portals) put the article body in, by
# id and by class token, best first. The first one that holds enough text is
# where extraction runs.
CONTENT_IDS = ("vsb_content", "vsb_content_2", "vsb_content_4", "vsb_content_6", "zoom", "Zoom", "fontzoom",
               "Fontzoom", "fontZoom", "UCAP-CONTENT", "ucap-content", "ArticleContent", "articleContent",
               "article_content", "artibody", "endText", "contentText", "Cnt-Main-Article-QQ", "main_content",
               "p_content", "news_content", "newsContent", "NewsContent", "text_content", "BodyLabel")
CONTENT_CLASSES = ("v_news_content", "TRS_Editor", "TRS_UEDITOR", "wp_articlecontent", "article-content",
                   "article_content", "news_content", "entry-content", "art_con", "content_text")


# Headings of the link lists CMS templates put beside an article: the block a
# heading introduces is navigation, never content.
SIDEBAR_HEADINGS = frozenset("""栏目热点 站长推荐 站長推荐 今日导读 热门文章 热点文章 相关文章 相关阅读 相关新闻 相关链接 推荐阅读 最新文章
最新动态 最新更新 热点新闻 热门新闻 热门推荐 图片新闻 友情链接 猜你喜欢 点击排行 阅读排行 精彩推荐 延伸阅读
栏目导航 网站导航 快速导航 专题专栏 热门标签 热点推荐 推荐文章 相关推荐 排行榜 热门排行 更多新闻
相關新聞 熱門新聞 相關文章 熱門文章 延伸閱讀 推薦閱讀 熱門排行 最新新聞
热榜 热搜 热搜榜 24小时热文 24小时热闻 24小时排行 大家都在看 为你推荐 编辑推荐 热门视频 热点排行 今日热点 热点精选
精选推荐 热门阅读 新闻排行 图片推荐 快资讯 推荐视频 热门专题
Related Popular Trending Recommended""".split())
SIDEBAR_HEADING_PATTERN = re.compile(
    r"^[\s·•\-|【\[〖]*(?:" + "|".join(sorted(SIDEBAR_HEADINGS, key=len, reverse=True))
    + r")(?:\s*(?:articles|posts|stories|news))?[\s:：】\]〗>»更多\.…]*(?:more)?$", re.I)

# Breadcrumb trails: a short block starting with one of these.
BREADCRUMB_PATTERN = re.compile(r"^\s*(?:当前位置|您的位置|你的位置|您现在的位置|你现在的位置|所在位置|当前位置是|位置)\s*[:：]")

# Markers of each CMS family: words a reader sees on the page (searched in the
# visible text) and traces its templates leave in the markup (plain substrings).
FAMILY_TEXT_MARKERS = {
    "quality_education": re.compile(r"今日导读|自动滚屏|文字\s*〖|〖\s*大\s*中\s*小\s*〗|素质教育"),
    "university_party": re.compile(r"党委组织部|组织部|党委宣传部|纪委|统战|党建|【转载学习】|清廉|师德师风|党员发展"),
    "provincial_portal": re.compile(r"栏目热点|站[长長]推荐|教育厅|教育局|教育科研|省教育|人民政府"),
}
FAMILY_MARKUP_MARKERS = {
    "quality_education": ("ShowArticle.asp", "ShowClass.asp", "PowerEasy", "fontzoom"),
    "university_party": ("vsb_content", "v_news_content", "_newscontent_fromname", "wp_articlecontent"),
    "provincial_portal": ("TRS_Editor", "<ruby", "UCAP-CONTENT", "/art/", "ucap"),
}
SPAM_MARKERS = AsciiIgnoreCase(
    r"开云|kaiyun|乐鱼|华体会|亚博|九游|米乐|必威|bet365|威尼斯人|新葡京|博彩|AG真人|皇冠体育|"
    r"登录入口|官方网站入口|app下载|体育官网|娱乐官网")
MACHINE_TRANSLATION_MARKERS = AsciiIgnoreCase(
    r"Data map:|Image and text irrelevant|China News Service|China News Agency|Chinanews|"
    r"According to the website of the Ministry of Education|Xinhua News Agency")
# How much of the page recognition reads: markers sit in the template, near the top.
MARKUP_SAMPLE = 120_000
TEXT_SAMPLE = 20_000


@dataclass(frozen=True)
class Profile:
    name: str
    content_xpaths: tuple[str, ...] = ()  # tried before the shared CONTENT_IDS / CONTENT_CLASSES
    prune_xpaths: tuple[str, ...] = ()


PROFILES: dict[str, Profile] = {
    "generic": Profile("generic"),
    "provincial_portal": Profile(
        "provincial_portal",
        prune_xpaths=(
            # TRS/JCMS pagers and share bars around the article
            "//*[contains(@class, 'page') and (contains(., '下一页') or contains(., '尾页'))]",
        )),
    "quality_education": Profile(
        "quality_education",
        prune_xpaths=(
            # PowerEasy search box and its widgets (matched by the form itself: its
            # inputs are gone by now, prune.drop_invisible removes them first)
            "//form[contains(translate(@action, 'SEARCH', 'search'), 'search')"
            " or contains(translate(@name, 'SEARCH', 'search'), 'search')]",
        )),
    "university_party": Profile(
        "university_party",
        prune_xpaths=(
            # VSB prev/next block and its menus
            "//*[contains(@class, 'nextpage') or contains(@class, 'prenext') or contains(@id, 'prenext')]",
        )),
    "mirror": Profile("mirror"),
}


def detect_site_type(raw_html: str, page_text: str, url: str, lang: str) -> str:
    """Recognise the site type from the page itself (used when the caller gives none)."""
    text = page_text[:TEXT_SAMPLE]
    markup = raw_html[:MARKUP_SAMPLE]
    if len(SPAM_MARKERS.findall(text)) + len(SPAM_MARKERS.findall(raw_html[:4000])) >= 3:
        return "mirror"
    if lang == "en" and MACHINE_TRANSLATION_MARKERS.search(text):
        return "mirror"
    host = (urlsplit(url).hostname or "").lower()
    scores = {name: len(rx.findall(text)) + 2 * sum(m in markup for m in FAMILY_MARKUP_MARKERS[name])
              for name, rx in FAMILY_TEXT_MARKERS.items()}
    if host.endswith(".edu.cn") and scores["university_party"]:
        scores["university_party"] += 2
    if host.endswith(".gov.cn"):
        scores["provincial_portal"] += 2
    best = max(scores, key=scores.get)
    return best if scores[best] >= 2 else "generic"
