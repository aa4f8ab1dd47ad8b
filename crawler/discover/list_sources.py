"""Where a list page keeps its entries when they are not anchors in the HTML tree.

Pure functions on page text, testable without Scrapy:

- Hanweb JCMS (大汉) columns: the first entries sit as
  `<record><![CDATA[<li><a href=...>…</a><span>2021-02-13</span></li>]]></record>`
  in a `<script type="text/xml"><datastore><recordset>` block; the rest are
  served by the jpage widget's `dataproxy.jsp` (POST, the column's `ajaxParam`
  as the form, `startrecord`/`endrecord`/`perpage` in the query) as the same
  XML datastore. `jpage_config` reads the widget's settings off the page,
  `dataproxy_ranges` says which record ranges remain.
- Links written as script: `onclick="window.open('…')"`, `location.href='…'`,
  `href="javascript:openArticle('…')"`.
- `list_mechanism`: what a list page with no readable article link seems to
  use instead (a datastore, a script-built list, an API, an iframe), for the
  error record and the summary: never a silent empty list.

JSON list APIs cannot be told from a page reliably; a site describes its API
in the registry (`list_api`, see crawler/sites.toml) and `api_entries` reads
an answer.
"""

from __future__ import annotations

import html
import json
import re
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qsl, urljoin, urlparse


from cleaners.list_entries import (  # noqa: F401  (re-exported: the crawler's list readers use them)
    LIST_DATE, NON_HTTP, Entry, absolute_url, datastore_entries, date_in, has_datastore, script_url,
)


def datastore_total(text: str) -> int | None:
    """`<totalrecord>` of a dataproxy answer."""
    m = re.search(r"<totalrecord>\s*(\d+)\s*</totalrecord>", text, re.I)
    return int(m.group(1)) if m else None


# --- the jpage widget --------------------------------------------------------------

DEFAULT_PROXY = "/module/web/jpage/dataproxy.jsp"
_JS_VALUE = r"""('(?:[^'\\]|\\.)*'|"(?:[^"\\]|\\.)*"|[^,}\s]+)"""
_JS_PAIR = re.compile(r"""['"]?(\w+)['"]?\s*:\s*""" + _JS_VALUE)


def _js_number(text: str, name: str) -> int | None:
    m = re.search(r"""(?<![A-Za-z])%s['"]?\s*[:=]\s*['"]?(\d+)""" % name, text, re.I)  # var _totalRecord = 9
    return int(m.group(1)) if m else None


def _js_string(value: str) -> str:
    if len(value) >= 2 and value[0] == value[-1] and value[0] in "'\"":
        return re.sub(r"\\(.)", r"\1", value[1:-1])
    return value


def _object_after(text: str, start: int) -> str | None:
    """The `{...}` literal that starts at or after `start` (braces balanced, strings skipped)."""
    i = text.find("{", start)
    if i < 0 or text[start:i].strip():
        return None
    depth, quote = 0, ""
    for j in range(i, min(len(text), i + 4000)):
        c = text[j]
        if quote:
            if c == "\\":
                continue
            if c == quote:
                quote = ""
        elif c in "'\"":
            quote = c
        elif c == "{":
            depth += 1
        elif c == "}":
            depth -= 1
            if depth == 0:
                return text[i + 1:j]
    return None


@dataclass(frozen=True)
class JPage:
    proxy_url: str  # absolute, without the record range
    params: tuple[tuple[str, str], ...]  # the form: the column's ajaxParam, in page order
    per_page: int
    total: int
    group_size: int = 1


def jpage_config(text: str, base_url: str) -> JPage | None:
    """The jpage widget of a Hanweb column page, when the page has one with a total to reach."""
    if "otalRecord" not in text and "otalrecord" not in text:
        return None  # most pages: no widget, settled without a case-blind search of the page
    total = _js_number(text, "totalRecord") or datastore_total(text)
    per_page = _js_number(text, "perPage")
    if not total or not per_page:
        return None
    params: list[tuple[str, str]] = []
    for m in re.finditer(r"\bajaxParam['\"]?\s*[:=]\s*", text):
        if text[m.end():m.end() + 1] == "{":  # the literal, not `ajaxParam: ajaxParam`
            params = [(k, _js_string(v)) for k, v in _JS_PAIR.findall(_object_after(text, m.end()) or "")]
            break
    proxy = DEFAULT_PROXY
    p = re.search(r"""\bproxyUrl['"]?\s*[:=]\s*['"]([^'"]+)['"]""", text)
    nextgroup = re.search(r"""<nextgroup>.*?href=['"]([^'"]+)['"]""", text, re.S | re.I)
    if p:
        proxy = p.group(1)
    elif nextgroup:
        proxy = html.unescape(nextgroup.group(1)).split("?", 1)[0]
    if not params and nextgroup:
        # Older pages carry the column's parameters only in the <nextgroup> link.
        query = html.unescape(nextgroup.group(1)).partition("?")[2]
        params = [(k, v) for k, v in parse_qsl(query, keep_blank_values=True) if k != "page"]
    if not params:
        return None
    group = _js_number(text, "groupSize") or 1
    return JPage(urljoin(base_url, proxy.split("?", 1)[0]), tuple(params), per_page,
                 min(total, 100_000), max(1, min(group, 10)))


