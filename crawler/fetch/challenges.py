"""Script challenges: a first answer (`412`, or `202`) whose page runs JavaScript
that computes a cookie and reloads, as many government sites' firewalls do.

- `script_challenge`: such an answer, recognised by itself (the status and a
  page that is script and nothing to read), besides the known vendors' markers
  of crawler/fetch/browser/render.py; the render middleware then has the page
  rendered.
- `NavigationWatch` / `wait_for_reload`: in the browser, the page the challenge
  leads to (the reload after the cookie) is the answer, not the first one.
- `carry_cookies`: the cookies the browser earned go into Scrapy's cookie jar,
  so the site's next pages are fetched plainly with them, for as long as they
  work (a page challenged again is recognised and rendered again).
"""

from __future__ import annotations

import asyncio
import logging
import time
from http.cookiejar import Cookie
from typing import Any

from lxml import html as lxml_html

logger = logging.getLogger(__name__)

# First answers that a challenge page comes with and a script replaces.
SCRIPT_CHALLENGE_STATUSES = frozenset({202, 412})
# In the browser: after a first answer with one of these, wait for the reload.
RELOAD_STATUSES = frozenset({202, 403, 412, 503})
# Seconds the browser waits for a challenge's reload (a plain error page never reloads).
CHALLENGE_WAIT = 10.0
# A challenge page shows (almost) nothing to read.
CHALLENGE_MAX_TEXT = 200


def script_challenge(body: str, status: int) -> str | None:
    """'script challenge (HTTP 412)' for a 202/412 answer whose page is script and no text."""
    if status not in SCRIPT_CHALLENGE_STATUSES or "<script" not in body.lower():
        return None
    try:
        tree = lxml_html.document_fromstring(body)
    except (ValueError, lxml_html.etree.ParserError):
        return None
    has_code = any((s.text or "").strip() or s.get("src") for s in tree.iter("script"))
    lxml_html.etree.strip_elements(tree, "script", "style", "noscript", "template", with_tail=False)
    text = "".join(tree.text_content().split())
    if has_code and len(text) < CHALLENGE_MAX_TEXT:
        return f"script challenge (HTTP {status})"
    return None


class NavigationWatch:
    """The main frame's document responses of a browser page, in order."""

    def __init__(self, page: Any):
        self.page = page
        self.responses: list[Any] = []
        page.on("response", self._on_response)

    def _on_response(self, response: Any) -> None:
        try:
            if response.request.is_navigation_request() and response.frame == self.page.main_frame:
                self.responses.append(response)
        except Exception:  # noqa: BLE001 - a frame detached meanwhile: not the main document
            pass

    async def wait_for_reload(self, first: Any, timeout: float) -> Any | None:
        """The first document response after `first` that is not a challenge again,
        loaded; None when none comes within `timeout` seconds."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            later = [r for r in self.responses if r is not first]
            if later and later[-1].status not in RELOAD_STATUSES:
                try:
                    await self.page.wait_for_load_state("load", timeout=max(0.1, deadline - time.monotonic()) * 1000)
                except Exception:  # noqa: BLE001 - keep what has loaded
                    pass
                return later[-1]
            await asyncio.sleep(0.1)
        return None


def to_cookie(c: dict[str, Any]) -> Cookie:
    """A browser (Playwright) cookie as an http.cookiejar cookie."""
    domain = c.get("domain") or ""
    expires = c.get("expires")
    return Cookie(
        version=0, name=c["name"], value=c.get("value", ""), port=None, port_specified=False,
        domain=domain, domain_specified=domain.startswith("."), domain_initial_dot=domain.startswith("."),
        path=c.get("path") or "/", path_specified=True, secure=bool(c.get("secure")),
        expires=int(expires) if expires and expires > 0 else None, discard=not (expires and expires > 0),
        comment=None, comment_url=None, rest={"HttpOnly": None} if c.get("httpOnly") else {},
    )


def cookie_middleware(crawler) -> Any | None:
    """The crawl's CookiesMiddleware (the bounded one), or None when cookies are off."""
    from scrapy.downloadermiddlewares.cookies import CookiesMiddleware

    engine = getattr(crawler, "engine", None)
    downloader = getattr(engine, "downloader", None)
    for mw in getattr(getattr(downloader, "middleware", None), "middlewares", ()):
        if isinstance(mw, CookiesMiddleware):
            return mw
    return None


def carry_cookies(crawler, request, cookies: list[dict[str, Any]]) -> int:
    """Put the browser's cookies into the jar plain requests use, within the same bounds
    as cookies a server sets (a challenge page could set thousands); how many."""
    mw = cookie_middleware(crawler)
    if mw is None:
        return 0
    jar = mw.jars[request.meta.get("cookiejar")]
    refusal = getattr(mw, "refusal", None)
    carried = 0
    for c in cookies:
        cookie = to_cookie(c)
        if refusal is not None and refusal(cookie, jar):
            continue
        jar.set_cookie(cookie)
        carried += 1
    return carried
