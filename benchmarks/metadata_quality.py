"""Metadata quality: our record's title, author and date against trafilatura's metadata.

    python -m benchmarks.metadata_quality [--limit N] [--jobs N] [--per-page] [--halves] [--json out.json]
    python -m benchmarks.quality --metadata          # the same table after the text report

The bench pages with metadata ground truth (../shared/bench/README.md):

- zh: title on the 264 daniel and 5 cwced pages, author on 26 and date on 30 cwced pages;
- en: title, author and date (`published`) of `en_modern` (WCXB dev, 294 pages).

Both run on the same pages in the same run: ours = `cleaners.clean_page(html, url)`
(a CleanError is a missed page); trafilatura = `trafilatura.extract_metadata(html,
default_url=url)`, the metadata trafilatura's own extractor produces (htmldate for dates).

A field is scored on the pages whose ground truth gives it: the share of those
pages where the value is right (`accuracy`). Right means:

- title: equal after NFKC, case folding, straight quotes, whitespace collapsed
  (and removed next to CJK characters);
- author: the same set of names (split on commas, `and`, `&`, `、`, `|`, `/`,
  and on spaces between Chinese names), each normalised as the title is;
- date: the calendar date the page prints (YYYY-MM-DD as written, zone
  ignored), compared at the precision of the ground truth ("1996-6" is a month).

Pages where the truth is null are not scored: on CWCED "UNKNOWN" means the
annotator did not note one, not that the page has none.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import multiprocessing
import re
import sys
import time
import unicodedata
from collections import defaultdict
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from benchmarks.scoring import BenchPage, bench_dir, load_bench

EXTRACTORS = ("ours", "traf")
FIELDS = ("title", "author", "published")
# (report language, bench directory): which bench sets carry metadata ground truth.
SETS = (("zh", "zh"), ("en", "en_modern"))

_QUOTES = str.maketrans({"‘": "'", "’": "'", "“": '"', "”": '"', "„": '"', "′": "'"})
_CJK = r"\u3040-\u30ff\u3400-\u9fff\uf900-\ufaff"
_SPACE_NEAR_CJK = re.compile(rf"(?<=[{_CJK}])\s+|\s+(?=[{_CJK}])")
_NAME_SPLIT = re.compile(r"\s*(?:[,;，；、|/&]|\band\b)\s*", re.I)
_GT_DATE = re.compile(r"(\d{4})(?:[-/.年](\d{1,2})(?:[-/.月](\d{1,2}))?)?")


def norm_text(s: str | None) -> str:
    if not s:
        return ""
    s = unicodedata.normalize("NFKC", s).translate(_QUOTES).casefold()
    s = " ".join(s.split())
    return _SPACE_NEAR_CJK.sub("", s)


def author_names(s: str | None) -> frozenset[str]:
    if not s:
        return frozenset()
    s = unicodedata.normalize("NFKC", s)
    s = re.sub(r"^\s*by\s+", "", s, flags=re.I)
    names = []
    for part in _NAME_SPLIT.split(s):
        part = part.strip()
        # "王建宏 张文攀": Chinese names are separated by spaces; "Jay Berstein" is one name.
        if re.fullmatch(rf"[{_CJK}·]+(?:\s+[{_CJK}·]+)+", part):
            names += part.split()
        elif part:
            names.append(part)
    return frozenset(norm_text(n) for n in names if norm_text(n))


def date_parts(s: str | None) -> tuple[int, ...]:
    """(year, month, day) as far as the string gives them, as written (zone ignored)."""
    if not s:
        return ()
    mo = _GT_DATE.search(s)
    if not mo:
        return ()
    return tuple(int(g) for g in mo.groups() if g)


def field_correct(name: str, predicted: str | None, truth: str) -> bool:
    if not predicted:
        return False
    if name == "title":
        return norm_text(predicted) == norm_text(truth)
    if name == "author":
        return author_names(predicted) == author_names(truth)
    want = date_parts(truth)
    return bool(want) and date_parts(predicted)[:len(want)] == want


# ------------------------------------------------------------------ one page


@dataclass
class MetaResult:
    id: str
    lang: str
    subset: str
    truth: dict[str, str | None]
    predicted: dict[str, dict[str, str | None]] = field(default_factory=dict)  # extractor -> field -> value
    sources: dict[str, str] | None = None  # our record's metadata_source
    seconds: dict[str, float] = field(default_factory=dict)
    error: str | None = None
    unexpected: str | None = None

    def correct(self, extractor: str, name: str) -> bool:
        return field_correct(name, self.predicted.get(extractor, {}).get(name), self.truth[name])


def metadata_pages(root: Path | None = None) -> list[BenchPage]:
    """Every bench page with metadata ground truth, report language set as `lang`."""
    root = Path(root) if root else bench_dir()
    out = []
    for lang, directory in SETS:
        if not (root / directory / "manifest.json").exists():
            continue
        for page in load_bench(root / directory):
            if any(page.entry.get(name) for name in FIELDS):
                page.lang = lang
                out.append(page)
    return out


def traf_metadata(body: bytes, url: str | None) -> dict[str, str | None]:
    import trafilatura

    doc = trafilatura.extract_metadata(trafilatura.load_html(body), default_url=url)
    if doc is None:
        return {name: None for name in FIELDS}
    return {"title": doc.title, "author": doc.author, "published": doc.date}


_OURS = None
_CLEAN_ERROR: type = Exception


def _init_worker() -> None:
    global _OURS, _CLEAN_ERROR
    import cleaners
    from cleaners.errors import CleanError

    _OURS, _CLEAN_ERROR = cleaners.clean_page, CleanError


def run_page(page: BenchPage) -> MetaResult:
    if _OURS is None:
        _init_worker()
    body = page.html_bytes()
    res = MetaResult(page.id, page.lang, page.subset, {name: page.entry.get(name) for name in FIELDS})
    t0 = time.perf_counter()
    ours = {name: None for name in FIELDS}
    try:
        rec = _OURS(body, page.request_url)
        ours = {"title": rec.title, "author": rec.author, "published": rec.published_at}
        res.sources = dict(rec.metadata_source) if getattr(rec, "metadata_source", None) else None
    except _CLEAN_ERROR as e:
        res.error = f"{type(e).__name__}: {e}"
    except Exception as e:  # noqa: BLE001 - reported, and failed by the gate
        res.unexpected = f"{type(e).__name__}: {e}"
    res.seconds["ours"] = time.perf_counter() - t0
    t0 = time.perf_counter()
    try:
        traf = traf_metadata(body, page.url)
    except Exception:  # noqa: BLE001 - trafilatura's failure is its miss
        traf = {name: None for name in FIELDS}
    res.seconds["traf"] = time.perf_counter() - t0
    res.predicted = {"ours": ours, "traf": traf}
    return res


def run_eval(limit: int | None = None, jobs: int = 2, root: Path | None = None) -> list[MetaResult]:
    pages = metadata_pages(root)
    if limit:
        by_lang: dict[str, list[BenchPage]] = defaultdict(list)
        for p in pages:
            by_lang[p.lang].append(p)
        pages = [ps[int(i * len(ps) / limit)] for ps in by_lang.values() for i in range(min(limit, len(ps)))]
    order = sorted(pages, key=lambda p: -p.html_path.stat().st_size)
    if jobs <= 1:
        results = [run_page(p) for p in order]
    else:
        method = "fork" if "fork" in multiprocessing.get_all_start_methods() else "spawn"
        with multiprocessing.get_context(method).Pool(jobs, initializer=_init_worker,
                                                      maxtasksperchild=200) as pool:
            results = list(pool.imap_unordered(run_page, order, chunksize=1))
    rank = {p.id: i for i, p in enumerate(pages)}
    return sorted(results, key=lambda r: rank[r.id])


# ------------------------------------------------------------------ summary


def summarise(results: list[MetaResult]) -> dict[str, dict[str, dict[str, Any]]]:
    """summary[lang][field] = {"n": pages with truth, "ours": accuracy, "traf": accuracy}."""
    out: dict[str, dict[str, dict[str, Any]]] = defaultdict(dict)
    for lang in sorted({r.lang for r in results}):
        for name in FIELDS:
            scored = [r for r in results if r.lang == lang and r.truth[name]]
            if not scored:
                continue
            out[lang][name] = {"n": len(scored)} | {
                ex: sum(r.correct(ex, name) for r in scored) / len(scored) for ex in EXTRACTORS}
    return dict(out)


def format_report(results: list[MetaResult]) -> str:
    summ = summarise(results)
    lines = ["== metadata: share of pages with ground truth where the value is right",
             f"{'field':<16}{'n':>5} | {'ours':>7} | {'traf':>7}"]
    for lang in sorted(summ, key=lambda s: ("zh", "en").index(s) if s in ("zh", "en") else 9):
        for name, row in summ[lang].items():
            lines.append(f"{lang + ' ' + name:<16}{row['n']:>5} | {row['ours']:>7.3f} | {row['traf']:>7.3f}")
    errs = [r for r in results if r.error]
    unexpected = [r for r in results if r.unexpected]
    lines.append(f"CleanError (scored as missed): {len(errs)}; unexpected exceptions: {len(unexpected)}")
    for r in unexpected[:5]:
        lines.append(f"  {r.id}: {r.unexpected}"[:200])
    used = defaultdict(lambda: defaultdict(int))
    for r in results:
        for name, where in (r.sources or {}).items():
            used[name][where] += 1
    if used:
        lines.append("where our values came from: " + "; ".join(
            f"{name} " + ", ".join(f"{k} {v}" for k, v in sorted(c.items(), key=lambda kv: -kv[1]))
            for name, c in sorted(used.items())))
    return "\n".join(lines)


def half_of(page_id: str) -> int:
    """0 or 1 by a hash of the page's file name: a rule tuned on one half is checked on the other."""
    return int(hashlib.sha256(f"{page_id}.html".encode()).hexdigest(), 16) % 2


