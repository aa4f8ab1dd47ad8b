"""Speed report: clean_page against bare trafilatura, same pages, one process.

    python -m benchmarks.speed [--sets bench,portal] [--pages N] [--repeat K] [--standin]

Page sets, each reported on its own, all measured in the one run:
- bench: the bench html (zh + en, from ../shared/bench or $BENCH_DIR);
- portal: generated provincial-portal article pages (benchmarks/generated_site.py:
  the fixtures' TRS/ASP templates, table layouts, GBK and UTF-8), given to
  clean_page with their response headers as the crawler gives them;
- fixtures (not by default): fixtures/sites/*/pages/*.html.
Each page is given to both extractors back to back, the order alternating
from one call to the next, so machine noise (other processes on the shared
cores, CPU frequency, cache) hits both alike. One warm-up call of each is not
timed, and the dictionaries the cleaner loads lazily (cleaners/warm.py) are
loaded first: a cost per process, not per page.

Prints, per set, pages/s for both, the ratio (our time per page /
trafilatura's; the target is <= 1.0), per-stage timings (clean_page's
`timings=` dict, summed over the pages), and memory:
the tracemalloc peak of each extractor over the pages (a separate, untimed
pass: tracemalloc slows Python down) and the process's ru_maxrss.

Not a test: timings depend on the machine. Keep runs modest on shared cores.
"""

from __future__ import annotations

import argparse
import inspect
import json
import resource
import statistics
import sys
import time
import tracemalloc
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

from benchmarks.quality import resolve_ours, traf_extract
from benchmarks.scoring import REPO_ROOT, bench_dir, load_bench

TARGET_RATIO = 1.0
PAGE_SETS = ("bench", "portal", "fixtures")
DEFAULT_SETS = "bench,portal"
PORTAL_ARTICLES = 140  # ten of each of the generated site's templates


@dataclass
class SpeedPage:
    name: str
    url: str
    path: Path | None = None
    content: bytes | None = None  # generated pages have no file
    headers: dict[str, str] | None = None

    def body(self) -> bytes:
        return self.content if self.content is not None else self.path.read_bytes()


def fixture_pages(root: Path = REPO_ROOT / "fixtures" / "sites") -> list[SpeedPage]:
    pages = []
    for html in sorted(root.glob("*/pages/*.html")):
        url = f"http://fixture.invalid/{html.parent.parent.name}/{html.name}"
        for meta in (html.with_suffix(".json"), html.with_name(html.name + ".json"), html.with_suffix(".meta.json")):
            if meta.exists():
                try:
                    url = json.loads(meta.read_text(encoding="utf-8")).get("url") or url
                except (ValueError, AttributeError):
                    pass
                break
        pages.append(SpeedPage(f"fixture:{html.parent.parent.name}/{html.name}", url, path=html))
    return pages


def bench_pages(root: Path) -> list[SpeedPage]:
    pages = []
    for lang in ("zh", "en"):
        if (root / lang / "manifest.json").exists():
            pages += [SpeedPage(f"{lang}:{p.id}", p.request_url, path=p.html_path) for p in load_bench(root / lang)]
    return pages


def portal_pages(articles: int = PORTAL_ARTICLES) -> list[SpeedPage]:
    """Article pages of the generated provincial portal, bytes and headers as served."""
    from benchmarks.generated_site import GeneratedSite

    site = GeneratedSite(articles)
    pages = []
    for path in site.article_paths():
        _status, headers, body = site.response(path)
        pages.append(SpeedPage(f"portal:{path}", f"http://portal.invalid{path}", content=body, headers=headers))
    return pages


def spread(pages: list, n: int | None) -> list:
    if not n or n >= len(pages):
        return pages
    return [pages[int(i * len(pages) / n)] for i in range(n)]


rec_timings: dict[int, dict[str, float]] = {}  # id(record) -> clean_page(timings=...) of that call


def _stage_timings(rec) -> dict[str, float] | None:
    t = rec_timings.pop(id(rec), None) or getattr(rec, "timings", None)
    if t is None:
        extra = getattr(rec, "extra", None)
        if isinstance(extra, dict):
            t = extra.get("timings")
    return t if isinstance(t, dict) else None


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m benchmarks.speed", description=__doc__.split("\n\n")[0])
    ap.add_argument("--sets", default=DEFAULT_SETS,
                    help=f"comma-separated page sets among {', '.join(PAGE_SETS)} (default: {DEFAULT_SETS})")
    ap.add_argument("--pages", type=int, help="evenly spaced sample of N pages per set (default: all)")
    ap.add_argument("--portal-articles", type=int, default=PORTAL_ARTICLES, help="generated portal pages")
    ap.add_argument("--repeat", type=int, default=1, help="times each page is run by each extractor")
    ap.add_argument("--no-memory", action="store_true", help="skip the tracemalloc pass")
    ap.add_argument("--standin", action="store_true", help="use a stand-in for cleaners.clean_page")
    ap.add_argument("--bench", type=Path, help="bench root (default $BENCH_DIR or ../shared/bench)")
    args = ap.parse_args(argv)
    sets = [s.strip() for s in args.sets.split(",") if s.strip()]
    unknown = [s for s in sets if s not in PAGE_SETS]
    if unknown or not sets:
        ap.error(f"unknown page set(s) {', '.join(unknown) or '(none)'}; choose among {', '.join(PAGE_SETS)}")

    try:
        ours, clean_error = resolve_ours(args.standin)
    except (ImportError, AttributeError) as e:
        print(f"cleaners.clean_page is not available ({e}); use --standin to test the harness", file=sys.stderr)
        return 2

    loaders = {"bench": lambda: bench_pages(args.bench or bench_dir()),
               "portal": lambda: portal_pages(args.portal_articles),
               "fixtures": fixture_pages}
    ratios = {}
    for name in sets:
        pages = spread(loaders[name](), args.pages)
        print(f"== {name} ==")
        if not pages:
            print("no pages found")
            continue
        ratios[name] = measure(pages, ours, clean_error, args)
        print()
    if ratios:
        print("ratios: " + ", ".join(f"{k} {v:.2f}" for k, v in ratios.items())
              + f"  (target <= {TARGET_RATIO}: {'OK' if max(ratios.values()) <= TARGET_RATIO else 'OVER TARGET'})")
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss  # KiB on Linux, bytes on macOS
    rss_mb = rss / 1e6 if sys.platform == "darwin" else rss / 1024
    print(f"ru_maxrss of this process (both extractors, all pages): {rss_mb:.0f} MB")
    return 0 if ratios else 2


