"""Cookie storms, and the request nobody asked for.

The storm (tests/hostile/security_scenarios.py): a session cookie, then 300
cookies of 4 KB and one of 5 KB, on a site whose articles need the session and
answer 431 to an oversized Cookie header. Every article must still come
through, every request's headers stay under the cap, and the jar stays bounded.
The crawl runs with an empty cache directory, so a public suffix list that is
not the bundled one would be fetched from the internet: the suite's network
guard (tests/netguard.py) fails the test if anything tries.
"""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from tests.crawler.conftest import ROOT
from tests.hostile.security_scenarios import HEADER_CAP, STORM, run_cookie_storm
from tests.netguard import ENV

KEPT_PER_SITE = 50  # COOKIES_MAX_PER_SITE


@pytest.mark.slow
@pytest.mark.timeout(200)
def test_a_cookie_storm_is_bounded_and_the_crawl_goes_on(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "empty-cache"))  # nothing cached to fall back on
    storm = run_cookie_storm(tmp_path)
    crawl, site, stats = storm["crawl"], storm["site"], storm["stats"]
    assert crawl.returncode == 0, crawl.log[-3000:]
    assert crawl.errors == [], crawl.errors
    assert storm["emitted"] == storm["expected"]
    assert site.without_session == []  # the session set before the storm was kept and sent
    assert len(site.header_bytes) == storm["expected"] and storm["max_header_bytes"] <= HEADER_CAP, \
        site.header_bytes
    assert stats.get("cookies/refused/size") == 1  # the 5,000-byte cookie
    assert stats.get("cookies/refused/per_site") == STORM + 1 - KEPT_PER_SITE
    assert stats.get("cookies/trimmed_requests") == storm["expected"]


def test_the_network_guard_refuses_and_reports_a_lookup_in_a_subprocess(tmp_path):
    """The guard itself: a process the tests start that looks up a public name, or
    connects beyond loopback, is refused and reported (or no test above could fail)."""
    log = tmp_path / "guard.log"
    code = ("import socket\n"
            "try: socket.getaddrinfo('publicsuffix.org', 443)\nexcept OSError as e: print('lookup', e)\n"
            "s = socket.socket()\n"
            "try: s.connect(('192.0.2.1', 80))\nexcept OSError as e: print('connect', e)\n"
            "socket.getaddrinfo('localhost', 80); socket.getaddrinfo('127.0.0.1', 80)\n")
    env = {**os.environ, "PYTHONPATH": str(ROOT), ENV: str(log)}
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    assert "lookup" in out.stdout and "connect" in out.stdout
    lines = log.read_text().splitlines()
    assert len(lines) == 2 and "publicsuffix.org" in lines[0] and "192.0.2.1" in lines[1], lines
