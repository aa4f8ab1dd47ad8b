"""Sidebar headings: the cheap first-character test before text_content() drops no heading."""

from __future__ import annotations

import pytest

from cleaners.htmltree import parse_html
from cleaners.profiles import SIDEBAR_HEADING_PATTERN
from cleaners.prune import HEADING_MAX_CHARS, WS, _sidebar_container, _sidebars, _text_stats

LINKS = "".join(f'<li><a href="/n{i}.html">第{i}条新闻的标题文字</a></li>' for i in range(6))
ARTICLE = "<div class='art'><p>" + "正文内容，讲述教育工作的进展。" * 40 + "</p></div>"


def reference_sidebars(stats, total):
    """The test without the shortcut: every short element's whole text against the pattern."""
    found = []
    for el in stats:
        own = (el.text or "").strip()
        if not own or len(own) > HEADING_MAX_CHARS or stats[el][0] > 40:
            continue
        if SIDEBAR_HEADING_PATTERN.match(WS.sub("", el.text_content())):
            container = _sidebar_container(el, stats, total)
            if container is not None:
                found.append(container)
    return found


@pytest.mark.parametrize("heading", [
    "<h3>相关文章</h3>", "<h3>【<b>相关</b>文章】</h3>", "<h3>· 热门 推荐 更多&gt;&gt;</h3>",
    "<h3>RELATED news</h3>", "<h3>Related <span>Articles</span></h3>", "<h3>【</h3>",
    "<h3>- | 24小时热文</h3>", "<h3>\u3000延伸閱讀：</h3>", "<h3>栏目热点 more</h3>", "<h3>不是标题</h3>",
])
def test_shortcut_finds_what_the_full_test_finds(heading):
    root = parse_html(f"<html><body>{ARTICLE}<div class='side'>{heading}<ul>{LINKS}</ul></div></body></html>")
    body = root.find("body")
    stats = _text_stats(body)
    total = stats[body][0]
    assert _sidebars(stats, total) == reference_sidebars(stats, total)


def test_sidebar_under_a_split_heading_is_found():
    root = parse_html(f"<html><body>{ARTICLE}<div class='side'><h3>【<b>相关</b>文章】</h3><ul>{LINKS}</ul></div>"
                      "</body></html>")
    body = root.find("body")
    stats = _text_stats(body)
    found = _sidebars(stats, stats[body][0])
    assert [el.get("class") for el in found] == ["side"]