def measure(pages: list[SpeedPage], ours, clean_error, args) -> float:
    """Time both extractors on `pages`, print the set's report; returns the ratio."""
    bodies = [p.body() for p in pages]  # read once, outside the timed calls
    total_mb = sum(map(len, bodies)) / 1e6
    takes_timings = "timings" in inspect.signature(ours).parameters
    takes_headers = "headers" in inspect.signature(ours).parameters

    def run_ours(i: int):
        timings: dict[str, float] = {}
        kwargs = {"timings": timings} if takes_timings else {}
        if takes_headers and pages[i].headers:
            kwargs["headers"] = pages[i].headers
        try:
            rec = ours(bodies[i], pages[i].url, **kwargs)
        except clean_error:
            return None
        if timings:
            rec_timings[id(rec)] = timings
        return rec

    def run_traf(i: int):
        try:
            return traf_extract(bodies[i])
        except Exception:  # noqa: BLE001
            return None

    # warm-up: imports, lazy tables, caches (ours loads some on the first page that needs
    # them: a cost per process, not per page)
    if not args.standin:
        from cleaners.warm import preload

        preload()
    run_ours(0)
    run_traf(0)

    t_ours = [0.0] * len(pages)
    t_traf = [0.0] * len(pages)
    stages: dict[str, float] = defaultdict(float)
    stage_pages = 0
    failures = 0
    clock = time.perf_counter
    flip = False
    for _ in range(args.repeat):
        for i in range(len(pages)):
            for which in (("ours", "traf") if flip else ("traf", "ours")):
                t0 = clock()
                if which == "ours":
                    rec = run_ours(i)
                    t_ours[i] += clock() - t0
                    if rec is None:
                        failures += 1
                    else:
                        st = _stage_timings(rec)
                        if st:
                            stage_pages += 1
                            for k, v in st.items():
                                stages[k] += float(v)
                else:
                    run_traf(i)
                    t_traf[i] += clock() - t0
            flip = not flip

    n_calls = len(pages) * args.repeat
    sum_o, sum_t = sum(t_ours), sum(t_traf)
    ratio = sum_o / sum_t if sum_t else float("nan")
    print(f"pages: {len(pages)} ({total_mb:.1f} MB of html), repeat {args.repeat}, one process, interleaved")
    print(f"{'':<14}{'pages/s':>9}{'ms/page':>9}{'median':>9}{'p95':>9}{'max':>9}")
    for label, ts in (("ours" if not args.standin else "standin", t_ours), ("trafilatura", t_traf)):
        per = sorted(t / args.repeat for t in ts)
        p95 = per[min(len(per) - 1, int(0.95 * len(per)))]
        print(
            f"{label:<14}{n_calls / sum(ts):>9.1f}{1000 * sum(ts) / n_calls:>9.1f}"
            f"{1000 * statistics.median(per):>9.1f}{1000 * p95:>9.1f}{1000 * per[-1]:>9.1f}"
        )
    verdict = "OK" if ratio <= TARGET_RATIO else "OVER TARGET"
    print(f"ratio (our time per page / trafilatura's): {ratio:.2f}  (target <= {TARGET_RATIO}: {verdict})")
    if failures:
        print(f"clean_page raised CleanError on {failures} of {n_calls} calls (timed all the same)")

    slow = sorted(range(len(pages)), key=lambda i: -(t_ours[i] - t_traf[i]))[:5]
    print("most extra time over trafilatura:")
    for i in slow:
        print(f"  {pages[i].name[:60]:<62}{1000 * t_ours[i] / args.repeat:>8.1f} ms vs {1000 * t_traf[i] / args.repeat:.1f} ms")

    if stages:
        print(f"per-stage timings (from the record, {stage_pages} calls):")
        tot = sum(stages.values()) or 1.0
        for k, v in sorted(stages.items(), key=lambda kv: -kv[1]):
            print(f"  {k:<16}{1000 * v / stage_pages:>8.2f} ms/page  {100 * v / tot:>5.1f}%")
    else:
        print("per-stage timings: not exposed by the record (record.extra['timings'] / record.timings)")

    if not args.no_memory:
        peaks = {}
        for label, fn in (("ours", run_ours), ("trafilatura", run_traf)):
            tracemalloc.start()
            for i in range(len(pages)):
                fn(i)
            peaks[label] = tracemalloc.get_traced_memory()[1]
            tracemalloc.stop()
        print(
            "tracemalloc peak over the pages (Python allocations; lxml's C allocations are not traced): "
            + ", ".join(f"{k} {v / 1e6:.1f} MB" for k, v in peaks.items())
        )
    return ratio


if __name__ == "__main__":
    sys.exit(main())
