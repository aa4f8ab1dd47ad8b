"""Run the whole hostile suite and print the figures.

    .venv/bin/python scripts/hostile_report.py            # full: 500 fuzz examples, 10 kills
    .venv/bin/python scripts/hostile_report.py --quick    # short: 50 fuzz examples, 3 kills

Faults injected by kind against local servers on 127.0.0.1/127.0.0.2, what
became of each (recovered, record, error record, refused), articles expected vs
emitted, lost and duplicated; the security scenarios (another port of the start
host, the browser's connections, a cookie storm, attempts to reach beyond
loopback); then the fuzz run over clean_page and the kill -9 loop; whether every
page of each crawl is accounted for; two run_all at once on one state store;
the cleaning processes left after kill -9 of the crawler; then Redis failing
under a distributed crawl (a real redis-server killed with SIGKILL: back with
its AOF, back empty, never back; absent at start).
Exit status 1 when anything was lost, duplicated, crashed, torn or unaccounted.
"""

from __future__ import annotations

import argparse
import os
import random
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.hostile import loss, scenarios  # noqa: E402
from tests.hostile import security_scenarios as security  # noqa: E402


def fuzz(examples: int, seed: int) -> dict:
    from hypothesis import HealthCheck, given, seed as hseed, settings
    from hypothesis import strategies as st

    from tests.hostile.test_fuzz_and_timeout import PAGE_LIMIT, clean_bounded, mutated_page

    outcomes: Counter = Counter()
    slowest = [0.0]

    def one(body: bytes) -> None:
        t = time.monotonic()
        outcomes[clean_bounded(body, PAGE_LIMIT)] += 1
        slowest[0] = max(slowest[0], time.monotonic() - t)

    common = settings(max_examples=examples, deadline=None, database=None,
                      suppress_health_check=list(HealthCheck))
    crashes = []
    for name, strategy in (("bytes", st.binary(max_size=50000)), ("mutated", mutated_page())):
        test = hseed(seed)(common(given(strategy)(one)))
        try:
            test()
        except Exception as exc:  # noqa: BLE001 - a crash is the finding
            crashes.append(f"{name}: {type(exc).__name__}: {exc}"[:300])
    return {"examples": sum(outcomes.values()), "outcomes": dict(outcomes), "crashes": crashes,
            "slowest_s": round(slowest[0], 2), "limit_s": PAGE_LIMIT}


def bad_input_figures(tmp: Path) -> bool:
    """Encodings, page size and the CLI's inputs (tests/hostile/bad_input.py); True if anything failed."""
    from tests.hostile import bad_input

    enc = bad_input.run_encodings()
    print(f"\nencodings: {enc['cases']} pages (every BOM, UTF-16/32 without one, 7 legacy charsets with broken "
          f"bytes): records {enc['records']}, right codec {enc['right_codec']}, broken bytes counted "
          f"{enc['replacements_counted']}/{enc['broken_cases']}")
    for w in enc["wrong"]:
        print("WRONG", w)
    sizes = bad_input.run_sizes(tmp)
    for name, r in sizes.items():
        print(f"page size: {name}: {r.get('outcome')} in {r.get('seconds')} s, peak {r.get('peak_mb')} MB, "
              f"cut {r.get('cleaning', {}).get('bytes_cut', 0):,} bytes, "
              f"{r.get('cleaning', {}).get('elements_cut', 0):,} elements")
    cli = bad_input.run_cli_inputs(tmp / "cli")
    print(f"python -m cleaners: {cli['inputs']} hostile inputs (non-UTF-8 name, dangling link, link loops, "
          f"directory loop, FIFO, looping path, closed stdin): {cli['lines']} lines, valid UTF-8 JSON "
          f"{cli['valid_utf8_json']}, tracebacks {cli['tracebacks']}; `| head -1` exit {cli['head_exit']}, "
          f"stderr {cli['head_stderr']!r}")
    return bool(enc["wrong"] or any(r.get("outcome") != "record" for r in sizes.values())
                or cli["lines"] != cli["inputs"] or not cli["valid_utf8_json"] or cli["tracebacks"])


