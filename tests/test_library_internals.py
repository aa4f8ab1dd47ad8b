"""Private internals of other libraries, each behind one adapter: checked against what is installed.

When an upgrade renames or reshapes one of them, these tests fail with the
library, its version and the version the adapter was written for.
"""

from __future__ import annotations

import inspect
import os
import re
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import pytest

from cleaners.process_pool import LibraryChanged, worker_processes
from crawler.compat import signature_problems

ROOT = Path(__file__).resolve().parents[1]


def _pid(_: int) -> int:
    return os.getpid()


def _ended(pid: int, within: float) -> bool:
    """Whether process `pid` is gone or a zombie within `within` seconds."""
    import time

    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        try:
            state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
        except (FileNotFoundError, ProcessLookupError):
            return True
        if state in ("Z", "X"):
            return True
        time.sleep(0.05)
    return False


# --- ProcessPoolExecutor._processes (cleaners/process_pool.py) ----------------------------


def test_a_process_pools_workers_are_its_processes():
    executor = ProcessPoolExecutor(2)
    try:
        assert worker_processes(executor) == []  # none before the first task
        pids = set(executor.map(_pid, range(8)))
        workers = worker_processes(executor)
        assert 1 <= len(workers) <= 2 and all(p.is_alive() for p in workers)
        assert pids <= {p.pid for p in workers}
        workers[0].kill()  # what the pools do to a worker stuck in a C call
        # the executor's own thread may reap it first (then is_alive() cannot tell): ask the kernel
        assert _ended(workers[0].pid, within=10)
    finally:
        executor.shutdown(wait=True, cancel_futures=True)
    assert worker_processes(executor) == [] and worker_processes(None) == []


def test_a_renamed_processes_attribute_fails_loudly():
    class Renamed:  # what a Python that renamed `_processes` would hand us
        pass

    with pytest.raises(LibraryChanged, match=r"ProcessPoolExecutor has no `_processes` on Python 3\.\d+"):
        worker_processes(Renamed())


def test_the_pools_use_only_the_adapter():
    import cleaners.cli
    import crawler.clean.pool

    for module in (cleaners.cli, crawler.clean.pool):
        assert not re.search(r"[.\"']_processes\b", inspect.getsource(module)), module.__name__


# --- scrapy-redis (crawler/compat/scrapy_redis.py) ------------------------------------------


def test_scrapy_redis_has_what_the_scheduler_uses():
    from crawler.compat import scrapy_redis

    scrapy_redis.check()


def test_a_request_round_trips_through_a_scrapy_redis_queue():
    from scrapy import Request, Spider
    from scrapy_redis import picklecompat
    from scrapy_redis.scheduler import Scheduler

    from crawler.compat import scrapy_redis

    class Probe(Spider):
        name = "probe"

        def parse_article(self, response):
            pass

    spider = Probe()
    scheduler = Scheduler(server=None, queue_cls="scrapy_redis.queue.PriorityQueue",
                          queue_key="%(spider)s:requests", serializer=picklecompat)
    queue = scrapy_redis.new_queue(scheduler, spider)
    assert queue.key == "probe:requests"
    request = Request("http://127.0.0.1:1/a.html", callback=spider.parse_article, priority=7,
                      meta={"site": "sdjky", "part_of": "http://127.0.0.1:1/", "depth": 2})
    data = scrapy_redis.encode_request(queue, request)
    assert isinstance(data, bytes)
    back = scrapy_redis.decode_request(queue, data)
    assert (back.url, back.priority, back.callback) == (request.url, 7, spider.parse_article)
    assert {k: back.meta[k] for k in request.meta} == request.meta


def test_distributed_uses_only_the_adapter():
    import crawler.scale.distributed

    source = inspect.getsource(crawler.scale.distributed)
    assert "_encode_request" not in source and "_decode_request" not in source


# --- scrapy-playwright (crawler/compat/scrapy_playwright.py) ---------------------------------


def test_scrapy_playwright_has_what_the_handler_overrides():
    from crawler.compat import scrapy_playwright

    scrapy_playwright.check()


