"""Rendering pages with the system Chromium through scrapy-playwright.

Configuration is read once into a typed `BrowserConfig` (tested without a
browser). When the browser is enabled and the executable exists, `install()`
points the http/https download handlers at `BrowserDownloadHandler`: requests
with `meta["playwright"]` are rendered, every other request goes through
Scrapy's plain HTTP/1.1 handler as before. The handler starts nothing until the
first rendered request, so a crawl that never needs the browser never starts
Playwright's driver or Chromium.

Inside the browser:
- images, fonts and media are not loaded; neither is anything that is not
  http(s) (file://, ftp:, chrome:, ...) nor any address the crawl's
  `AddressPolicy` refuses (loopback and private networks the user did not allow);
- whatever opens a connection (a script, a WebSocket, a popup, a worker, the
  favicon, WebRTC...), it goes through crawler/fetch/browser/proxy.py, which asks the
  same policy: pages' contexts use the policy proxy, the browser itself one
  that refuses everything; Chromium resolves no names and sends no UDP itself;
- downloads are refused (`accept_downloads=False`), service workers blocked;
- navigation has a timeout (BROWSER_PAGE_TIMEOUT); after the load event the page
  gets up to BROWSER_SETTLE_TIMEOUT for its scripts' requests to go quiet;
- the browser and its contexts close with the crawl (scrapy-playwright closes
  them when the engine stops: at the end, after errors and on Ctrl-C).

Settings (all optional):
- BROWSER_ENABLED (default True): whether pages may be rendered at all.
- BROWSER_EXECUTABLE (default /usr/bin/chromium; the CHROMIUM_PATH environment
  variable overrides it): never a browser downloaded by Playwright.
- BROWSER_PAGE_TIMEOUT (seconds, default 30), BROWSER_SETTLE_TIMEOUT (seconds, default 3).
- BROWSER_BLOCKED_RESOURCE_TYPES (default image, font, media).
- BROWSER_AUTO_DETECT (default True): render pages that arrive as an empty script shell.
- The address policy is the address guard's (crawler/fetch/middlewares/address_guard.py:
  start URLs' hosts, ADDRESS_ALLOW_HOSTS, ADDRESS_ALLOW_NETWORKS, `-a allow_hosts`).
"""

from __future__ import annotations

import asyncio
import logging
import os
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

try:
    from scrapy_playwright.page import PageMethod
except ImportError:  # the [browser] extra is not installed: pages are never rendered
    PageMethod = None
PLAYWRIGHT_INSTALLED = PageMethod is not None

from crawler.compat.scrapy_playwright import PlaywrightHandler
from crawler.fetch.browser.proxy import PolicyProxy
from crawler.fetch.challenges import CHALLENGE_WAIT, RELOAD_STATUSES, NavigationWatch
from crawler.fetch.middlewares.address_guard import crawl_policy
from crawler.fetch.security import ALLOWED_SCHEMES, AddressPolicy

logger = logging.getLogger(__name__)

DEFAULT_EXECUTABLE = "/usr/bin/chromium"
HANDLER = "crawler.fetch.browser.handler.BrowserDownloadHandler"
# --disable-background-networking & co: Chromium's own calls home would be
# refused by a closed network and only slow the pages down. The rest make the
# policy proxy (crawler/fetch/browser/proxy.py) the browser's only way out: no name
# resolution of its own (a name is resolved, and judged, by the proxy), no UDP
# that bypasses the proxy (WebRTC, QUIC), no hyperlink-auditing pings.
CHROMIUM_ARGS = (
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
    "--no-pings",
    "--disable-domain-reliability",
    "--disable-client-side-phishing-detection",
    "--force-webrtc-ip-handling-policy=disable_non_proxied_udp",
    "--webrtc-ip-handling-policy=disable_non_proxied_udp",
    "--host-resolver-rules=MAP * ~NOTFOUND , EXCLUDE 127.0.0.1",
)
BLOCKED_RESOURCE_TYPES = ("image", "font", "media")
# Every browser context: no downloads, no service workers caching across pages.
CONTEXT_OPTIONS: dict[str, Any] = {"accept_downloads": False, "service_workers": "block"}


