"""Run the whole hostile suite and print the figures.

    .venv/bin/python scripts/hostile_report.py            # full: 500 fuzz examples, 10 kills
    .venv/bin/python scripts/hostile_report.py --quick    # short: 50 fuzz examples, 3 kills

Faults injected by kind against local servers on 127.0.0.1/127.0.0.2, what
became of each (recovered, record, error record, refused), articles expected vs
emitted, lost and duplicated; then the fuzz run over clean_page and the kill -9
loop; then Redis failing under a distributed crawl (a real redis-server killed
with SIGKILL: back with its AOF, back empty, never back; absent at start). Exit
status 1 when anything was lost, duplicated, crashed or torn.
"""

from __future__ import annotations

import argparse
import random
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.hostile import scenarios  # noqa: E402


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
    problems = {k: v for g in groups for k, v in g.problems().items()}
    for k, v in problems.items():
        print("PROBLEM", k, v)

    stats = traps.extra["stats"]
    print("\nlink traps (requests per trap, DEPTH_LIMIT 25):", traps.extra["hits_by_trap"])
    print("  refused:", {k.split("/")[-1]: v for k, v in stats.items() if k.startswith("url_policy/trap/")},
          "canonicalised:", stats.get("url_policy/canonicalised", 0),
          "over DEPTH_LIMIT:", stats.get("depth/request_ignored_count", 0))

    f = fuzz(examples, opts.seed)
    print(f"\nfuzz clean_page: {f['examples']} pages, outcomes {f['outcomes']}, crashes {len(f['crashes'])}, "
          f"slowest {f['slowest_s']} s (limit {f['limit_s']} s)")
    for c in f["crashes"]:
        print("CRASH", c)

    k = scenarios.run_kill_loop(tmp / "kill", iterations=kills, seed=opts.seed)
    print(f"\nkill -9: {k['kills']} kills in {k['iterations']} runs + 1 to completion: "
          f"articles expected {k['expected']}, emitted {k['emitted']}, lost {k['lost']}, "
          f"duplicated {k['duplicated']}, torn lines {k['torn_lines']}")
    r = redis_faults(tmp / "redis", kills=1 if opts.quick else 3)
    print(f"\n{time.monotonic() - started:.0f} s; work files in {tmp}")
    bad = (totals["lost"] or totals["duplicated"] or problems or f["crashes"] or k["lost"] or k["duplicated"]
           or k["torn_lines"] or groups[2].extra["second_hits"] or r["bad"])
    return 1 if bad else 0


if __name__ == "__main__":
    random.seed(0)
    sys.exit(main())
