"""The browser's policy proxy on its own (no browser): what it lets through,
what it refuses, and that a refused endpoint never sees a connection."""

from __future__ import annotations

import asyncio

from crawler.fetch.browser.proxy import PolicyProxy
from crawler.fetch.security import AddressPolicy
from tests.browser.sink import Sink


async def _exchange(proxy_url: str, data: bytes) -> bytes:
    host, port = proxy_url.rsplit("//", 1)[1].split(":")
    reader, writer = await asyncio.open_connection(host, int(port))
    writer.write(data)
    await writer.drain()
    try:
        return await asyncio.wait_for(reader.read(65536), 10)
    finally:
        writer.close()


def _run(policy, requests: list[bytes]) -> list[bytes]:
    async def main():
        proxy = PolicyProxy(policy)
        url = await proxy.start()
        try:
            return [await _exchange(url, r) for r in requests]
        finally:
            await proxy.close()
    return asyncio.run(main())


def test_the_policy_decides_every_tunnel_and_request():
    with Sink("127.0.0.1") as allowed, Sink("127.0.0.2") as other_host, Sink("127.0.0.1") as other_port:
        policy = AddressPolicy.from_lists(resolver=lambda h: [])
        policy.allow_url(allowed.base + "/news/")
        answers = _run(lambda: policy, [
            f"GET {allowed.base}/page HTTP/1.1\r\nHost: x\r\nProxy-Connection: keep-alive\r\n\r\n".encode(),
            f"CONNECT 127.0.0.1:{allowed.port} HTTP/1.1\r\nHost: x\r\n\r\n".encode(),
            f"GET {other_host.base}/ HTTP/1.1\r\nHost: x\r\n\r\n".encode(),
            f"CONNECT 127.0.0.2:{other_host.port} HTTP/1.1\r\n\r\n".encode(),
            f"CONNECT [::ffff:127.0.0.2]:{other_host.port} HTTP/1.1\r\n\r\n".encode(),
            f"CONNECT localhost:{other_port.port} HTTP/1.1\r\n\r\n".encode(),
            f"GET {other_port.base}/ HTTP/1.1\r\n\r\n".encode(),
            b"GET /relative HTTP/1.1\r\n\r\n",
        ])
        assert answers[0].startswith(b"HTTP/1.1 200") and b"Connection: close" in answers[0]
        assert answers[1].startswith(b"HTTP/1.1 200 Connection Established")
        assert [a.split(b"\r\n", 1)[0] for a in answers[2:]] == [b"HTTP/1.1 403 Forbidden"] * 5 + \
            [b"HTTP/1.1 400 Bad Request"]
        assert allowed.hits["GET /page HTTP/1.1"] == 1  # forwarded in origin form
        assert other_host.reached == 0 and other_port.reached == 0


def test_the_browsers_own_traffic_is_refused():
    with Sink("127.0.0.1") as sink:
        everything = AddressPolicy.from_lists([sink.host])
        refused = _run(None, [f"CONNECT 127.0.0.1:{sink.port} HTTP/1.1\r\n\r\n".encode()])
        services = _run(lambda: everything, [b"CONNECT content-autofill.googleapis.com:443 HTTP/1.1\r\n\r\n",
                                             b"GET http://update.googleapis.com/service HTTP/1.1\r\n\r\n"])
        assert all(a.startswith(b"HTTP/1.1 403") for a in refused + services)
        assert sink.reached == 0


def test_the_proxy_connects_to_the_address_it_judged_not_to_a_second_answer():
    """DNS rebinding: the first answer is allowed, a second one would not be. The proxy
    asks once and connects to that answer (the name is unknown to the system resolver,
    so any second lookup would fail the connection)."""
    with Sink("127.0.0.1") as allowed, Sink("127.0.0.2") as forbidden:
        answers = iter([["127.0.0.1"], ["127.0.0.2"], ["127.0.0.2"]])
        policy = AddressPolicy.from_lists(networks=["127.0.0.1/32"], resolver=lambda host: next(answers))
        [answer] = _run(lambda: policy, [f"CONNECT rebind.test:{allowed.port} HTTP/1.1\r\n\r\n".encode()])
        assert answer.startswith(b"HTTP/1.1 200")
        assert allowed.hits["tcp"] == 1 and forbidden.reached == 0
