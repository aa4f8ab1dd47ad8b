"""Worker processes fed over bare pipes by the event loop itself.

concurrent.futures' ProcessPoolExecutor hands each task through two threads of
the crawler's process (its manager and its queue feeder) and each result back
through the manager, and each handoff makes the busy event loop give up the GIL:
about 0.3 ms of the crawler's CPU per page, against 0.05 ms for bytes written to
and read from a pipe by the loop itself. Here each worker process has two pipes
(tasks in, results out); the loop writes a task without blocking (what the pipe
does not take waits in a buffer, sent as the pipe drains) and reads results as
they arrive; a worker's exit is seen on its process sentinel.

Frames are multiprocessing's (a 4-byte big-endian length, then a pickle): the
worker reads and writes with `Connection.recv()` / `send()`.
"""

from __future__ import annotations

import asyncio
import os
import pickle
import struct
import time
from collections import deque
from typing import Any, Callable

from multiprocessing.connection import Connection

_HEADER = struct.Struct("!i")
_LONG = struct.Struct("!Q")  # after a header of -1: a frame of 2 GiB or more
READ_CHUNK = 1 << 20


def frame(obj: Any) -> bytes:
    data = pickle.dumps(obj, protocol=pickle.HIGHEST_PROTOCOL)
    if len(data) > 0x7FFFFFFF:
        return _HEADER.pack(-1) + _LONG.pack(len(data)) + data
    return _HEADER.pack(len(data)) + data


def serve(tasks: Connection, results: Connection, func: Callable[[Any], Any],
          init: Callable[..., None] | None, initargs: tuple) -> None:
    """A worker's life: each task read from `tasks` answered on `results`, in order,
    as ("ok", value) or ("error", exception); ends when the crawler closes its end."""
    if init is not None:
        init(*initargs)
    while True:
        try:
            arg = tasks.recv()
        except (EOFError, OSError):
            return
        try:
            reply: tuple[str, Any] = ("ok", func(arg))
        except BaseException as exc:  # noqa: BLE001 - the caller decides what it means
            reply = ("error", exc)
        try:
            results.send(reply)
        except (pickle.PicklingError, TypeError, AttributeError) as exc:
            results.send(("error", RuntimeError(f"result not picklable: {exc}")))
        except (BrokenPipeError, OSError):
            return


class WorkerGone(Exception):
    """The worker process ended before it answered."""


class PipeWorker:
    """One worker process and its two pipes, driven by the running event loop."""

    def __init__(self, ctx, func: Callable[[Any], Any], init: Callable[..., None] | None, initargs: tuple,
                 on_exit: Callable[["PipeWorker"], None], on_answer: Callable[[], None]):
        task_reader, task_writer = ctx.Pipe(duplex=False)
        result_reader, result_writer = ctx.Pipe(duplex=False)
        self.process = ctx.Process(target=serve, args=(task_reader, result_writer, func, init, initargs),
                                   daemon=True)
        self.process.start()
        task_reader.close()
        result_writer.close()
        self.task_fd, self.result_fd = os.dup(task_writer.fileno()), os.dup(result_reader.fileno())
        task_writer.close()
        result_reader.close()
        os.set_blocking(self.task_fd, False)
        os.set_blocking(self.result_fd, False)
        self.on_exit = on_exit
        self.on_answer = on_answer  # a place freed: the pool may send this worker more
        self.pending: deque[tuple[asyncio.Future, Any]] = deque()  # sent, answered in this order
        self.running_since = 0.0  # when the oldest unanswered task became the one it runs
        self.out = bytearray()
        self.inbox = bytearray()
        self.loop: asyncio.AbstractEventLoop | None = None
        self.writing = False
        self.closed = False

    # --- the loop's side ------------------------------------------------------------

    def attach(self, loop: asyncio.AbstractEventLoop) -> None:
        """Watch this worker's result pipe and exit in `loop` (tests run one loop after another)."""
        if self.loop is loop:
            return
        self.detach()
        loop.add_reader(self.result_fd, self._readable)
        loop.add_reader(self.process.sentinel, self._exited)
        self.loop = loop

    def detach(self) -> None:
        if self.loop is not None and not self.loop.is_closed():
            self.loop.remove_reader(self.result_fd)
            self.loop.remove_reader(self.process.sentinel)
            if self.writing:
                self.loop.remove_writer(self.task_fd)
        self.loop, self.writing = None, False

    def send(self, future: asyncio.Future, arg: Any) -> None:
        if not self.pending:
            self.running_since = time.monotonic()
        self.pending.append((future, arg))
        self.out += frame(arg)
        self._flush()

    def _flush(self) -> None:
        while self.out:
            try:
                n = os.write(self.task_fd, self.out)
            except BlockingIOError:
                break
            except (BrokenPipeError, OSError):
                self.out.clear()  # the process is gone: its sentinel says so
                break
            del self.out[:n]
        want = bool(self.out)
        if want != self.writing and self.loop is not None:
            if want:
                self.loop.add_writer(self.task_fd, self._flush)
            else:
                self.loop.remove_writer(self.task_fd)
            self.writing = want

    def _readable(self) -> None:
        """Read all the pipe holds; answer the tasks whose results are whole."""
        while True:
            try:
                data = os.read(self.result_fd, READ_CHUNK)
            except BlockingIOError:
                break
            except OSError:
                data = b""
            if not data:  # the worker closed its end: it is ending (its sentinel says so)
                if self.loop is not None:
                    self.loop.remove_reader(self.result_fd)
                break
            self.inbox += data
        answered = False
        while (reply := self._next_frame()) is not None:
            answered = True
            future, _ = self.pending.popleft()
            self.running_since = time.monotonic()  # the next one starts now
            status, value = reply
            if future.done():
                continue
            if status == "ok":
                future.set_result(value)
            else:
                future.set_exception(value)
        if answered and not self.closed:
            self.on_answer()

    def _next_frame(self) -> Any:
        if len(self.inbox) < 4:
            return None
        (size,) = _HEADER.unpack_from(self.inbox)
        start = 4
        if size == -1:
            if len(self.inbox) < 12:
                return None
            (size,) = _LONG.unpack_from(self.inbox, 4)
            start = 12
        if len(self.inbox) < start + size:
            return None
        data = bytes(self.inbox[start:start + size])
        del self.inbox[:start + size]
        try:
            return pickle.loads(data)
        except Exception as exc:  # noqa: BLE001 - e.g. an exception class that cannot be rebuilt here
            return ("error", RuntimeError(f"a result that cannot be read back: {type(exc).__name__}: {exc}"))

    def _exited(self) -> None:
        self._readable()  # answers it wrote before it ended still count
        self.close(kill=False)
        self.on_exit(self)

    # --- ending ---------------------------------------------------------------------

    def unanswered(self) -> list[tuple[asyncio.Future, Any]]:
        """The tasks sent and not answered, the running one first; forgotten here."""
        left = [(f, a) for f, a in self.pending if not f.done()]
        self.pending.clear()
        return left

    def close(self, kill: bool) -> None:
        """Stop watching, close the pipes (a worker waiting for a task then ends); kill it if asked."""
        if self.closed:
            return
        self.closed = True
        self.detach()
        for fd in (self.task_fd, self.result_fd):
            try:
                os.close(fd)
            except OSError:
                pass
        if kill and self.process.is_alive():
            self.process.kill()

    def join(self, timeout: float) -> None:
        self.process.join(timeout)
