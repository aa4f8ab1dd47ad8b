"""cleaners.metadata and cleaners.dates: table-driven cases, robustness, and an optional bench report."""

from __future__ import annotations

import json
from pathlib import Path

import lxml.html
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cleaners import dates
from cleaners.htmltree import visible_text
from cleaners.metadata import Metadata, extract_metadata, strip_site_suffix

CASES = Path(__file__).parent / "cases" / "metadata"
BENCH = Path(__file__).resolve().parents[2] / ".." / "shared" / "bench" / "zh"

DATE_CASES = json.loads((CASES / "dates.json").read_text(encoding="utf-8"))
FIELD_CASES = json.loads((CASES / "fields.json").read_text(encoding="utf-8"))


def _ids(cases):
    return [c["label"] for c in cases]


@pytest.mark.parametrize("case", DATE_CASES, ids=_ids(DATE_CASES))
def test_dates(case):
    kind = case.get("kind", "parse")
    if kind == "url":
        assert dates.to_iso(dates.date_from_url(case["input"])) == case["expected"]
    elif kind == "text":
        found = [dates.to_iso(m.value) for m in dates.find_dates_in_text(case["input"])]
        assert found == case["expected"]
    else:
        assert dates.to_iso(dates.parse_date(case["input"])) == case["expected"]


def _extract(html: str, url: str, date_format: str | None = None) -> Metadata:
    tree = lxml.html.document_fromstring(html)
    return extract_metadata(tree, visible_text(tree), url, date_format=date_format)


@pytest.mark.parametrize("case", FIELD_CASES, ids=_ids(FIELD_CASES))
def test_fields(case):
    md = _extract(case["html"], case["url"], case.get("date_format"))
    for name, expected in case["expected"].items():
        got = getattr(md, name)
        if name == "attachments":
            got = [a.to_dict() for a in got]
        assert got == expected, f"{name}: {got!r} != {expected!r}"
    for name, expected in case.get("expected_sources", {}).items():  # which rule gave the value
        assert md.sources.get(name) == expected, f"source of {name}: {md.sources.get(name)!r} != {expected!r}"


def test_tree_is_not_modified():
    html = FIELD_CASES[0]["html"]
    tree = lxml.html.document_fromstring(html)
    before = lxml.html.tostring(tree)
    extract_metadata(tree, visible_text(tree), FIELD_CASES[0]["url"])
    assert lxml.html.tostring(tree) == before


def test_page_text_may_be_empty():
    tree = lxml.html.document_fromstring(FIELD_CASES[0]["html"])
    assert extract_metadata(tree, "", FIELD_CASES[0]["url"]).published_at == "2021-02-13T00:00:00+08:00"


@pytest.mark.parametrize("title, expected", [
    ("教育强国建设规划纲要(2024—2035年)", "教育强国建设规划纲要(2024—2035年)"),
    ("2024年全国教育工作会议闭幕--国家素质教育网", "2024年全国教育工作会议闭幕"),
    ("内蒙古确保两节前农牧民工工资基本无拖欠_要闻_正北方网（原北方新闻网）", "内蒙古确保两节前农牧民工工资基本无拖欠"),
    ("环渤海动力煤价格指数（12月14日）_滚动新闻_新浪财经_新浪网", "环渤海动力煤价格指数（12月14日）"),
    ("你有職業病嗎：“脊椎病、鼠標手”的七大徵兆 | 新華網重慶頻道", "你有職業病嗎：“脊椎病、鼠標手”的七大徵兆"),
    ("COVID-19疫情下的在线教育 - 中国教育新闻网", "COVID-19疫情下的在线教育"),
    ("图说洛阳| 洛阳职业技术学院：剪“廉洁窗花” 过廉洁之年", "图说洛阳| 洛阳职业技术学院：剪“廉洁窗花” 过廉洁之年"),
])
def test_strip_site_suffix(title, expected):
    assert strip_site_suffix(title)[0] == expected


@pytest.mark.parametrize("tree", [
    None, "", 42, lxml.html.fromstring("<p>x</p>"), lxml.html.fromstring("<title>t</title>"),
    lxml.html.document_fromstring("<html><!-- c --><body><a>附件</a><a href='x.pdf'></a></body></html>"),
])
def test_odd_inputs_never_raise(tree):
    md = extract_metadata(tree, "", "not a url")
    assert isinstance(md, Metadata)


_TAGS = st.sampled_from(["div", "p", "td", "h1", "h2", "title", "span", "a", "meta", "time", "base", "link",
                         "table", "br"])
_ATTRS = st.sampled_from([
    "", ' class="title"', ' href="附件.pdf"', ' href="javascript:;"', ' href="http://[::1"',
    ' name="PubDate" content="2021-13-45 99:99"', ' property="og:title" content="标题--网"',
    ' rel="canonical" href="//x"', ' datetime="2021-01-08T25:00:00+99:00"', ' href="%zz.doc"',
])
_TEXTS = st.one_of(
    st.text(max_size=40),
    st.sampled_from(["发布时间:", "2/13/2021", "来源:", "作者:佚名", "【转载】", "_网", "二〇二一年一月八日",
                     "责任编辑：", "文章标题:", "0531-82076188", "2021-01-08 15:31:39", "By ", "|", "——"]),
)