def format_halves(results: list[MetaResult]) -> str:
    lines = ["== ours by half of the pages (sha256 of the file name, mod 2)",
             f"{'field':<16}{'half 0':>14} | {'half 1':>14}"]
    for lang in ("zh", "en"):
        for name in FIELDS:
            cells = []
            for half in (0, 1):
                scored = [r for r in results if r.lang == lang and r.truth[name] and half_of(r.id) == half]
                right = sum(r.correct("ours", name) for r in scored)
                cells.append(f"{right}/{len(scored)} {right / len(scored):.3f}" if scored else "-")
            if cells != ["-", "-"]:
                lines.append(f"{lang + ' ' + name:<16}{cells[0]:>14} | {cells[1]:>14}")
    return "\n".join(lines)


def format_misses(results: list[MetaResult], k: int = 200) -> str:
    lines = ["== our misses (truth | ours | trafilatura)"]
    for r in results:
        for name in FIELDS:
            if r.truth[name] and not r.correct("ours", name):
                lines.append(f"{r.id[:40]:<41}{name:<10}{r.truth[name]!r:.60} | "
                             f"{r.predicted['ours'][name]!r:.60} | {r.predicted['traf'][name]!r:.50}"
                             + (f"  [{(r.sources or {}).get(_SOURCE_KEY.get(name, name))}]" if r.sources else ""))
    return "\n".join(lines[:k])