@dataclass(frozen=True)
class BrowserConfig:
    enabled: bool
    executable: str
    page_timeout: float  # seconds
    settle_timeout: float  # seconds
    blocked_resource_types: frozenset[str]
    auto_detect: bool

    @classmethod
    def from_settings(cls, settings, environ: Mapping[str, str] | None = None) -> BrowserConfig:
        environ = os.environ if environ is None else environ
        executable = environ.get("CHROMIUM_PATH") or settings.get("BROWSER_EXECUTABLE") or DEFAULT_EXECUTABLE
        page_timeout = settings.getfloat("BROWSER_PAGE_TIMEOUT", 30.0)
        settle_timeout = settings.getfloat("BROWSER_SETTLE_TIMEOUT", 3.0)
        if page_timeout <= 0:
            raise ValueError(f"BROWSER_PAGE_TIMEOUT must be positive, not {page_timeout}")
        if settle_timeout < 0:
            raise ValueError(f"BROWSER_SETTLE_TIMEOUT must not be negative, not {settle_timeout}")
        blocked = settings.getlist("BROWSER_BLOCKED_RESOURCE_TYPES", list(BLOCKED_RESOURCE_TYPES))
        return cls(
            enabled=settings.getbool("BROWSER_ENABLED", True),
            executable=str(executable),
            page_timeout=page_timeout,
            settle_timeout=settle_timeout,
            blocked_resource_types=frozenset(t.strip().lower() for t in blocked if t.strip()),
            auto_detect=settings.getbool("BROWSER_AUTO_DETECT", True),
        )

    @property
    def executable_found(self) -> bool:
        return os.path.isfile(self.executable) and os.access(self.executable, os.X_OK)

    @property
    def available(self) -> bool:
        """Pages can be rendered: enabled, scrapy-playwright installed, and the executable is there."""
        return self.enabled and PLAYWRIGHT_INSTALLED and self.executable_found

    def launch_options(self) -> dict[str, Any]:
        return {"executable_path": self.executable, "headless": True, "args": list(CHROMIUM_ARGS)}

    def playwright_settings(self) -> dict[str, Any]:
        """The scrapy-playwright settings this configuration stands for."""
        return {
            "DOWNLOAD_HANDLERS": {"http": HANDLER, "https": HANDLER},
            "PLAYWRIGHT_BROWSER_TYPE": "chromium",
            "PLAYWRIGHT_LAUNCH_OPTIONS": self.launch_options(),
            "PLAYWRIGHT_ABORT_REQUEST": "crawler.fetch.browser.handler.should_abort",
            "PLAYWRIGHT_DEFAULT_NAVIGATION_TIMEOUT": self.page_timeout * 1000,
        }


def install(settings) -> BrowserConfig:
    """Route http/https through the browser handler when pages may be rendered.

    Called from the spiders' `update_settings` (before the settings freeze). A
    missing executable is reported once here and the crawl stays plain.
    """
    config = BrowserConfig.from_settings(settings)
    if not config.enabled:
        return config
    if not PLAYWRIGHT_INSTALLED:
        logger.warning("scrapy-playwright is not installed (pip install 'edunews-crawler[browser]'): "
                       "pages that need a browser are fetched without rendering")
        return config
    if not config.executable_found:
        logger.warning("browser executable %s not found (BROWSER_EXECUTABLE / CHROMIUM_PATH): "
                       "pages that need a browser are fetched without rendering", config.executable)
        return config
    for name, value in config.playwright_settings().items():
        settings.set(name, value, priority="spider")
    return config


def should_abort(request, blocked_types: frozenset[str] | tuple[str, ...] = BLOCKED_RESOURCE_TYPES) -> bool:
    """PLAYWRIGHT_ABORT_REQUEST: images, fonts, media and non-http(s) requests never load."""
    if request.resource_type in blocked_types:
        return True
    return urlsplit(request.url).scheme.lower() not in ALLOWED_SCHEMES


class RequestFilter:
    """Which of the browser's own requests to abort: the static rules plus the address policy.

    A page's scripts, frames and fetches must not reach the crawler's own network
    any more than its links may. This aborts what Playwright's routing sees, early
    and counted; the guarantee for every connection is the proxy (proxy.py).
    """

    def __init__(self, config: BrowserConfig, policy: AddressPolicy | None, stats=None):
        self.config = config
        self.policy = policy
        self.stats = stats

    def __call__(self, request) -> bool:
        if should_abort(request, self.config.blocked_resource_types):
            self._count("browser/aborted/resource")
            return True
        reason = self.policy.refusal(request.url) if self.policy is not None else None
        if reason:
            logger.info("browser request to %s refused: %s", request.url, reason)
            self._count("browser/aborted/address")
            return True
        return False

    def _count(self, key: str) -> None:
        if self.stats is not None:
            self.stats.inc_value(key)


