"""Every connection the browser makes passes the address policy, whatever started it.

A rendered article on 127.0.0.1 (the start URL's origin) tries every way a page
can make Chromium open a connection (tests/browser/probe.py) against two sinks
that count every TCP connection and UDP datagram they receive: one on a second
loopback address (127.0.0.2) and one on another port of the start host. Both
must count 0, while the page's own requests still work.
"""

from __future__ import annotations

import pytest

from tests.browser.conftest import leftovers, needs_chromium
from tests.browser.probe import TITLE, run_browser_probe

pytestmark = [pytest.mark.browser, needs_chromium]


@pytest.mark.timeout(240)
def test_no_connection_of_the_browser_reaches_a_forbidden_endpoint(tmp_path):
    probe = run_browser_probe(tmp_path)
    crawl, site, stats = probe["crawl"], probe["site"], probe["stats"]
    other_host, other_port = probe["other_host"], probe["other_port"]
    assert crawl.returncode == 0, crawl.log[-3000:]
    # The page was rendered and its own scripts ran (their requests to the
    # allowed origin went through), so the attacks did run.
    assert "/own.json" in site.requests, site.requests
    assert "/popup.html" in site.requests, site.requests
    assert [r["title"] for r in crawl.records] == [TITLE], (crawl.records, crawl.errors)
    assert crawl.records[0]["rendered"] is True
    assert other_host.reached == 0, f"127.0.0.2 was reached: {dict(other_host.hits)}"
    assert other_port.reached == 0, f"another port of 127.0.0.1 was reached: {dict(other_port.hits)}"
    # The browser's own calls home (updates, sign-in, autofill) were refused by
    # the proxies before any lookup: nothing was resolved or reached for them.
    assert stats.get("browser/proxy/refused", 0) > 0
    assert "browser/proxy/502" not in stats, stats
    assert leftovers(crawl.tag) == []
