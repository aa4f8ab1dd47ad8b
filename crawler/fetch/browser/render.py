"""Which requests the browser renders, decided per request (downloader middleware).

- a site with `needs_browser = true` in the registry: all its pages;
- a spider run with `-a render=true`: every page;
- automatically: a page fetched plainly that comes back as an empty script
  shell (little visible text and mostly <script>, a <noscript> "enable
  JavaScript" message, or a known JavaScript challenge) is fetched once more,
  through the browser. The plain response's bytes are kept so the record's
  `raw_sha256` is still the hash of what the server sent.

A rendered response is handed on as the rendered HTML encoded UTF-8, with a
Content-Type saying so: the cleaner works on the rendered DOM.

Robots.txt and other requests the spiders did not make (no `site` in meta) are
never rendered. Nothing is rendered under REPLAY_DIR (the replay has no browser
pages to offer). Off when BROWSER_ENABLED is off or the executable is missing.

Order 580: below HttpCompressionMiddleware (590) and RedirectMiddleware (600),
so it sees decompressed bodies of final responses.
"""

from __future__ import annotations

import logging
import re
from typing import Any

from lxml import html as lxml_html
from scrapy.exceptions import NotConfigured
from scrapy.http import Request, Response, TextResponse

from crawler.fetch.browser.handler import BrowserConfig, render_meta
from crawler.fetch.challenges import carry_cookies, script_challenge
from crawler.discover.list_sources import has_datastore

logger = logging.getLogger(__name__)

TRUE_WORDS = frozenset({"1", "true", "yes", "on"})

# Below this much visible text a page is a candidate shell...
SHELL_MAX_TEXT = 200
# ...and it is one when its scripts outweigh its text this many times over.
SHELL_SCRIPT_RATIO = 3
# A page whose body is mostly script, even with some text (a loader, a menu).
MOSTLY_SCRIPT_SHARE = 0.6
MOSTLY_SCRIPT_MAX_TEXT = 600
EXTERNAL_SCRIPT_WEIGHT = 200

NOSCRIPT_ENABLE_JS = re.compile(
    r"(enable|turn on|启用|开启|打开|允许|支持)\s*.{0,12}?(javascript|js|脚本)"
    r"|(javascript|js|脚本)\s*.{0,12}?(required|disabled|is off|被禁用|已禁用|未启用|未开启|关闭)",
    re.I | re.S,
)
# Markers of script challenges that WAFs put in front of pages (the real page
# appears only after a script has run): Aliyun, Jiasule, Ruishu, Cloudflare, generic.
CHALLENGE_MARKERS = (
    ("acw_sc__v2", "Aliyun WAF challenge"),
    ("__jsl_clearance", "Jiasule challenge"),
    ("$_ts=window", "Ruishu challenge"),
    ("$_ts = window", "Ruishu challenge"),
    ("cf-browser-verification", "Cloudflare challenge"),
    ("/cdn-cgi/challenge-platform/", "Cloudflare challenge"),
    ("just a moment...", "Cloudflare challenge"),
)
CHALLENGE_STATUSES = frozenset({200, 202, 403, 412, 503})
_INVISIBLE_TAGS = ("script", "style", "noscript", "template")


def is_true(value: Any) -> bool:
    return str(value).strip().lower() in TRUE_WORDS if value is not None else False


