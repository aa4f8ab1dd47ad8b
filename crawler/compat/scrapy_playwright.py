"""scrapy-playwright's download handler with public hooks: the only module naming its internals.

crawler/fetch/browser/handler.py needs the handler to start nothing until the first rendered
request, to launch with a proxy chosen then, to set the options of every
browser context, to wrap the navigation (script challenges, the server's own
bytes) and to close its proxies with the browser. scrapy-playwright has no API
for these, so `PlaywrightHandler` overrides the private methods below and calls
the hooks; `check()` (run by tests/test_library_internals.py) says when the
installed version no longer has them as we call them.
"""

from __future__ import annotations

import dataclasses
import inspect
from collections.abc import Awaitable, Callable
from typing import Any

from crawler.compat import LibraryChanged, installed_version, signature_problems

try:
    from scrapy_playwright.handler import Config, ScrapyPlaywrightDownloadHandler
except ImportError:  # the [browser] extra is not installed: pages are never rendered
    Config = None
    ScrapyPlaywrightDownloadHandler = object

DISTRIBUTION = "scrapy-playwright"
WRITTEN_FOR = "0.0.48"
# Private methods overridden or called here, with the parameters we pass (self left out).
PRIVATE_METHODS = {
    "_maybe_launch_in_thread": (),
    "_engine_started": (),
    "_launch": (),
    "_close": (),
    "_download_request": ("request", "spider"),
    "_create_browser_context": ("name", "context_kwargs", "spider"),
    "_get_response_and_download": ("request", "page", "spider"),
}
# Set by the handler's __init__ and used here or by subclasses.
INSTANCE_ATTRIBUTES = ("self.config", "self.abort_request", "self.stats")


class PlaywrightHandler(ScrapyPlaywrightDownloadHandler):
    """Starts nothing at engine start; `start_browser()` launches. Subclasses override the hooks."""

    # --- what subclasses call ---------------------------------------------------------

    def set_abort_request(self, func: Callable[[Any], Awaitable[bool]]) -> None:
        """PLAYWRIGHT_ABORT_REQUEST, set at run time (a bound method that knows the crawl)."""
        self.abort_request = func

    async def start_browser(self, **launch_options: Any) -> None:
        """Launch Playwright (and its startup contexts), `launch_options` added to the configured ones."""
        self.config.launch_options = {**self.config.launch_options, **launch_options}
        await self._launch()

    # --- hooks ------------------------------------------------------------------------

    async def before_download(self, request) -> None:
        """Before a request is rendered."""

    def context_kwargs(self, kwargs: dict[str, Any]) -> dict[str, Any]:
        """The options of a new browser context."""
        return kwargs

    async def navigate(self, request, page, go: Callable[[], Awaitable[tuple[Any, Any]]]) -> tuple[Any, Any]:
        """Around the navigation: `await go()` gives (response, download)."""
        return await go()

    async def on_close(self) -> None:
        """After the browser closed (with the crawl)."""

    # --- the private methods ----------------------------------------------------------

    async def _maybe_launch_in_thread(self) -> None:
        """Not at engine start: plain crawls must never start Playwright or Chromium."""

    def _engine_started(self):  # older Scrapy's hook, same reason
        return None

    async def _close(self) -> None:
        try:
            await super()._close()
        finally:
            await self.on_close()

    async def _download_request(self, request, spider=None):
        await self.before_download(request)
        return await super()._download_request(request, spider)

    async def _create_browser_context(self, name, context_kwargs, spider=None):
        return await super()._create_browser_context(name, self.context_kwargs(context_kwargs), spider)

    async def _get_response_and_download(self, request, page, spider):
        parent = super()._get_response_and_download
        return await self.navigate(request, page, lambda: parent(request, page, spider))


def check() -> None:
    """Raise LibraryChanged when the installed scrapy-playwright lacks what we rely on."""
    if Config is None:
        raise LibraryChanged(f"{DISTRIBUTION} is not installed")
    problems = signature_problems(ScrapyPlaywrightDownloadHandler, PRIVATE_METHODS)
    for name in PRIVATE_METHODS:
        ours, theirs = getattr(PlaywrightHandler, name), getattr(ScrapyPlaywrightDownloadHandler, name, None)
        if theirs is not None and inspect.iscoroutinefunction(ours) != inspect.iscoroutinefunction(theirs):
            problems.append(f"{name} is {'now' if inspect.iscoroutinefunction(theirs) else 'no longer'} a coroutine")
    if "launch_options" not in {f.name for f in dataclasses.fields(Config)}:
        problems.append("Config.launch_options is gone")
    init = inspect.getsource(ScrapyPlaywrightDownloadHandler.__init__)
    problems += [f"__init__ no longer sets {name}" for name in INSTANCE_ATTRIBUTES if f"{name} =" not in init]
    if problems:
        raise LibraryChanged(f"{DISTRIBUTION} {installed_version(DISTRIBUTION)} (crawler/compat/scrapy_playwright.py "
                             f"was written for {WRITTEN_FOR}): " + "; ".join(problems))