def redis_faults(tmp: Path, kills: int) -> dict:
    """The Redis scenarios of tests/distributed/redis_faults.py, with their figures."""
    from benchmarks.generated_site import GeneratedSite, serve
    from tests.distributed import redis_faults as rf
    from tests.distributed.workers import article_urls

    site = GeneratedSite(120)
    bad = 0
    with serve(site) as base:
        expected = article_urls(site, base)
        runs = [
            rf.unreachable_at_start(tmp / "start", base),
            rf.restarted_with_data(tmp / "aof", rf.RedisServer(tmp / "aof" / "redis", True), expected, base,
                                   kills=kills),
            rf.rolled_back(tmp / "rdb", rf.RedisServer(tmp / "rdb" / "redis", "rdb"), expected, base),
            rf.restarted_without_data(tmp / "empty", rf.RedisServer(tmp / "empty" / "redis", False), expected,
                                      base),
            rf.gone_for_good(tmp / "gone", rf.RedisServer(tmp / "gone" / "redis", False), expected, base),
        ]
    print(f"\n{'Redis fault':<30} {'kills':>5} {'exit':>7} {'finish reason':<34} {'s':>4} "
          f"{'emitted':>7} {'errors':>6} {'missing':>7} {'dup':>3} {'unacc.':>6}")
    print("-" * 117)
    for run in runs:
        reasons = ",".join(run.finish_reasons())
        complete = run.fault != "kill -9, never back" and run.expected
        missing = len(run.missing()) if complete else "-"
        print(f"{run.fault:<30} {run.kills:>5} {','.join(map(str, run.codes)):>7} {reasons:<34} "
              f"{run.seconds_to_exit:>4.0f} {len(run.emitted()):>7} {len(run.errors()):>6} {missing!s:>7} "
              f"{run.duplicated():>3} {run.unaccounted() + run.pipeline_failures():>6}")
        unreported = run.duplicated() - len(run.reported_twice())  # said so in the log: not hidden
        bad += unreported + run.unaccounted() + run.pipeline_failures() + (missing if complete else 0)
    start, aof, rdb, empty, gone = runs
    bad += (start.codes[0] == 0) + (aof.codes != [0]) + (rdb.codes != [0, 0]) + (empty.codes[0] != 3) \
        + (empty.codes[1] != 0) + (gone.codes != [3]) + (rdb.written_twice() != rdb.reported_twice())
    print("(exit: the workers' statuses, 3 = crawl not finished; s: seconds from the last fault to the exit; "
          "missing: articles in no feed and no errors file, for the crawls that must complete; "
          "dup: articles written twice, all of them reported in the workers' logs; "
          "unacc.: article pages that became no record, no error record and no counted drop)")
    return {"bad": bad}


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true")
    ap.add_argument("--seed", type=int, default=1)
    opts = ap.parse_args()
    examples, kills = (50, 3) if opts.quick else (500, 10)
    tmp = Path(tempfile.mkdtemp(prefix="hostile-"))
    started = time.monotonic()
    # Every crawl below runs with the tests' network guard (through sitecustomize.py).
    guard_log = tmp / "netguard.log"
    guard_log.touch()
    os.environ["EDUNEWS_NETGUARD_LOG"] = str(guard_log)

    groups = [scenarios.run_server_faults(tmp / "faults"), scenarios.run_bad_content(tmp / "content"),
              scenarios.run_address_guard(tmp / "guard")]
    for sub in ("faults", "content", "guard", "traps", "kill"):
        (tmp / sub).mkdir(exist_ok=True)
    traps = scenarios.run_traps(tmp / "traps")
    by_kind, totals = scenarios.summary_table(groups)

    print(f"{'group':<14} {'fault injected':<40} {'outcome':<13} n")
    print("-" * 72)
    for (group, kind, result), n in by_kind.items():
        print(f"{group:<14} {kind:<40} {result:<13} {n}")
    results = Counter(result for (_, _, result), n in by_kind.items() for _ in range(n))
    print("-" * 72)
    print("outcomes:", ", ".join(f"{k} {v}" for k, v in sorted(results.items())))
    print(f"articles expected {totals['expected']}, emitted {totals['emitted']}, "
          f"lost {totals['lost']}, duplicated {totals['duplicated']}")
    print(f"127.0.0.2 contacted: {groups[2].extra['second_hits']} requests")
    unbalanced = 0
    for g in [*groups, traps]:
        acc = g.crawl.summary.get("accounting") or {}
        unbalanced += not acc.get("balanced")
        print(f"pages accounted ({g.name}): {acc.get('pages')} = {acc.get('articles')} articles + "
              f"{acc.get('documents', 0)} documents + "
              f"{acc.get('list_pages')} list pages + {acc.get('article_parts')} parts + "
              f"{acc.get('error_records')} error records + {sum((acc.get('dropped') or {}).values())} dropped; "
              f"unaccounted {acc.get('unaccounted')}")
    problems = {k: v for g in groups for k, v in g.problems().items()}
    for k, v in problems.items():
        print("PROBLEM", k, v)

    stats = traps.extra["stats"]
    print("\nlink traps (requests per trap, DEPTH_LIMIT 25):", traps.extra["hits_by_trap"])
    print("  refused:", {k.split("/")[-1]: v for k, v in stats.items() if k.startswith("url_policy/trap/")},
          "canonicalised:", stats.get("url_policy/canonicalised", 0),
          "over DEPTH_LIMIT:", stats.get("depth/request_ignored_count", 0))

    sec = security_report(tmp, guard_log)

    f = fuzz(examples, opts.seed)
    print(f"\nfuzz clean_page: {f['examples']} pages, outcomes {f['outcomes']}, crashes {len(f['crashes'])}, "
          f"slowest {f['slowest_s']} s (limit {f['limit_s']} s)")
    for c in f["crashes"]:
        print("CRASH", c)

    bad_input = bad_input_figures(tmp / "input")

    k = scenarios.run_kill_loop(tmp / "kill", iterations=kills, seed=opts.seed)
    print(f"\nkill -9: {k['kills']} kills in {k['iterations']} runs + 1 to completion: "
          f"articles expected {k['expected']}, emitted {k['emitted']}, lost {k['lost']}, "
          f"duplicated {k['duplicated']}, torn lines {k['torn_lines']}")

    together = []
    for label, template in (("unique names", loss.RUN_ALL_OUTPUT), ("one name per second", loss.PER_SECOND)):
        (tmp / "together" / label).mkdir(parents=True, exist_ok=True)
        t = loss.run_two_at_once(tmp / "together" / label, template)
        together.append(t)
        print(f"two run_all at once on one state store ({label}): exit {t['returncodes']}, refused {t['refused']}; "
              f"articles expected {t['expected']}, emitted {t['emitted']}, lost {t['lost']}, "
              f"duplicated {t['duplicated']}, counted emitted but in no feed {t['in_store_not_in_feed']}; "
              f"a third run emitted {t['third_emitted']}")
    (tmp / "orphans").mkdir(exist_ok=True)
    o = loss.run_orphans(tmp / "orphans")
    print(f"kill -9 of a crawler with {o['pool_processes']} pool processes: {o['left']} left after {o['wait_s']:.0f} s")

    r = redis_faults(tmp / "redis", kills=1 if opts.quick else 3)
    print(f"\n{time.monotonic() - started:.0f} s; work files in {tmp}")
    bad = (totals["lost"] or totals["duplicated"] or problems or f["crashes"] or k["lost"] or k["duplicated"]
           or k["torn_lines"] or groups[2].extra["second_hits"] or sec or bad_input or unbalanced or o["left"]
           or any(t["lost"] or t["duplicated"] or t["in_store_not_in_feed"] or t["third_emitted"] for t in together) or r["bad"])
    return 1 if bad else 0