def shell_reason(body: str | bytes, status: int = 200, tree=None) -> str | None:
    """Why a page looks like it needs a browser to show its content, or None.

    Pure: the response's status and (decompressed) body only; bytes are read as
    UTF-8, else GB18030 (only markup and the amount of text matter here).
    `tree`: the page already parsed (lxml.html), e.g. the spider's: read, never
    changed, and not parsed a second time.
    """
    if isinstance(body, bytes):
        try:
            body = body.decode("utf-8")
        except UnicodeDecodeError:
            body = body.decode("gb18030", errors="replace")
    head = body[:200_000].lower()
    if status in CHALLENGE_STATUSES:
        for marker, name in CHALLENGE_MARKERS:
            if marker in head:
                return name
    challenge = script_challenge(body, status)  # a challenge nobody named: 202/412 and only script
    if challenge:
        return challenge
    if status != 200 or not body.strip():
        return None
    if tree is None and _rough_text_chars(body) > ROUGH_TEXT_ENOUGH:
        return None  # plenty of text outside scripts: no shell, and no need to parse it
    if has_datastore(body):
        return None  # its list is data the spiders read themselves (a Hanweb datastore): no browser needed
    if tree is None:
        try:
            tree = lxml_html.document_fromstring(body)
        except (ValueError, lxml_html.etree.ParserError):
            return None
    root = tree.find("body")
    if root is None:
        root = tree
    visible = _visible_chars(root)
    if visible >= MOSTLY_SCRIPT_MAX_TEXT:
        return None  # every rule below needs less text than this
    # Inline code anywhere, plus a fixed weight per external script in the body
    # (an app bundle behind an empty <div id="app"> is the typical shell).
    script_chars = sum(len(s.text_content()) for s in tree.iter("script"))
    script_chars += EXTERNAL_SCRIPT_WEIGHT * sum(1 for s in root.iter("script") if s.get("src"))
    if any(NOSCRIPT_ENABLE_JS.search(n.text_content()) for n in root.iter("noscript")):
        return "noscript asks for JavaScript"
    if visible < SHELL_MAX_TEXT and script_chars >= SHELL_SCRIPT_RATIO * max(visible, 20):
        return f"script shell ({visible} chars of text, {script_chars} of script)"
    total = visible + script_chars
    if total and script_chars / total > MOSTLY_SCRIPT_SHARE and script_chars > 2000:
        return f"mostly script ({visible} chars of text, {script_chars} of script)"
    return None


# Markup whose text is never shown, and tags: what a regex can strip without parsing.
_HIDDEN_MARKUP = re.compile(r"<(script|style|noscript|template)\b.*?</\1\s*>|<!--.*?-->", re.I | re.S)
_TAG = re.compile(r"<[^>]*>")
_SPACE = re.compile(r"\s+|&nbsp;")
# Twice the most text a shell may show: a page over it is never one (every page
# is checked, and most are articles with thousands of characters).
ROUGH_TEXT_ENOUGH = 2 * MOSTLY_SCRIPT_MAX_TEXT


def _rough_text_chars(body: str) -> int:
    """Characters outside scripts, styles, comments and tags: an upper bound of the visible text."""
    return len(_SPACE.sub("", _TAG.sub("", _HIDDEN_MARKUP.sub("", body))))


_WHITESPACE = re.compile(r"\s+")


def _visible_chars(root) -> int:
    """Characters of the element's visible text, spaces not counted: all its text
    but that of scripts, styles, noscript and templates (their tails are shown).
    Reads the tree without changing it (it may be the spider's)."""
    def chars(text: str) -> int:
        return len(_WHITESPACE.sub("", text))

    hidden = 0
    for element in root.iter(*_INVISIBLE_TAGS):
        if next(element.iterancestors(*_INVISIBLE_TAGS), None) is None:  # inner ones are inside it
            hidden += chars(element.text_content())
    return chars(lxml_html.etree.tostring(root, method="text", encoding=str, with_tail=False)) - hidden


# Every shell rule needs less than MOSTLY_SCRIPT_MAX_TEXT of visible text: a page
# with one run of text that long, or with enough runs of a sentence's length to
# add up to it, is never a shell.
# The length test comes first: the ancestor test, dearer, then runs on long runs only.
_SHOWN = "[not(ancestor::script or ancestor::style or ancestor::noscript or ancestor::template)]"
PROSE_RUNS = 20
PROSE_XPATH = (
    f"boolean(//body//text()[string-length(normalize-space()) >= {MOSTLY_SCRIPT_MAX_TEXT}]{_SHOWN})"
    f" or count(//body//text()[string-length(normalize-space()) >= {MOSTLY_SCRIPT_MAX_TEXT // PROSE_RUNS}]{_SHOWN})"
    f" >= {PROSE_RUNS}")


