"""Crawl speed and memory: raw fetching, cleaning in-process, cleaning in the pool.

Serves a generated site (benchmarks/generated_site.py: the fixtures' GBK,
GB2312 and UTF-8 article pages of three CMS families, each article with its own
text) on 127.0.0.1 and crawls it with the provincial_portal spider three times,
each in a fresh `scrapy crawl` subprocess with politeness off:

    raw       CLEAN_ENABLED=False: fetching and parsing only (the floor)
    inproc    CLEAN_WORKERS=0: cleaning in the crawler's process
    pool      CLEAN_WORKERS=N (default 2): cleaning in the process pool

and prints pages/s (articles emitted / crawl time), the peak RSS of the crawler
process and of the crawler with its cleaning workers, and the ratios the
project holds itself to (docs/scale.md):

    pool >= 1.6 x inproc                                  (on 2 cores)
    pool >= 0.5 x min(raw, 2 x single-core cleaning rate)

    python -m benchmarks.crawl_speed                       # 3000 articles
    python -m benchmarks.crawl_speed --articles 5000 --workers 2
    python -m benchmarks.crawl_speed --memory-pages 20000  # also a 20,000-page memory run

The single-core cleaning rate is measured in this process on a sample of the
same pages. Exit status 1 when a target is missed (`--no-check` to only report).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from benchmarks.generated_site import GeneratedSite, serve  # noqa: E402

FAST = {
    "DOWNLOAD_DELAY": "0",
    "AUTOTHROTTLE_ENABLED": "False",
    "CONCURRENT_REQUESTS": "32",
    "CONCURRENT_REQUESTS_PER_DOMAIN": "32",
    "ROBOTSTXT_OBEY": "False",
    "LOG_LEVEL": "INFO",
    "LOGSTATS_INTERVAL": "600",
    "TELNETCONSOLE_ENABLED": "False",
    "SUMMARY_ENABLED": "False",
    "CRAWLER_MAX_LIST_PAGES": "0",
    "ATTACHMENTS_ENABLED": "0",  # pages only: the generated site does not serve its attachments
}


def tree_rss_kb(pid: int) -> tuple[int, int]:
    """(RSS of pid, RSS of pid and all its descendants), in KiB, from /proc."""
    children: dict[int, list[int]] = {}
    rss: dict[int, int] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as fh:
                stat = fh.read().rsplit(")", 1)[1].split()
            ppid = int(stat[1])
            rss[int(entry)] = int(stat[21]) * os.sysconf("SC_PAGE_SIZE") // 1024
        except (OSError, ValueError, IndexError):
            continue
        children.setdefault(ppid, []).append(int(entry))
    total, todo = 0, [pid]
    while todo:
        p = todo.pop()
        total += rss.get(p, 0)
        todo.extend(children.get(p, []))
    return rss.get(pid, 0), total


def crawl(base: str, name: str, settings: dict[str, str], workdir: Path) -> dict:
    out = workdir / f"{name}.jsonl"
    cmd = [sys.executable, "-m", "scrapy", "crawl", "provincial_portal",
           "-a", f"start_urls={base}/gzdt/index.html", "-O", str(out)]
    for k, v in {**FAST, **settings}.items():
        cmd += ["-s", f"{k}={v}"]
    env = {k: v for k, v in os.environ.items() if "proxy" not in k.lower()}
    env["PYTHONPATH"] = str(ROOT)
    log = workdir / f"{name}.log"
    peak = [0, 0]
    with open(log, "w") as fh:
        started = time.monotonic()
        proc = subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=fh, stderr=subprocess.STDOUT)
        while proc.poll() is None:
            own, tree = tree_rss_kb(proc.pid)
            peak = [max(peak[0], own), max(peak[1], tree)]
            time.sleep(0.2)
        wall = time.monotonic() - started
    text = log.read_text(errors="replace")
    stats = {}
    for key in ("elapsed_time_seconds", "response_received_count", "item_scraped_count", "pages/article",
                "memusage/max"):
        marker = f"'{key}': "
        if marker in text:
            raw = text.split(marker, 1)[1].split(",", 1)[0].split("}", 1)[0]
            try:
                stats[key] = float(raw)
            except ValueError:
                pass
    if proc.returncode != 0 or "pages/article" not in stats:
        raise SystemExit(f"crawl {name} failed (exit {proc.returncode}); see {log}")
    articles = int(stats["pages/article"])
    elapsed = stats.get("elapsed_time_seconds", wall)
    records = sum(1 for _ in open(out, encoding="utf-8")) if out.exists() else 0
    return {"run": name, "articles": articles, "records": records, "seconds": round(elapsed, 2),
            "pages_per_s": round(articles / elapsed, 1), "peak_rss_mb": round(peak[0] / 1024),
            "peak_rss_with_workers_mb": round(peak[1] / 1024)}


def single_core_rate(site: GeneratedSite, sample: int = 60) -> float:
    """Articles cleaned per second by one core (the cleaner alone, this process)."""
    from crawler.items import PageItem, PagePart
    from crawler.clean.pipeline import clean_item

    items = []
    for n in range(sample):
        status, headers, body = site.article_page(n)
        url = "http://127.0.0.1" + site.article_path(n)
        items.append(PageItem(page=PagePart(url=url, final_url=url, status=status, headers=headers, body=body),
                              site="bench", site_name=None, site_type="provincial_portal",
                              spider="provincial_portal", crawl_id="bench"))
    clean_item(items[0])  # imports and caches
    started = time.perf_counter()
    for item in items:
        clean_item(item)
    return sample / (time.perf_counter() - started)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--articles", type=int, default=3000, help="articles in the generated site (default 3000)")
    ap.add_argument("--workers", type=int, default=2, help="CLEAN_WORKERS of the pool run (default 2)")
    ap.add_argument("--memory-pages", type=int, default=0,
                    help="also crawl a site of this many articles with the pool and report peak memory")
    ap.add_argument("--runs", default="raw,inproc,pool", help="which runs, comma-separated")
    ap.add_argument("--repeat", type=int, default=2,
                    help="run the whole sequence this many times, alternating, and keep each run's best "
                         "(a shared virtual machine's speed drifts by tens of percent)")
    ap.add_argument("--no-check", action="store_true", help="report only; exit 0 whatever the figures")
    ap.add_argument("--json", type=Path, help="also write the results here")
    args = ap.parse_args(argv)

    site = GeneratedSite(args.articles, cache=True)
    site.prepare()
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    print(f"generated site: {args.articles} articles, {site.list_pages} list pages, "
          f"{len(site.templates)} templates; {cores} cores", flush=True)
    single = single_core_rate(site)
    print(f"single-core cleaning rate: {single:.1f} articles/s", flush=True)
    runs = {
        "raw": {"CLEAN_ENABLED": "False"},
        "inproc": {"CLEAN_WORKERS": "0"},
        "pool": {"CLEAN_WORKERS": str(args.workers)},
    }
    results: dict[str, dict] = {}
    with tempfile.TemporaryDirectory(prefix="crawl-speed-") as tmp, serve(site) as base:
        for round_ in range(1, max(args.repeat, 1) + 1):
            for name in [r.strip() for r in args.runs.split(",") if r.strip()]:
                res = crawl(base, name, runs[name], Path(tmp))
                print(f"{name:>7} #{round_}: {res['pages_per_s']:7.1f} pages/s  ({res['articles']} articles in "
                      f"{res['seconds']} s, {res['records']} records)  peak RSS {res['peak_rss_mb']} MB "
                      f"(with cleaning workers {res['peak_rss_with_workers_mb']} MB)", flush=True)
                best = results.get(name)
                if best is None or res["pages_per_s"] > best["pages_per_s"]:
                    res["peak_rss_mb"] = max(res["peak_rss_mb"], best["peak_rss_mb"] if best else 0)
                    res["peak_rss_with_workers_mb"] = max(res["peak_rss_with_workers_mb"],
                                                          best["peak_rss_with_workers_mb"] if best else 0)
                    results[name] = res
                else:
                    best["peak_rss_mb"] = max(best["peak_rss_mb"], res["peak_rss_mb"])
                    best["peak_rss_with_workers_mb"] = max(best["peak_rss_with_workers_mb"],
                                                           res["peak_rss_with_workers_mb"])
        if args.repeat > 1:
            print("best of each:", ", ".join(f"{k} {v['pages_per_s']} pages/s" for k, v in results.items()))
    if args.memory_pages:
        big = GeneratedSite(args.memory_pages)
        with tempfile.TemporaryDirectory(prefix="crawl-memory-") as tmp, serve(big) as base:
            res = crawl(base, "memory", {"CLEAN_WORKERS": str(args.workers)}, Path(tmp))
        results["memory"] = res
        print(f" memory: {res['articles']} articles at {res['pages_per_s']} pages/s, peak RSS "
              f"{res['peak_rss_mb']} MB (with cleaning workers {res['peak_rss_with_workers_mb']} MB)", flush=True)

    failed = []
    summary: dict[str, float] = {"single_core_clean_rate": round(single, 1)}
    if {"inproc", "pool"} <= results.keys():
        ratio = results["pool"]["pages_per_s"] / results["inproc"]["pages_per_s"]
        summary["pool_vs_inproc"] = round(ratio, 2)
        print(f"pool / in-process: {ratio:.2f}x (target >= 1.6x on 2 cores)")
        if cores >= 2 and args.workers >= 2 and ratio < 1.6:
            failed.append("pool < 1.6 x in-process")
    if {"raw", "pool"} <= results.keys():
        floor = min(results["raw"]["pages_per_s"], 2 * single)
        share = results["pool"]["pages_per_s"] / floor
        summary["pool_vs_floor"] = round(share, 2)
        print(f"pool / min(raw {results['raw']['pages_per_s']}, 2 x single-core {2 * single:.1f}): "
              f"{share:.2f} (target >= 0.5)")
        if share < 0.5:
            failed.append("pool < 50% of min(raw, 2 x single-core cleaning)")
    if "memory" in results:
        if results["memory"]["peak_rss_mb"] >= 500:
            failed.append("memory run: crawler process peak RSS >= 500 MB")
    if args.json:
        args.json.write_text(json.dumps({"results": results, "summary": summary}, indent=2))
    if failed:
        print("MISSED: " + "; ".join(failed))
        return 0 if args.no_check else 1
    print("all targets met")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
