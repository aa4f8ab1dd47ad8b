"""Cleaning in a pool of worker processes, so the reactor keeps downloading.

Cleaning is CPU-bound (lxml, trafilatura, OpenCC): in the crawler's own process
it would block Twisted's event loop for every page. `CleaningPool` runs
`crawler.clean.pipeline.clean_item` in worker processes:

- `forkserver` start method (`spawn` where there is none): forking a process
  whose asyncio loop and reactor threads are running is unsafe. The fork
  server imports the cleaners once (`set_forkserver_preload`), each worker
  forks from it and warms the library up once in its initializer.
- Workers ignore SIGINT: Ctrl-C in a terminal reaches the whole process group,
  and it is the crawler, not the workers, that decides how to stop (Scrapy
  finishes the pages in flight, then `close()` shuts the pool down).
- A worker that dies (killed, out of memory) breaks the whole executor
  (`BrokenProcessPool`): the pages it held come back as error records and
  a fresh executor takes the next pages.
- A page still not cleaned after `hard_timeout` seconds (stuck in a C call
  that the in-worker time limit cannot interrupt) becomes an error record and
  its executor is killed and replaced; the other pages that executor held are
  cleaned again in the new one.
- At most PAGES_PER_WORKER (4) pages per worker are handed to the executor at a time; the rest
  wait in the event loop. Memory stays bounded, and an unclean exit (a second
  Ctrl-C stops the reactor at once) waits for a few pages at most, not for
  every page queued.
- `close()` never hangs: queued work is cancelled, workers still alive after
  a grace period are terminated.
- Workers exit when the crawler dies, however it dies (kill -9 included): a
  worker waits on its queue for ever otherwise, since it holds that queue's
  write end itself. Each worker watches the crawler's process (a pidfd where
  Linux has one, else a poll every second) and ends itself when it is gone.
"""

from __future__ import annotations

import asyncio
import logging
import multiprocessing
import os
import select
import signal
import threading
import time
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from typing import Any, Callable

from cleaners.process_pool import worker_processes

logger = logging.getLogger(__name__)

PRELOAD = ["cleaners", "crawler.clean.pipeline"]


# Workers run below the crawler's own priority: the crawler feeds them, and with
# one worker per core there are more busy processes than cores; a crawler that
# waits for CPU leaves the workers waiting for pages.
WORKER_NICENESS = 5
# Pages handed to the processes at a time, per worker: enough that a worker
# never waits for the crawler to give it the next page, few enough to bound memory.
PAGES_PER_WORKER = 4


# How often a worker without pidfd support checks that the crawler is alive (seconds).
PARENT_POLL_SECONDS = 1.0


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _exit_with(parent_pid: int) -> None:
    """Block until process `parent_pid` ends, then end this process at once."""
    try:
        fd = os.pidfd_open(parent_pid)
    except (AttributeError, OSError):  # no pidfd (old kernel, not Linux): poll
        while _pid_alive(parent_pid):
            time.sleep(PARENT_POLL_SECONDS)
    else:
        select.select([fd], [], [])  # readable when the process has ended
    os._exit(1)  # nothing to save: the crawler that wanted the results is gone


def watch_parent(parent_pid: int) -> None:
    """End this process when `parent_pid` ends (a daemon thread; costs nothing meanwhile)."""
    if not _pid_alive(parent_pid):
        os._exit(1)
    threading.Thread(target=_exit_with, args=(parent_pid,), name="watch-crawler", daemon=True).start()


def _init_worker(parent_pid: int | None = None) -> None:
    """Runs once in each worker: end with the crawler, ignore Ctrl-C, yield the
    CPU to the crawler, import and warm up the cleaners."""
    if parent_pid:
        watch_parent(parent_pid)
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        os.nice(WORKER_NICENESS)
    except OSError:
        pass
    try:
        import cleaners  # noqa: F401  (imports lxml, trafilatura, OpenCC once)
        import crawler.clean.pipeline  # noqa: F401
    except Exception:  # reported per page by clean_item, which catches it again
        pass


