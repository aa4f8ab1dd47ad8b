"""scrapy-redis internals the distributed scheduler (crawler/scale/distributed.py) relies on.

- a queue's `_encode_request` / `_decode_request`: the request as stored in
  Redis, with its meta and callbacks (our scheduler pushes and pops with scripts
  of its own, to lease what it pops);
- `PriorityQueue` keeps a sorted set scored by `-priority` (our scripts read and
  write that layout);
- the scheduler's attributes its `open()` reads to build the queue and the dupefilter.
"""

from __future__ import annotations

from typing import Any

from scrapy.utils.misc import load_object

from crawler.compat import LibraryChanged, installed_version, signature_problems

DISTRIBUTION = "scrapy-redis"
WRITTEN_FOR = "0.9.1"
QUEUE_METHODS = {"_encode_request": ("request",), "_decode_request": ("encoded_request",)}
SCHEDULER_ATTRIBUTES = ("server", "queue_cls", "queue_key", "serializer", "df", "dupefilter_cls",
                        "flush_on_start", "stats")


def encode_request(queue: Any, request: Any) -> Any:
    """The request as the queue stores it in Redis."""
    return queue._encode_request(request)


def decode_request(queue: Any, data: Any) -> Any:
    """A request from what the queue stored (its callbacks bound to the queue's spider)."""
    return queue._decode_request(data)


def new_queue(scheduler: Any, spider: Any) -> Any:
    """The spider's request queue, as scrapy-redis' Scheduler.open() builds it."""
    return load_object(scheduler.queue_cls)(server=scheduler.server, spider=spider,
                                            key=scheduler.queue_key % {"spider": spider.name},
                                            serializer=scheduler.serializer)


def check() -> None:
    """Raise LibraryChanged when the installed scrapy-redis lacks what we rely on."""
    from scrapy_redis.queue import Base, PriorityQueue
    from scrapy_redis.scheduler import Scheduler

    problems = signature_problems(Base, QUEUE_METHODS)
    scheduler = Scheduler(server=None)
    problems += [f"Scheduler().{name} is gone" for name in SCHEDULER_ATTRIBUTES if not hasattr(scheduler, name)]
    if not issubclass(PriorityQueue, Base):
        problems.append("PriorityQueue no longer derives from queue.Base")
    if problems:
        raise LibraryChanged(f"{DISTRIBUTION} {installed_version(DISTRIBUTION)} (crawler/compat/scrapy_redis.py "
                             f"was written for {WRITTEN_FOR}): " + "; ".join(problems))
