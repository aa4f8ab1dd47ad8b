"""Soft blocks: a 200 answer that is not the page asked for.

Government and university sites often answer a crawler with a page of their
own instead of the article: a rate limit (您的访问过于频繁，请稍后再试), a web
application firewall's 拦截 page, a login wall (统一身份认证), a 安全验证 page.
`block_reason` recognises them, from the status and the body only (pure).

A block page is short: its visible text is a sentence or two, and the marker
sits in its title or that text. An article that merely mentions 统一身份认证 or
a firewall is long, or has a date line and a body block, and is never taken
for one (the short-notice rule of crawler/discover/classify.py is the other side).
"""

from __future__ import annotations

import hashlib
import re

from lxml import html as lxml_html

from cleaners.metadata.published import has_labelled_date

# Visible text above this: a page of its own, not a block notice.
BLOCK_MAX_TEXT = 600
# A block notice is a small page (a login form's scripts included); bigger ones are
# not looked into, which keeps the test off the cost of every article.
BLOCK_MAX_BYTES = 96 * 1024

# (kind, pattern): searched in the title and the visible text, lower-cased (no
# re.I: case-folding patterns are many times slower on a whole page).
_MARKERS: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("rate limit", re.compile(
        r"(?:访问|请求|操作|刷新)(?:过于|太|过度)?频繁|访问频率过(?:高|快)|too many requests|rate limit")),
    ("firewall", re.compile(
        r"(?:网站|web\s*应用|应用)防火墙|安全狗|云盾|(?:请求|访问)(?:已)?被(?:拦截|阻断|阻止)|已被拦截|拦截(?:页面|提示)"
        r"|疑似(?:黑客)?攻击|web application firewall|request blocked|access denied")),
    ("security check", re.compile(r"安全验证|人机验证|滑动验证|请(?:完成|进行)(?:安全)?验证|security check|verify you are human",
                                  )),
)
# A login wall names the login in its title, or shows a password field.
_LOGIN = re.compile(r"统一身份认证|统一认证|单点登录|身份认证|用户登录|请登录|登录页|\blog ?in\b|sign in")


def _decode(body: bytes | str) -> str:
    if isinstance(body, str):
        return body
    for codec in ("utf-8", "gb18030"):
        try:
            return body.decode(codec)
        except UnicodeDecodeError:
            continue
    return body.decode("utf-8", "replace")


# Substrings one of the markers needs, searched in the raw bytes (a plain `in`
# on bytes is fast on a whole page; decoding and lower-casing it is not).
_STRONG_WORDS = ("频繁", "防火墙", "安全狗", "云盾", "拦截", "阻断", "阻止", "攻击", "验证")
_STRONG_ASCII = (b"too many requests", b"rate limit", b"firewall", b"request blocked", b"access denied",
                 b"security check", b"verify you are human")
_LOGIN_WORDS = ("登录", "认证")
_LOGIN_ASCII = (b"log in", b"login", b"sign in")
_PASSWORD_FIELD = (b'type="password"', b"type='password'", b"type=password")


def _encoded(words: tuple[str, ...]) -> tuple[bytes, ...]:
    return tuple({w.encode(codec) for w in words for codec in ("utf-8", "gb18030")})


_STRONG_BYTES = _encoded(_STRONG_WORDS)
_LOGIN_BYTES = _encoded(_LOGIN_WORDS)


def _worth_parsing(body: bytes) -> bool:
    lower = body.lower()  # ASCII letters only: what the ASCII words are matched in
    if any(w in body for w in _STRONG_BYTES) or any(w in lower for w in _STRONG_ASCII):
        return True
    if any(f in lower for f in _PASSWORD_FIELD):
        return True
    start = lower.find(b"<title")
    if start < 0:
        return False
    title = body[start:lower.find(b"</title", start)]
    return any(w in title for w in _LOGIN_BYTES) or any(w in title.lower() for w in _LOGIN_ASCII)


def block_reason(body: bytes | str, status: int = 200) -> str | None:
    """'<kind>: <marker>' when the page is a block notice rather than content, else None."""
    if not 200 <= status < 300:
        return None
    raw = body.encode("utf-8") if isinstance(body, str) else body
    if len(raw) > BLOCK_MAX_BYTES or not raw.strip() or not _worth_parsing(raw):
        return None  # the common case, decided by substring tests without parsing the page
    text = _decode(raw).lower()
    try:
        root = lxml_html.document_fromstring(text)
    except Exception:  # lxml refuses some junk (empty, only a comment): not a block page we can tell
        return None
    title = " ".join(" ".join(root.xpath("//title//text()")).split())  # lower-cased with the text
    for bad in root.xpath("//script | //style | //noscript | //template"):
        bad.drop_tree()
    body_el = root.find("body")
    visible = " ".join((body_el if body_el is not None else root).text_content().split())
    if len(visible.replace(" ", "")) > BLOCK_MAX_TEXT or has_labelled_date(visible):
        return None  # a page of its own: long, or dated like an article (a notice about the login system)
    for kind, pattern in _MARKERS:
        m = pattern.search(title) or pattern.search(visible)
        if m:
            return f"{kind}: {m.group(0)}"
    login = _LOGIN.search(title) or _LOGIN.search(visible)
    if login and (root.xpath("//input[@type='password']") or _LOGIN.search(title)):
        return f"login wall: {login.group(0)}"
    return None


# Any date, in the raw bytes (UTF-8 or GB 年): an article page always shows one.
_ANY_DATE = re.compile(rb"(?:19|20)\d\d(?:\s*[-/.]\s*\d{1,2}\s*[-/.]\s*\d{1,2}|\xe5\xb9\xb4|\xc4\xea)"
                       rb"|\d{1,2}/\d{1,2}/(?:19|20)\d\d")


def unlike_an_article(body: bytes) -> bool:
    """A small page with no date anywhere and a sentence or two of text: nothing like
    an article (a block page whose markers nobody listed, an error page sent as 200)."""
    if len(body) > BLOCK_MAX_BYTES or not body.strip() or _ANY_DATE.search(body):
        return False
    try:
        root = lxml_html.document_fromstring(_decode(body))
    except Exception:  # lxml refuses some junk: not for this test to judge
        return False
    for bad in root.xpath("//script | //style | //noscript | //template"):
        bad.drop_tree()
    return len("".join(root.text_content().split())) <= BLOCK_MAX_TEXT


def page_fingerprint(body: bytes) -> str:
    """The same page served for different URLs (numbers aside: a request id, a time)."""
    return hashlib.sha1(re.sub(rb"\d+", b"", body)).hexdigest()