@st.composite
def _html(draw):
    parts = ["<html><head>"]
    for _ in range(draw(st.integers(0, 25))):
        tag = draw(_TAGS)
        parts.append(f"<{tag}{draw(_ATTRS)}>{draw(_TEXTS)}")
        if draw(st.booleans()):
            parts.append(f"</{tag}>")
    return "".join(parts)


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(html=_html(), text=_TEXTS,
       url=st.sampled_from(["", "http://x.cn/2021/01/08/a.html", "http://[bad", "ftp://x"]))
def test_never_raises_on_arbitrary_html(html, text, url):
    try:
        tree = lxml.html.document_fromstring(html)
    except Exception:  # noqa: BLE001 - lxml refuses some inputs; the pipeline turns those into ParseError
        return
    md = extract_metadata(tree, text, url)
    assert isinstance(md, Metadata)
    if md.published_at is not None:
        assert dates.parse_date(md.published_at) is not None


def test_bench_title_accuracy():
    """Report (not gate) title accuracy on the dev bench headlines, when the bench is present."""
    manifest = BENCH / "manifest.json"
    if not manifest.exists():
        pytest.skip("bench not present")
    from cleaners.encoding import decode_body

    pages = [p for p in json.loads(manifest.read_text(encoding="utf-8"))["pages"] if p.get("title")]
    exact = close = 0
    for page in pages:
        body = (BENCH / page["html"]).read_bytes()
        html, _ = decode_body(body, None)
        try:
            tree = lxml.html.document_fromstring(html)
        except Exception:  # noqa: BLE001
            continue
        title = extract_metadata(tree, visible_text(tree), page.get("url") or "").title or ""
        norm_got, norm_want = "".join(title.split()), "".join(page["title"].split())
        exact += norm_got == norm_want
        close += bool(norm_got) and (norm_got in norm_want or norm_want in norm_got)
    print(f"\nbench titles: {exact}/{len(pages)} exact, {close}/{len(pages)} containment")
    assert pages


@pytest.mark.parametrize("text, fmt, expected", [
    ("发布 : 2021.1.8 10:30 浏览", "%Y.%m.%d %H:%M", "2021-01-08T10:30:00+08:00"),
    ("Posted 08|01|2021 by staff", "%d|%m|%Y", "2021-01-08T00:00:00+08:00"),
    ("date 2021-01-08T10:30:00+0100", "%Y-%m-%dT%H:%M:%S%z", "2021-01-08T10:30:00+01:00"),
    ("电话 0531.8207.6188", "%Y.%m.%d", None),  # digits in the shape, but no real date
    ("2099.1.8", "%Y.%m.%d", None),  # the future is not a publication date
    ("2021年1月8日", "%Y年%m月%d日 %A", None),  # a directive we do not read: the common forms decide
])
def test_find_date_with_format(text, fmt, expected):
    found = dates.find_date_with_format(text, fmt)
    assert (dates.to_iso(found.value) if found else None) == expected


def test_ambiguous_month_day_keeps_the_other_reading():
    found = dates.find_dates_in_text("发表时间： 06/02/2022 - 13:48")[0]
    assert dates.to_iso(found.value) == "2022-06-02T13:48:00+08:00"  # M/D/Y, as the seed portal prints
    assert dates.to_iso(found.swapped) == "2022-02-06T13:48:00+08:00"
    assert dates.find_dates_in_text("2/13/2021")[0].swapped is None  # 13 is no month: one reading


def test_structured_reads_json_ld_defensively():
    from cleaners.metadata.structured import article_data

    assert article_data(['{"@type": "NewsArticle",']) is None
    assert article_data(['{"@type": "Organization", "name": "X"}']) is None
    data = article_data(['<!--{"@type":["NewsArticle"],"author":{"@type":"Organization","name":"新华社"},'
                         '"datePublished":"2024-01-08"}-->'])
    assert data.authors == ["新华社"] and data.published == "2024-01-08"


@pytest.mark.parametrize("text, expected", [
    ("发布时间：3小时前", "2024-03-12T15:00:00+08:00"),
    ("发布时间：25分钟前", "2024-03-12T17:35:00+08:00"),
    ("发布时间：昨天 09:30", "2024-03-11T09:30:00+08:00"),
    ("发布时间：2天前", "2024-03-10T00:00:00+08:00"),
    ("Published: 2 hours ago", "2024-03-12T08:00:00+00:00"),
    ("Published: yesterday", "2024-03-11T00:00:00+00:00"),
    ("Published: 2 years ago", None),  # too coarse to name a day
])
def test_relative_dates_against_the_fetch_time(text, expected):
    html = f"<html><head><title>学校召开工作会议</title></head><body><h1>学校召开工作会议</h1><div>{text}</div></body></html>"
    md = _extract_fetched(html, "2024-03-12T10:00:00Z")
    assert md.published_at == expected
    # Without a fetch time (saved HTML replayed later) a relative date means nothing: no date.
    assert _extract_fetched(html, None).published_at is None


def _extract_fetched(html: str, fetched_at):
    tree = lxml.html.document_fromstring(html)
    return extract_metadata(tree, visible_text(tree), "http://www.example.edu.cn/a/1.html", fetched_at=fetched_at)
