"""Broken servers, each behind one article link of a crawl against a local
fault-injecting server: every article ends as a record or an error record with
the right stage, never lost, never twice, and the crawl ends."""

from __future__ import annotations

import re

import pytest

from tests.hostile import scenarios

pytestmark = [pytest.mark.slow, pytest.mark.timeout(300)]


def outcome(group, n: int) -> scenarios.Outcome:
    return next(o for o in group.outcomes if o.fault.n == n)


def test_crawl_ends_and_nothing_is_lost_or_doubled(server_faults):
    g = server_faults
    assert g.crawl.returncode == 0, g.crawl.log[-3000:]
    assert g.problems() == {}, scenarios.dump(g)
    urls = [r["url"] for r in g.crawl.records] + [e["url"] for e in g.crawl.errors]
    assert len(urls) == len(set(urls))


@pytest.mark.parametrize("n", [1002, 1003, 1006])
def test_storms_are_retried_then_recovered(server_faults, n):
    o = outcome(server_faults, n)
    assert o.result == "recovered" and o.problems() == []
    assert o.records[0]["title"]


def test_retry_after_is_honoured(server_faults):
    times = server_faults.server.hit_times[scenarios.article_path(1002)]
    assert len(times) == 3
    assert min(b - a for a, b in zip(times, times[1:])) >= 0.9  # Retry-After: 1


def test_retry_after_over_the_cap_is_not_retried(server_faults):
    o = outcome(server_faults, 1005)
    assert o.hits == 1 and o.errors[0]["reason"] == "HTTP 503"


def test_endless_storm_gives_up_with_an_error_record(server_faults):
    o = outcome(server_faults, 1004)
    assert o.hits == 3 and (o.errors[0]["error"], o.errors[0]["reason"]) == ("http", "HTTP 500")


@pytest.mark.parametrize("n,pattern", [(1007, "Timeout"), (1008, "Timeout"), (1009, "Connection|Failed"),
                                       (1010, "DataLoss")])
def test_network_faults_are_error_records(server_faults, n, pattern):
    o = outcome(server_faults, n)
    assert o.errors and o.errors[0]["error"] == "fetch" and re.search(pattern, o.errors[0]["reason"]), o.errors


def test_redirect_loop_and_long_chain_are_error_records(server_faults):
    loop, chain, short = outcome(server_faults, 1011), outcome(server_faults, 1012), outcome(server_faults, 1013)
    assert loop.errors[0]["error"] == "redirect" and "loop" in loop.errors[0]["reason"]
    assert chain.errors[0]["reason"] == "max redirections reached"
    assert server_faults.server.hits["/chain/15.html"] == 0
    assert short.records[0]["final_url"].endswith("/short/2.html")


@pytest.mark.parametrize("n,stage", [(1014, "content"), (1016, "content"), (1017, "content")])
def test_empty_and_mislabelled_bodies_are_error_records(server_faults, n, stage):
    o = outcome(server_faults, n)
    assert o.errors and o.errors[0]["error"] == stage


def test_random_binary_labelled_html_is_an_outcome_not_a_crash(server_faults):
    o = outcome(server_faults, 1015)
    assert len(o.records) + len(o.errors) == 1
    assert not any(e["reason"].startswith("unexpected") for e in o.errors)


@pytest.mark.parametrize("n", [1018, 1019])
def test_oversized_bodies_are_refused_without_reading_them_whole(server_faults, n):
    o = outcome(server_faults, n)
    assert o.errors and o.errors[0]["error"] == "fetch"
    sent = server_faults.server.sent[scenarios.article_path(n)]
    assert sent < 20 * 1024 * 1024, f"the crawler read {sent} bytes of a 50-200 MB body (limit 1 MiB)"


def test_gzip_bomb_is_refused_during_decompression(server_faults):
    o = outcome(server_faults, 1020)
    assert "DOWNLOAD_MAXSIZE" in o.errors[0]["reason"]
    m = re.search(r"(\d+) B decompressed so far", o.errors[0]["reason"])
    assert m, o.errors[0]["reason"]
    limit = int(scenarios.SERVER_FAULT_SETTINGS["DOWNLOAD_MAXSIZE"])
    # Decompression stopped one chunk past the limit, not at the bomb's 200 MB.
    assert limit < int(m.group(1)) <= limit + 1024 * 1024 < scenarios.GZIP_BOMB_SIZE
