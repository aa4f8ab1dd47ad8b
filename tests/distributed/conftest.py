"""A real redis-server on a free loopback port, and a generated site on 127.0.0.1."""

from __future__ import annotations

import subprocess
import time
from pathlib import Path

import pytest

from benchmarks.generated_site import GeneratedSite, serve
from tests.distributed.redis_faults import REDIS_SERVER, RedisServer, free_port


@pytest.fixture
def redis_server(tmp_path: Path):
    """A factory of killable redis-servers; every one is killed at the end."""
    if not Path(REDIS_SERVER).exists():
        pytest.fail("redis-server is not installed (apt-get install redis-server)")
    servers: list[RedisServer] = []

    def make(persistence: bool) -> RedisServer:
        servers.append(RedisServer(tmp_path / f"redis-{len(servers)}", persistence))
        return servers[-1]

    yield make
    for server in servers:
        server.kill()


@pytest.fixture
def redis_url(tmp_path: Path):
    """A fresh redis-server (no persistence) for one test; killed at the end."""
    if not Path(REDIS_SERVER).exists():
        pytest.fail("redis-server is not installed (apt-get install redis-server)")
    port = free_port()
    proc = subprocess.Popen(
        [REDIS_SERVER, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
         "--dir", str(tmp_path)],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    import redis

    client = redis.Redis(host="127.0.0.1", port=port)
    deadline = time.monotonic() + 10
    while True:
        try:
            client.ping()
            break
        except redis.ConnectionError:
            if time.monotonic() > deadline or proc.poll() is not None:
                proc.kill()
                pytest.fail("redis-server did not start")
            time.sleep(0.05)
    try:
        yield f"redis://127.0.0.1:{port}/0"
    finally:
        client.close()
        proc.kill()
        proc.wait(10)


@pytest.fixture(scope="module")
def site():
    return GeneratedSite(300)


@pytest.fixture(scope="module")
def site_base(site):
    with serve(site) as base:
        yield base