_SOURCE_KEY = {"published": "published_at"}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m benchmarks.metadata_quality", description=__doc__.split("\n\n")[0])
    ap.add_argument("--limit", type=int, help="evenly spaced sample of N pages per language")
    ap.add_argument("--jobs", type=int, default=2)
    ap.add_argument("--per-page", action="store_true", help="print every page where our value is wrong")
    ap.add_argument("--halves", action="store_true", help="our accuracy on each half of the pages (overfitting check)")
    ap.add_argument("--json", type=Path, help="write the summary and per-page values here")
    ap.add_argument("--bench", type=Path, help="bench root (default $BENCH_DIR or ../shared/bench)")
    args = ap.parse_args(argv)
    root = args.bench or bench_dir()
    if not (root / "zh" / "manifest.json").exists():
        print(f"bench not found at {root}", file=sys.stderr)
        return 2
    t0 = time.perf_counter()
    results = run_eval(args.limit, args.jobs, root)
    print(format_report(results))
    print(f"wall time: {time.perf_counter() - t0:.1f}s with {args.jobs} job(s)")
    if args.halves:
        print(format_halves(results))
    if args.per_page:
        print(format_misses(results, 10_000))
    if args.json:
        args.json.write_text(json.dumps({"summary": summarise(results), "pages": [asdict(r) for r in results]},
                                        ensure_ascii=False, indent=1), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