def test_the_browser_handler_overrides_only_the_hooks():
    from scrapy_playwright.handler import ScrapyPlaywrightDownloadHandler

    from crawler.fetch.browser.handler import BrowserDownloadHandler
    from crawler.compat.scrapy_playwright import PRIVATE_METHODS, PlaywrightHandler

    assert issubclass(BrowserDownloadHandler, PlaywrightHandler)
    assert issubclass(PlaywrightHandler, ScrapyPlaywrightDownloadHandler)
    library_privates = {n for n, v in vars(ScrapyPlaywrightDownloadHandler).items()
                        if n.startswith("_") and not n.startswith("__") and callable(v)}
    assert not library_privates & set(vars(BrowserDownloadHandler)), "override a hook of the adapter instead"
    assert library_privates & set(vars(PlaywrightHandler)) == set(PRIVATE_METHODS) - {"_launch"}


def test_a_changed_signature_is_named():
    class Library:
        def _create_browser_context(self, name, spider=None):
            pass

        def _launch(self, browser):  # a new required parameter
            pass

    problems = signature_problems(Library, {"_create_browser_context": ("name", "context_kwargs", "spider"),
                                            "_launch": (), "_close": ()})
    assert problems == [
        "Library._create_browser_context('name', 'context_kwargs', 'spider') is now "
        "_create_browser_context('name', 'spider')",
        "Library._launch() is now _launch('browser',)",
        "Library._close is gone",
    ]


def test_the_adapters_name_the_versions_they_were_written_for():
    """The pins in pyproject.toml are the versions the adapters were written for: an
    upgrade of the pin must come with a look at the adapter (and this line)."""
    from importlib import metadata

    from crawler.compat import scrapy_http, scrapy_playwright, scrapy_redis

    for adapter in (scrapy_redis, scrapy_playwright, scrapy_http):
        assert metadata.version(adapter.DISTRIBUTION) == adapter.WRITTEN_FOR, adapter.__name__


def test_scrapy_caches_a_responses_text_and_tree_where_we_release_them():
    from crawler.compat import scrapy_http

    scrapy_http.check()


def test_a_page_passed_through_the_spider_middlewares_holds_no_parse():
    """ReleaseParsedMiddleware, outermost of the spider middlewares: once a callback's
    output has passed them all, the response keeps its bytes, not its text and tree."""
    import asyncio

    from scrapy.http import HtmlResponse
    from scrapy.settings import Settings

    from crawler import settings as project_settings
    from crawler.clean.release_parsed import ReleaseParsedMiddleware

    page = (ROOT / "fixtures" / "sites" / "sdjky" / "pages").glob("*.htm*").__next__().read_bytes()
    response = HtmlResponse("http://127.0.0.1/a.html", body=page)
    title = response.xpath("//title/text()").get()
    out = list(ReleaseParsedMiddleware().process_spider_output(response, iter([{"title": title}])))
    assert out == [{"title": title}]
    assert response._cached_selector is None and response._cached_ubody is None
    assert response.xpath("//title/text()").get() == title  # asked again, made again

    async def callback():
        yield {"title": response.xpath("//title/text()").get()}

    async def drain():
        return [x async for x in ReleaseParsedMiddleware().process_spider_output_async(response, callback())]

    assert asyncio.run(drain()) == [{"title": title}] and response._cached_selector is None

    settings = Settings()
    settings.setmodule(project_settings)
    orders = {**settings.getdict("SPIDER_MIDDLEWARES_BASE"), **settings.getdict("SPIDER_MIDDLEWARES")}
    ours = orders.pop("crawler.clean.release_parsed.ReleaseParsedMiddleware")
    assert all(ours < order for order in orders.values() if order is not None)


# --- trafilatura's justext stoplist (cleaners/extract.py, _hash_stoplist_once) ------------


def test_trafilatura_reads_its_justext_stoplist_from_the_global_we_hash_once():
    import trafilatura
    import trafilatura.external as external

    from cleaners.extract import _hash_stoplist_once

    where = f"trafilatura {trafilatura.__version__} (cleaners/extract.py was written for 2.3)"
    assert hasattr(external, "JT_STOPLIST") and callable(getattr(external, "jt_stoplist_init", None)), \
        f"{where}: JT_STOPLIST / jt_stoplist_init are gone: update _hash_stoplist_once"
    assert "JT_STOPLIST or jt_stoplist_init()" in inspect.getsource(external), \
        f"{where}: justext no longer takes JT_STOPLIST: _hash_stoplist_once saves nothing"
    _hash_stoplist_once()
    words = external.JT_STOPLIST
    assert hash(words) == hash(tuple(words)) and len(words) > 10000
