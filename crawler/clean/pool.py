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
- Pages go to the workers over bare pipes, written and read by the event loop
  itself (crawler/clean/pipe_pool.py): no helper threads in the crawler's
  process, whose CPU is what the pool's speed is held by.
- A worker that dies (killed, out of memory) costs the page it was running: an
  error record. The pages it had not started go to the other workers, and a
  new process takes its place.
- A page still not cleaned `hard_timeout` seconds after its worker started it
  (stuck in a C call that the in-worker time limit cannot interrupt) becomes an
  error record, and that worker is killed and replaced; the pages queued
  behind it are cleaned by the others.
- At most PAGES_PER_WORKER (4) pages per worker are handed over at a time; the
  rest wait in the event loop. Memory stays bounded, and an unclean exit (a
  second Ctrl-C stops the reactor at once) waits for a few pages at most, not
  for every page queued.
- `close()` never hangs: queued work is cancelled, workers still alive after
  a grace period are terminated.
- Workers exit when `close()` shuts their task pipe, and when the crawler
  dies, however it dies (kill -9 included): each worker watches the crawler's
  process (a pidfd where Linux has one, else a poll every second) and ends
  itself when it is gone.
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
from collections import deque
from typing import Any, Callable

from crawler.clean.pipe_pool import PipeWorker, WorkerGone

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
    """Worker processes for one function; `await pool.run(arg)` from the event loop.

    Tasks go to the worker with the fewest unanswered, at most PAGES_PER_WORKER
    each (the rest wait here); a worker answers its tasks in order, so the
    oldest unanswered one is the one it is running. That one is timed: past
    `hard_timeout` seconds its process is killed and the page gets
    `on_broken(arg, TimeoutError)`. A worker that dies costs only the page it
    was running (`on_broken(arg, WorkerGone)`); the pages it had not started go
    to the others, and a new process takes its place."""

    def __init__(self, func: Callable[[Any], Any], workers: int, on_broken: Callable[[Any, BaseException], Any],
                 hard_timeout: float = 0.0):
        if workers < 1:
            raise ValueError("a cleaning pool needs at least one worker")
        self.func = func
        self.workers = workers
        self.on_broken = on_broken  # result for an argument whose worker died (or hung: TimeoutError)
        self.hard_timeout = hard_timeout  # seconds; 0 = wait for ever
        self.rebuilds = 0
        self._workers: list[PipeWorker] = []
        self._waiting: deque[tuple[asyncio.Future, Any]] = deque()  # not handed to a worker yet
        self._timed_out: set[int] = set()  # ids of workers killed for a page past hard_timeout
        self._closed = False
        self._slots: asyncio.Semaphore | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._watching = False

    # --- lifecycle ----------------------------------------------------------------

    def _start_worker(self) -> PipeWorker:
        worker = PipeWorker(mp_context(), self.func, _init_worker, (os.getpid(),), self._worker_exited,
                            self._dispatch)
        self._workers.append(worker)
        if self._loop is not None:
            worker.attach(self._loop)
        return worker

    def _use_loop(self, loop: asyncio.AbstractEventLoop) -> None:
        if self._closed:
            raise RuntimeError("cleaning pool is closed")
        if self._loop is not loop:  # a new loop (tests run one after another): watch from it
            self._loop, self._slots, self._watching = loop, asyncio.Semaphore(PAGES_PER_WORKER * self.workers), False
        if not self._workers:  # started on first use: crawls with no article pay nothing
            for _ in range(self.workers):
                self._start_worker()
            logger.info("cleaning pool started: %d worker processes", self.workers)
        for worker in self._workers:
            worker.attach(loop)

    def processes(self) -> list[multiprocessing.Process]:
        """The live worker processes (for shutdown checks)."""
        return [w.process for w in self._workers if w.process.is_alive()]

    def _worker_exited(self, worker: PipeWorker) -> None:
        """A worker ended (died, or killed for a page past its time): its running page
        is lost, the ones it had not started go to the others, a new one takes its place."""
        if worker in self._workers:
            self._workers.remove(worker)
        unanswered = worker.unanswered()
        if unanswered:
            future, _ = unanswered[0]
            if id(worker) in self._timed_out:
                future.set_exception(TimeoutError(f"not done in {self.hard_timeout} s"))
            else:
                future.set_exception(WorkerGone(f"process {worker.process.pid} ended with code "
                                                f"{worker.process.exitcode}"))
            self._waiting.extendleft(reversed(unanswered[1:]))
        self._timed_out.discard(id(worker))
        if self._closed:
            return
        self.rebuilds += 1
        logger.warning("a cleaning process ended (exit code %s): starting a new one", worker.process.exitcode)
        self._start_worker()
        self._dispatch()

    def close(self, timeout: float = 10.0) -> None:
        """Cancel queued work, let running cleans finish for up to `timeout` s, then terminate."""
        if self._closed:
            return
        self._closed = True
        for future, _ in self._waiting:
            future.cancel()
        self._waiting.clear()
        workers, self._workers = self._workers, []
        for worker in workers:
            for future, _ in worker.unanswered():
                future.cancel()
            worker.close(kill=False)  # its task pipe closes: it ends once its page is done
        deadline = time.monotonic() + timeout
        for worker in workers:
            worker.join(max(0.0, deadline - time.monotonic()))
        for worker in workers:
            p = worker.process
            if p.is_alive():
                logger.warning("cleaning worker %s did not stop in %.0f s: terminating it", p.pid, timeout)
                p.terminate()
                p.join(2.0)
            if p.is_alive():
                p.kill()
                p.join(1.0)
        if workers:
            logger.info("cleaning pool stopped")

    # --- work -----------------------------------------------------------------------

    def _dispatch(self) -> None:
        while self._waiting and self._workers:
            worker = min(self._workers, key=lambda w: len(w.pending))
            if len(worker.pending) >= PAGES_PER_WORKER:
                return
            future, arg = self._waiting.popleft()
            if not future.done():
                worker.send(future, arg)
        self._watch()

    def _watch(self) -> None:
        """Every second while pages are out: kill a worker whose running page is past hard_timeout."""
        if self.hard_timeout <= 0 or self._loop is None or self._closed:
            return
        busy = [w for w in self._workers if w.pending]
        now = time.monotonic()
        for worker in busy:
            if now - worker.running_since > self.hard_timeout and id(worker) not in self._timed_out:
                logger.error("cleaning took over %.0f s: replacing the cleaning process", self.hard_timeout)
                self._timed_out.add(id(worker))
                worker.process.kill()  # its sentinel tells the loop: _worker_exited
        if busy and not self._watching:
            self._watching = True
            self._loop.call_later(1.0, self._watch_again)

    def _watch_again(self) -> None:
        self._watching = False
        self._watch()

    async def run(self, arg: Any) -> Any:
        """The function's result for `arg`, computed in a worker; awaiting never blocks the loop."""
        loop = asyncio.get_running_loop()
        self._use_loop(loop)
        async with self._slots:
            self._use_loop(loop)  # again: the pool may have closed while this page waited for a slot
            future = loop.create_future()
            self._waiting.append((future, arg))
            self._dispatch()
            try:
                return await future
            except (TimeoutError, WorkerGone) as exc:  # its worker hung, or died on it
                return self.on_broken(arg, exc)
