"""Redis connections that ride out an outage, for a bounded time, and then say so.

Every Redis client of a distributed crawl (scheduler, dupefilter, emit-once
set, state store) is made here, with a `BoundedRetry`: a command that fails
because Redis is unreachable (refused, reset, timed out, still loading its
AOF/RDB after a restart) is sent again with exponential back-off (0.05 s
doubling up to 2 s) until Redis answers or the outage has lasted `outage`
seconds (DISTRIBUTED_REDIS_OUTAGE, `?outage=` in a state store URI). The
outage is counted from its first failure across all the commands a process
sends to that server (one clock per server: scheduler, dupefilter, emit-once
set and state store share it), so a worker blocked by a dead Redis waits
`outage` seconds in all, not per command or per client; after that every command fails at once (one attempt) with
`redis.ConnectionError` until Redis answers again, and the callers turn that
into error records, a clear message and the end of the worker.

Commands are blocking (redis-py), so while Redis is away the worker waits
(its downloads wait with it); nothing is dropped meanwhile.

A restart between two commands fails none of them: redis-py reconnects
quietly when it takes the dead connection from its pool. So every new
connection also reads the server's run id (INFO server), and a changed one
counts as an outage too: callers check after each outage what a Redis back
from an older snapshot, or empty, no longer holds.
"""

from __future__ import annotations

import logging
import re
import socket
import time
from typing import Any, Callable
from urllib.parse import urlsplit

import redis
from redis.backoff import ExponentialBackoff
from redis.retry import Retry

logger = logging.getLogger(__name__)

DEFAULT_OUTAGE = 60.0
# What "Redis is unreachable" looks like to redis-py (BusyLoadingError, a
# restarted server still loading its data, is a ConnectionError).
REDIS_DOWN = (redis.ConnectionError, redis.TimeoutError, socket.timeout)


class BoundedRetry(Retry):
    """A redis-py Retry bounded by time, shared by every connection of a client."""

    def __init__(self, outage: float = DEFAULT_OUTAGE):
        super().__init__(ExponentialBackoff(cap=2.0, base=0.05), retries=-1, supported_errors=REDIS_DOWN)
        self.outage = float(outage)
        self.down_since: float | None = None  # first failure of the current outage
        self.failed = False  # the outage outlasted `outage`: fail at once until Redis answers
        # Outages survived so far: a Redis that comes back may come back older (an
        # RDB snapshot) or empty, so callers check their own writes after each one.
        self.outages = 0
        self.run_id: str | None = None  # the server's, as the last new connection found it

    def on_connect(self, connection: Any) -> None:
        """redis-py's connect hook: the usual handshake, then the server's run id.
        Another run id than before is another server process: counted as an
        outage survived, though no command failed."""
        connection.on_connect()
        connection.send_command("INFO", "server")
        info = connection.read_response()
        match = re.search(rb"run_id:(\w+)", info if isinstance(info, bytes) else str(info).encode())
        run_id = match.group(1).decode() if match else None
        if run_id and self.run_id and run_id != self.run_id:
            logger.warning("Redis at %s:%s is another server process than before (restarted): checking what "
                           "it still holds", getattr(connection, "host", "?"), getattr(connection, "port", "?"))
            self.outages += 1
        self.run_id = run_id or self.run_id

    def __deepcopy__(self, memo: dict) -> "BoundedRetry":
        return self  # redis-py copies the Retry per connection: keep one outage clock

    def __eq__(self, other: Any) -> bool:
        return self is other

    __hash__ = object.__hash__

    def call_with_retry(self, do: Callable[[], Any], fail: Callable[..., Any], is_retryable=None,
                        with_failure_count: bool = False) -> Any:
        failures = 0
        while True:
            try:
                result = do()
            except self._supported_errors as error:
                if is_retryable and not is_retryable(error):
                    raise
                failures += 1
                fail(error, failures) if with_failure_count else fail(error)
                now = time.monotonic()
                if self.down_since is None:
                    self.down_since = now
                    logger.warning("Redis unreachable (%s): retrying for up to %.0f s", error, self.outage)
                if self.failed or now - self.down_since >= self.outage:
                    self.failed = True
                    raise
                time.sleep(min(self._backoff.compute(failures), max(0.0, self.outage - (now - self.down_since))))
            else:
                if self.down_since is not None:
                    logger.warning("Redis answers again after %.1f s", time.monotonic() - self.down_since)
                    self.down_since, self.failed = None, False
                    self.outages += 1
                return result


_clocks: dict[tuple, BoundedRetry] = {}


def outage_clock(url: str, outage: float) -> BoundedRetry:
    """The one BoundedRetry of this process for the server at `url`."""
    parts = urlsplit(url)
    key = (parts.hostname, parts.port, parts.path if parts.scheme == "unix" else "", float(outage))
    if key not in _clocks:
        _clocks[key] = BoundedRetry(outage)
    return _clocks[key]


def connection_params(url: str, outage: float) -> dict[str, Any]:
    """redis-py keyword arguments for a client that rides out an outage."""
    return {
        "retry": outage_clock(url, outage),
        "redis_connect_func": outage_clock(url, outage).on_connect,
        "socket_connect_timeout": 2,  # a host that does not answer at all: try again soon
        "socket_timeout": 30,
        "health_check_interval": 15,
    }


def connect(url: str, outage: float = DEFAULT_OUTAGE, **kwargs: Any) -> redis.Redis:
    return redis.Redis.from_url(url, **connection_params(url, outage), **kwargs)


def outages(client: redis.Redis) -> int:
    """How many outages the client's server has come back from, in this process."""
    retry = client.get_retry()
    return retry.outages if isinstance(retry, BoundedRetry) else 0


def describe(client: redis.Redis) -> str:
    kw = client.connection_pool.connection_kwargs
    return f"redis://{kw.get('host', 'localhost')}:{kw.get('port', 6379)}/{kw.get('db', 0)}"