def mp_context() -> multiprocessing.context.BaseContext:
    methods = multiprocessing.get_all_start_methods()
    if "forkserver" in methods:
        ctx = multiprocessing.get_context("forkserver")
        ctx.set_forkserver_preload(PRELOAD)
        return ctx
    return multiprocessing.get_context("spawn")


class CleaningPool:
    """A process pool for one function; `await pool.run(arg)` from the event loop."""

    def __init__(self, func: Callable[[Any], Any], workers: int, on_broken: Callable[[Any, BaseException], Any],
                 hard_timeout: float = 0.0):
        if workers < 1:
            raise ValueError("a cleaning pool needs at least one worker")
        self.func = func
        self.workers = workers
        self.on_broken = on_broken  # result for an argument whose worker died (or hung: TimeoutError)
        self.hard_timeout = hard_timeout  # seconds; 0 = wait for ever
        self.rebuilds = 0
        self._killed: set[int] = set()  # ids of executors killed on purpose
        self._executor: ProcessPoolExecutor | None = None
        self._closed = False
        self._slots: asyncio.Semaphore | None = None  # made in the running loop

    # --- lifecycle ----------------------------------------------------------------

    def _get_executor(self) -> ProcessPoolExecutor:
        if self._closed:
            raise RuntimeError("cleaning pool is closed")
        if self._executor is None:  # started on first use: crawls with no article pay nothing
            self._executor = ProcessPoolExecutor(
                max_workers=self.workers, mp_context=mp_context(), initializer=_init_worker,
                initargs=(os.getpid(),))
            logger.info("cleaning pool started: %d worker processes", self.workers)
        return self._executor

    def processes(self) -> list[multiprocessing.Process]:
        """The live worker processes (for shutdown checks)."""
        return [p for p in worker_processes(self._executor) if p.is_alive()]

    def _rebuild(self, broken: ProcessPoolExecutor) -> None:
        # Several pages fail together when the executor breaks: rebuild once.
        if self._executor is broken:
            self._executor = None
            self.rebuilds += 1
            _shutdown(broken, timeout=2.0)
            logger.warning("cleaning pool broken (a worker died): starting a new one")

    def close(self, timeout: float = 10.0) -> None:
        """Cancel queued work, let running cleans finish for up to `timeout` s, then terminate."""
        self._closed = True
        ex, self._executor = self._executor, None
        if ex is not None:
            _shutdown(ex, timeout)
            logger.info("cleaning pool stopped")

    # --- work -----------------------------------------------------------------------

    def submit(self, arg: Any) -> Future:
        return self._get_executor().submit(self.func, arg)

    async def run(self, arg: Any) -> Any:
        """The function's result for `arg`, computed in a worker; awaiting never blocks the loop."""
        if self._slots is None:
            self._slots = asyncio.Semaphore(PAGES_PER_WORKER * self.workers)
        for attempt in (1, 2):
            async with self._slots:
                executor = self._get_executor()
                try:
                    future = asyncio.wrap_future(executor.submit(self.func, arg))
                    if self.hard_timeout > 0:
                        return await asyncio.wait_for(future, self.hard_timeout)
                    return await future
                except asyncio.TimeoutError:
                    logger.error("cleaning took over %.0f s: replacing the cleaning processes", self.hard_timeout)
                    self._killed.add(id(executor))
                    for p in worker_processes(executor):
                        p.kill()
                    self._rebuild(executor)
                    return self.on_broken(arg, TimeoutError(f"not done in {self.hard_timeout} s"))
                except BrokenProcessPool as exc:
                    self._rebuild(executor)
                    if id(executor) in self._killed and attempt == 1:
                        continue  # broken by a hung neighbour, not by this page: once more
                    return self.on_broken(arg, exc)
        raise AssertionError("unreachable")


def _shutdown(executor: ProcessPoolExecutor, timeout: float) -> None:
    procs = worker_processes(executor)
    executor.shutdown(wait=False, cancel_futures=True)
    deadline = time.monotonic() + timeout
    for p in procs:
        p.join(max(0.0, deadline - time.monotonic()))
    for p in procs:
        if p.is_alive():
            logger.warning("cleaning worker %s did not stop in %.0f s: terminating it", p.pid, timeout)
            p.terminate()
            p.join(2.0)
        if p.is_alive():
            p.kill()
            p.join(1.0)
