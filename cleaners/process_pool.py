"""The worker processes of a ProcessPoolExecutor: the one place that reads its private `_processes`.

concurrent.futures has no way to stop a running task, nor to list the pool's
processes; killing a worker stuck in a C call and joining the workers at
shutdown both need them. CPython keeps them in `ProcessPoolExecutor._processes`
(a dict pid -> Process; None once shut down). tests/test_library_internals.py
checks it on the running Python: if a release renames it, that test fails, and
so does every call here (loudly, not an empty list that kills nothing).
"""

from __future__ import annotations

import multiprocessing
import sys
from concurrent.futures import ProcessPoolExecutor

WRITTEN_FOR = "CPython 3.11-3.13"


class LibraryChanged(RuntimeError):
    """A private name of another library we rely on is not what the adapter expects."""


def worker_processes(executor: ProcessPoolExecutor | None) -> list[multiprocessing.Process]:
    """The executor's worker processes, alive or not (none before the first task or after shutdown)."""
    if executor is None:
        return []
    try:
        processes = executor._processes
    except AttributeError:
        raise LibraryChanged(
            f"ProcessPoolExecutor has no `_processes` on Python {sys.version.split()[0]} "
            f"(cleaners/process_pool.py was written for {WRITTEN_FOR}): update the adapter") from None
    return list((processes or {}).values())
