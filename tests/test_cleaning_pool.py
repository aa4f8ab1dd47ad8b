"""The cleaning pool: same records as in-process cleaning, errors as error records,
a dead worker costs one page, and nothing is left running after close()."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import time
from pathlib import Path

import pytest

from crawler.clean.pool import CleaningPool
from crawler.items import ErrorRecord, PageItem, PagePart
from crawler.clean.pipeline import clean_item, to_record, worker_died
from crawler.fetch.replay.saved import SavedStore
from tests.hostile.loss import run_orphans, start_pool_crawl, wait_until_gone

ROOT = Path(__file__).resolve().parents[1]


def fixture_items() -> list[PageItem]:
    """Every saved HTML article of the fixtures as the spiders would emit it."""
    items = []
    store = SavedStore.load(ROOT / "fixtures")
    for site in store.sites:
        for saved in site.responses:
            ctype = str(saved.headers.get("Content-Type", ""))
            if saved.status != 200 or "html" not in ctype or saved.url in site.start_urls:
                continue
            headers = {k: (v[0] if isinstance(v, list) else v) for k, v in saved.headers.items()}
            page = PagePart(url=saved.url, final_url=saved.url, status=200, headers=headers, body=saved.body)
            items.append(PageItem(page=page, site=site.name, site_name=None, site_type=site.site_type,
                                  spider=site.site_type or "generic", crawl_id="test"))
    return items


def error_item() -> PageItem:
    page = PagePart(url="http://example.test/a.html", final_url="http://example.test/a.html", status=200,
                    headers={"Content-Type": "text/html"}, body=b"")
    return PageItem(page=page, site="example", site_name=None, site_type=None, spider="generic", crawl_id="t")


def die_on_empty(item: PageItem) -> dict:
    """A cleaner that kills its own process on an empty page (a crash, not an exception)."""
    if not item.page.body:
        os._exit(3)
    return clean_item(item)


def hang_on_empty(item: PageItem) -> dict:
    """A cleaner stuck where no alarm reaches it (signals ignored, asleep for long)."""
    if not item.page.body:
        signal.signal(signal.SIGALRM, signal.SIG_IGN)
        time.sleep(60)
    return clean_item(item)


def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    # a zombie is gone for our purposes only once reaped; the pool joins its workers
    stat = Path(f"/proc/{pid}/stat")
    return stat.exists() and stat.read_text().split()[2] != "Z"


async def run_all(pool: CleaningPool, items: list[PageItem]) -> list[dict]:
    return list(await asyncio.gather(*(pool.run(i) for i in items)))


def test_pool_results_equal_in_process_results_on_the_fixtures():
    items = fixture_items()
    assert len(items) >= 10, "the fixtures hold the saved articles"
    expected = [clean_item(i) for i in items]
    assert sum("__error__" not in e for e in expected) >= 10
    pool = CleaningPool(clean_item, workers=2, on_broken=worker_died)
    try:
        got = asyncio.run(run_all(pool, items))
    finally:
        pool.close()
    assert got == expected


def test_error_page_gives_an_error_record_through_the_pool():
    pool = CleaningPool(clean_item, workers=1, on_broken=worker_died)
    try:
        cleaned = asyncio.run(pool.run(error_item()))
    finally:
        pool.close()
    assert "__error__" in cleaned
    record = to_record(error_item(), cleaned)
    assert isinstance(record, ErrorRecord)
    assert record["url"] == "http://example.test/a.html" and record["error"] and record["reason"]


def test_a_dead_worker_costs_its_page_and_the_pool_is_rebuilt():
    items = fixture_items()[:3]
    pool = CleaningPool(die_on_empty, workers=2, on_broken=worker_died)
    try:
        crashed = asyncio.run(pool.run(error_item()))
        assert crashed["__error__"][0] == "clean" and "died" in crashed["__error__"][1]
        assert pool.rebuilds == 1
        after = asyncio.run(run_all(pool, items))
    finally:
        pool.close()
    assert after == [clean_item(i) for i in items]


def test_a_hung_page_becomes_a_timeout_error_and_its_neighbours_are_cleaned_again():
    items = fixture_items()[:3]
    pool = CleaningPool(hang_on_empty, workers=2, on_broken=worker_died, hard_timeout=3)

    async def together():
        return await asyncio.gather(pool.run(error_item()), *(pool.run(i) for i in items))

    started = time.monotonic()
    try:
        hung, *others = asyncio.run(together())
    finally:
        pool.close()
    assert time.monotonic() - started < 30
    assert hung == {"__error__": ("timeout", "cleaning did not finish (process replaced)")}
    assert others == [clean_item(i) for i in items]
    assert pool.rebuilds >= 1


def test_close_leaves_no_worker_processes():
    pool = CleaningPool(clean_item, workers=2, on_broken=worker_died)
    asyncio.run(run_all(pool, fixture_items()[:4]))
    pids = [p.pid for p in pool.processes()]
    assert len(pids) == 2
    started = time.monotonic()
    pool.close()
    assert time.monotonic() - started < 15
    assert not [pid for pid in pids if alive(pid)]
    with pytest.raises(RuntimeError):
        asyncio.run(pool.run(fixture_items()[0]))


def test_workers_ignore_ctrl_c():
    """Ctrl-C reaches the whole process group; the crawler decides when workers stop."""
    pool = CleaningPool(clean_item, workers=1, on_broken=worker_died)
    try:
        asyncio.run(pool.run(fixture_items()[0]))
        (worker,) = pool.processes()
        os.kill(worker.pid, signal.SIGINT)
        time.sleep(0.3)
        assert worker.is_alive()
        assert "__error__" not in asyncio.run(pool.run(fixture_items()[1]))
    finally:
        pool.close()


def test_ctrl_c_stops_a_crawl_with_a_pool_and_leaves_no_process(tmp_path):
    """SIGINT to the whole process group, as a terminal sends it: the crawl
    stops, what was fetched is written, and no cleaning process outlives it."""
    from benchmarks.generated_site import GeneratedSite, serve

    feed = tmp_path / "out.jsonl"
    with serve(GeneratedSite(2000)) as base:
        proc = start_pool_crawl(base, feed, tmp_path / "crawl.log")
        try:
            os.killpg(proc.pid, signal.SIGINT)
            code = proc.wait(60)
        finally:
            if proc.poll() is None:
                os.killpg(proc.pid, signal.SIGKILL)
    text = (tmp_path / "crawl.log").read_text()
    assert code == 0, text[-2000:]
    assert "finish_reason': 'shutdown'" in text
    lines = feed.read_text(encoding="utf-8").splitlines()
    assert 10 <= len(lines) < 2000
    assert all(json.loads(line)["text"] for line in lines)
    assert wait_until_gone(proc.pid, 10) == []


def test_kill_9_of_the_crawler_leaves_no_cleaning_process(tmp_path):
    """SIGKILL to the crawler alone: nothing tells the pool, yet its fork server
    and workers end within seconds instead of waiting on their queue for ever."""
    r = run_orphans(tmp_path, wait=10)
    assert r["pool_processes"] >= 2
    assert r["left"] == 0, f"{r['left']} process(es) still alive 10 s after the crawler was killed"