def dataproxy_ranges(jpage: JPage, have: int, max_requests: int) -> list[tuple[int, int]]:
    """(startrecord, endrecord) of each dataproxy request after the `have` records already read;
    as the widget asks, `per_page * group_size` records a request."""
    step = jpage.per_page * jpage.group_size
    out = []
    start = have + 1
    while start <= jpage.total and len(out) < max_requests:
        out.append((start, min(start + step - 1, jpage.total)))
        start += step
    return out


def dataproxy_url(jpage: JPage, start: int, end: int) -> str:
    return f"{jpage.proxy_url}?startrecord={start}&endrecord={end}&perpage={jpage.per_page}"


# --- links written as script --------------------------------------------------------


def script_entries(root: Any, base_url: str) -> list[Entry]:
    """Links that only script follows: onclick handlers and javascript: hrefs (lxml root)."""
    out: list[Entry] = []
    seen: set[str] = set()
    for el in root.xpath("//*[@onclick] | //a[starts-with(normalize-space(@href), 'javascript:')]"):
        url = script_url(f"{el.get('href') or ''} {el.get('onclick') or ''}")
        if not url:
            continue
        url = absolute_url(base_url, url)
        if url.startswith(("http://", "https://")) and url not in seen:
            seen.add(url)
            out.append(Entry(url, " ".join(el.text_content().split()) or (el.get("title") or "").strip()))
    return out


# --- what a list with no readable links seems to use ----------------------------------

_XHR = re.compile(r"\$\.(?:ajax|get|post|getJSON)\s*\(|\bfetch\s*\(|\baxios\b|XMLHttpRequest", re.I)
_XHR_URL = re.compile(r"""(?:url\s*:\s*|\$\.(?:get|post|getJSON)\s*\(\s*|fetch\s*\(\s*|axios\.\w+\s*\(\s*)['"`]([^'"`]+)['"`]""",
                      re.I)


def list_mechanism(text: str, root: Any) -> str | None:
    """What a list page seems to build its list with, when it is not anchors: a
    sentence for the error record, or None when nothing points anywhere."""
    if has_datastore(text) or "jpage" in text.lower() or "dataproxy" in text.lower():
        return "a Hanweb datastore (jpage/dataproxy)"
    frames = [f for f in root.xpath("//iframe/@src | //frame/@src") if f.strip() and not NON_HTTP.match(f.strip())]
    if frames:
        return f"a list inside an iframe ({frames[0].strip()[:100]})"
    if _XHR.search(text):
        m = _XHR_URL.search(text)
        return "a list loaded from an API by script" + (f" ({m.group(1)[:100]})" if m else "") + \
            "; describe it as list_api in the registry"
    scripts = root.xpath("//script[not(@src)]/text()")
    if any("document.write" in s or "innerHTML" in s for s in scripts):
        return "a list written by script (document.write/innerHTML)"
    return None


# --- JSON list APIs described in the registry -------------------------------------------


def dig(data: Any, path: str) -> Any:
    """`data.list` / `result.items.0` in a parsed JSON answer; None when absent."""
    for part in [p for p in (path or "").split(".") if p]:
        if isinstance(data, dict):
            data = data.get(part)
        elif isinstance(data, list) and part.isdigit() and int(part) < len(data):
            data = data[int(part)]
        else:
            return None
    return data


def api_entries(body: str, api: dict, base_url: str) -> list[Entry] | None:
    """The entries of a JSON list answer as the site's `list_api` describes it; None if the
    answer is not JSON or has no list where the description says."""
    try:
        data = json.loads(body)
    except ValueError:
        return None
    items = dig(data, api.get("items", ""))
    if not isinstance(items, list):
        return None
    out: list[Entry] = []
    for item in items:
        if not isinstance(item, dict):
            continue
        if api.get("link_template"):
            try:
                link = api["link_template"].format(**{k: v for k, v in item.items() if isinstance(v, (str, int))})
            except (KeyError, IndexError, ValueError):
                continue
        else:
            link = dig(item, api.get("link", "url"))
        if not isinstance(link, str) or not link.strip():
            continue
        url = absolute_url(base_url, link)
        if not urlparse(url).scheme.startswith("http"):
            continue
        title = dig(item, api.get("title", "title"))
        date = dig(item, api["date"]) if api.get("date") else None
        out.append(Entry(url, str(title or ""), str(date) if date not in (None, "") else None))
    return out


# --- dates written beside the links of an HTML list --------------------------------------


def anchor_dates(root: Any, base_url: str) -> dict[str, str]:
    """URL -> the date its list item shows (`<li><a>…</a><span>2024-03-12</span></li>`)."""
    out: dict[str, str] = {}
    for a in root.xpath("//a[@href]"):
        item = a.xpath("ancestor::*[self::li or self::tr or self::dd or self::p][1]")
        if not item:
            continue
        text = " ".join(item[0].text_content().split())
        own = " ".join(a.text_content().split())
        found = date_in(text.replace(own, " ", 1) if own else text)
        if found:
            out.setdefault(absolute_url(base_url, a.get("href") or ""), found)
    return out