def has_prose(response: TextResponse) -> bool:
    """True when the page plainly shows text of its own: the common case, settled in
    libxml2 on the tree the spider parses anyway (Scrapy caches it on the response)."""
    root = parsed(response)
    return root is not None and bool(root.xpath(PROSE_XPATH))


def parsed(response: TextResponse):
    """The tree the spider parses anyway (Scrapy caches it on the response), or None."""
    try:
        root = response.selector.root
    except (ValueError, TypeError, AttributeError):
        return None
    return root if hasattr(root, "xpath") else None


def is_rendered(response: Response) -> bool:
    return "playwright" in response.flags


def as_utf8(response: TextResponse) -> TextResponse:
    """The rendered DOM as UTF-8 bytes, labelled so (the browser's serialisation
    has nothing to do with the charset the server used)."""
    headers = response.headers.copy()
    headers["Content-Type"] = "text/html; charset=utf-8"
    return response.replace(body=response.text.encode("utf-8"), headers=headers, encoding="utf-8")


class RenderMiddleware:
    def __init__(self, crawler, config: BrowserConfig):
        self.crawler = crawler
        self.stats = crawler.stats
        self.config = config
        self.replay = bool(crawler.settings.get("REPLAY_DIR"))

    @classmethod
    def from_crawler(cls, crawler):
        config = BrowserConfig.from_settings(crawler.settings)
        if not config.available:
            raise NotConfigured("the browser is off or its executable is missing")
        return cls(crawler, config)

    # --- which requests -----------------------------------------------------------

    def planned_reason(self, request: Request) -> str | None:
        """Why a request should be rendered from the start, or None."""
        spider = self.crawler.spider
        if is_true(getattr(spider, "render", None)):
            return "render=true"
        sites = getattr(spider, "sites", None) or {}
        site = sites.get(request.meta.get("site"))
        if site is not None and site.needs_browser:
            return "needs_browser"
        return None

    def process_request(self, request: Request) -> None:
        if self.replay or request.meta.get("site") is None or "playwright" in request.meta:
            return None  # not ours to decide, or decided already
        reason = self.planned_reason(request)
        if reason:
            request.meta.update(render_meta(self.config, reason))
            self.stats.inc_value(f"browser/planned/{reason}")
        return None

    # --- what came back ---------------------------------------------------------------

    def process_response(self, request: Request, response: Response) -> Request | Response:
        if is_rendered(response):
            self.stats.inc_value("browser/rendered")
            carried = request.meta.pop("browser_cookies", None)
            if carried:  # a challenge passed: its cookies serve plain requests while they work
                self.stats.inc_value("challenges/passed")
                self.stats.inc_value("challenges/cookies_carried", carry_cookies(self.crawler, request, carried))
            if isinstance(response, TextResponse):
                return as_utf8(response)
            return response
        if (self.replay or not self.config.auto_detect or request.meta.get("site") is None
                or request.meta.get("playwright") or request.meta.get("render_attempted")):
            return response
        if not isinstance(response, TextResponse):
            return response  # not a page (an image, a PDF): nothing a browser would add
        if response.status == 200 and has_prose(response):
            return response
        reason = shell_reason(response.text, response.status, tree=parsed(response))
        if reason is None:
            return response
        logger.info("%s looks like a page built by script (%s): rendering it", response.url, reason)
        self.stats.inc_value("browser/auto_detected")
        meta = {**request.meta, **render_meta(self.config, f"auto: {reason}"), "render_attempted": True,
                "browser_raw_body": response.body}
        # Render the URL that answered (after redirects), once.
        return request.replace(url=response.url, meta=meta, dont_filter=True)