def security_report(tmp: Path, guard_log: Path) -> list[str]:
    """The other port of the start host, the browser's connections, a cookie storm, and
    any attempt of a crawl to reach beyond loopback (tests/netguard.py, active in the
    crawls this report starts). Returns what went wrong."""
    bad = []
    port = security.run_other_port(tmp / "port")
    print(f"\nstart host, another port: {port['other_port_hits']} connections reached it; "
          f"refused {len(port['refused'])} of {len(port['expected_refused'])}")
    if port["other_port_hits"] or port["refused"] != port["expected_refused"]:
        bad.append("another port of the start host")
    from tests.browser.conftest import HAVE_CHROMIUM

    if HAVE_CHROMIUM:
        from tests.browser.probe import run_browser_probe

        probe = run_browser_probe(tmp / "browser")
        reached = {s.host: dict(s.hits) for s in (probe["other_host"], probe["other_port"]) if s.reached}
        print(f"browser (over 40 ways to open a connection): 127.0.0.2 reached {probe['other_host'].reached}, "
              f"another local port reached {probe['other_port'].reached}; "
              f"refused by the proxy {probe['stats'].get('browser/proxy/refused', 0)}, "
              f"browser's own calls home refused {probe['stats'].get('browser/proxy/refused/browser_own', 0)}")
        if reached or not probe["crawl"].records:
            bad.append(f"browser: {reached or 'no record'}")
    else:
        print("browser: skipped (no system Chromium)")
    storm = security.run_cookie_storm(tmp / "cookies")
    print(f"cookie storm ({security.STORM} x {security.COOKIE_BYTES} B): articles expected {storm['expected']}, "
          f"emitted {storm['emitted']}, HTTP 431 {storm['answered_431']}; largest request headers "
          f"{storm['max_header_bytes']} B; cookies refused {storm['stats'].get('cookies/refused/per_site', 0)} "
          f"(per site) + {storm['stats'].get('cookies/refused/size', 0)} (size)")
    if storm["emitted"] != storm["expected"]:
        bad.append("cookie storm")
    attempts = [line for line in guard_log.read_text().splitlines() if line.strip()]
    print(f"attempts to reach beyond loopback (lookups, connections): {len(attempts)}")
    bad.extend(attempts)
    for b in bad:
        print("PROBLEM", b)
    return bad


if __name__ == "__main__":
    random.seed(0)
    sys.exit(main())