async def settle(page, timeout_ms: float) -> None:
    """After the load event, give the page's scripts time to fetch and insert
    what they build (until the network is quiet), but never fail the page for it."""
    if timeout_ms <= 0:
        return
    try:
        await page.wait_for_load_state("networkidle", timeout=timeout_ms)
    except Exception:  # noqa: BLE001 - a page that never goes quiet keeps what it has
        logger.debug("page %s still busy after %.0f ms", page.url, timeout_ms)


def render_meta(config: BrowserConfig, reason: str) -> dict[str, Any]:
    """Request meta that makes scrapy-playwright render a request."""
    return {
        "playwright": True,
        "render_reason": reason,
        "playwright_context_kwargs": dict(CONTEXT_OPTIONS),
        "playwright_page_methods": [PageMethod(settle, config.settle_timeout * 1000)],
    }


class BrowserDownloadHandler(PlaywrightHandler):
    """scrapy-playwright's handler (through crawler/compat/scrapy_playwright.py), started
    on the first rendered request and with the project's request filter and context options."""

    def __init__(self, crawler) -> None:
        super().__init__(crawler)
        self._crawler_ref = crawler
        self.browser_config = BrowserConfig.from_settings(crawler.settings)
        self._started = False
        self._start_lock = asyncio.Lock()
        self._filter: RequestFilter | None = None
        self._proxy: PolicyProxy | None = None  # pages' connections
        self._own_traffic_proxy: PolicyProxy | None = None  # the browser's own: all refused
        self._proxy_url = ""
        self.set_abort_request(self._abort)

    async def _abort(self, request) -> bool:
        if self._filter is None:
            self._filter = RequestFilter(self.browser_config, crawl_policy(self._crawler_ref), self.stats)
        # The address check may resolve a name: keep it off the event loop.
        return await asyncio.get_running_loop().run_in_executor(None, self._filter, request)

    async def _ensure_started(self) -> None:
        async with self._start_lock:
            if not self._started:
                logger.info("starting the browser (%s) for the first rendered page", self.browser_config.executable)
                # Pages' connections (every browser context's) go through the policy proxy;
                # the browser's own (updates, sign-in, autofill...) through one that refuses
                # everything. Loopback included: Playwright then drops Chromium's implicit bypass.
                self._proxy = PolicyProxy(lambda: crawl_policy(self._crawler_ref), self.stats)
                self._own_traffic_proxy = PolicyProxy(None, self.stats)
                self._proxy_url = await self._proxy.start()
                deny_url = await self._own_traffic_proxy.start()
                await self.start_browser(proxy={"server": deny_url})
                self._started = True

    async def on_close(self) -> None:
        for proxy in (self._proxy, self._own_traffic_proxy):
            if proxy is not None:
                await proxy.close()

    async def before_download(self, request) -> None:
        await self._ensure_started()
        self.stats.inc_value("browser/pages")

    def context_kwargs(self, kwargs):
        # No downloads, no service workers, and the policy proxy, whatever a request's meta asks for.
        kwargs = {**(kwargs or {}), **CONTEXT_OPTIONS, "proxy": {"server": self._proxy_url}}
        kwargs.pop("user_data_dir", None)  # no persistent profiles
        return kwargs

    async def navigate(self, request, page, go):
        watch = NavigationWatch(page)
        response, download = await go()
        if download:
            raise RenderRefused(f"{request.url} is a download, not a page")
        if response is not None and response.status in RELOAD_STATUSES:
            # A script challenge: the answer is the page it reloads to, with the cookie it set.
            later = await watch.wait_for_reload(response, min(self.browser_config.page_timeout, CHALLENGE_WAIT))
            if later is not None:
                logger.info("%s: passed a script challenge (HTTP %s)", request.url, response.status)
                request.meta["browser_cookies"] = await page.context.cookies()
                request.meta.pop("browser_raw_body", None)  # the challenge's bytes are not the page's
                response = later
        # The bytes the server sent for the document, before any script ran
        # (unless a plain fetch already kept them).
        if response is not None and "browser_raw_body" not in request.meta:
            try:
                request.meta["browser_raw_body"] = await response.body()
            except Exception as exc:  # noqa: BLE001 - the browser may have evicted it
                logger.info("server bytes of %s unavailable: %s", request.url, exc)
        return response, download


class RenderRefused(Exception):
    """The browser was asked for something that is not a page (a download)."""
