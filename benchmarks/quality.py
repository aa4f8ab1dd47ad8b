"""Quality report: our clean_page against bare trafilatura on the bench pages.

    python -m benchmarks.quality [--lang zh|en|en_modern] [--limit N] [--jobs N]
                                 [--json out.json] [--per-page] [--standin] [--metadata]

Both extractors run on the same pages in the same run:

- ours: `cleaners.clean_page(html_bytes, url or "http://bench.invalid/<id>.html")`;
  a page where it raises CleanError scores 0 (empty prediction);
- trafilatura: `trafilatura.extract(html_bytes, include_comments=False)`.

Two conventions are reported (scoring: benchmarks/scoring.py):

- **gate** (what tests/quality/test_quality_gate.py asserts on): the reference
  is `gt_body/` where the bench has one (pages with `gt_includes_title`), else
  `gt/`; the prediction is the record's `text` (our record keeps the title
  apart), and trafilatura's text for trafilatura.
- **full**: the reference is `gt/` everywhere; our prediction is
  `title + "\\n" + text` on pages whose GT includes the headline, else `text`;
  trafilatura's prediction is its text, unchanged.

`--standin` replaces clean_page by a stand-in (trafilatura with metadata) so
the harness can be exercised before cleaners.clean_page exists.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import sys
import time
from collections import defaultdict
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Callable

from benchmarks.scoring import BenchPage, Score, bench_dir, load_bench, macro, score

EXTRACTORS = ("ours", "traf")
LANGS = ("zh", "en", "en_modern")  # the bench sets, in report order
# A catastrophic page: we score under CATASTROPHE_OURS_BELOW where bare
# trafilatura scores CATASTROPHE_TRAF_AT_LEAST or more (an article lost).
CATASTROPHE_OURS_BELOW = 0.5
CATASTROPHE_TRAF_AT_LEAST = 0.8
CONVENTIONS = ("gate", "full")
# A traditional page may legitimately show a handful of characters that are
# also simplified forms (后, 里, 面, 台 ...) when the html does not have them
# (e.g. from an alt text or a decoding repair); more than this is a conversion.
MAX_SIMPLIFIED_INTRUSIONS = 3

# ------------------------------------------------------------------ extractors


def _standin_clean_page(body: bytes, url: str, headers=None, site_type=None):
    """Stand-in for cleaners.clean_page: trafilatura with metadata (title apart)."""
    import trafilatura
    from types import SimpleNamespace

    doc = trafilatura.bare_extraction(body, url=url, include_comments=False, with_metadata=True)
    if doc is None:
        return SimpleNamespace(text="", title=None)
    return SimpleNamespace(text=doc.text or "", title=doc.title)


def resolve_ours(standin: bool = False) -> tuple[Callable, type]:
    """(clean_page, CleanError). Raises ImportError/AttributeError if the library lacks them."""
    if standin:
        return _standin_clean_page, type("NeverRaised", (Exception,), {})
    import cleaners
    from cleaners.errors import CleanError

    return cleaners.clean_page, CleanError


def traf_extract(body: bytes) -> str | None:
    import trafilatura

    return trafilatura.extract(body, include_comments=False)


# ------------------------------------------------------- script pass-through


_S2T = None


def _s2t():
    global _S2T
    if _S2T is None:
        from opencc import OpenCC  # opencc-python-reimplemented

        _S2T = OpenCC("s2t")
    return _S2T


def decode_html_for_check(body: bytes, entry: dict[str, Any]) -> str:
    """Decode the page to see which characters it really contains."""
    if entry.get("html_utf8_valid"):
        return body.decode("utf-8", errors="replace")
    names = {"gb2312": "gb18030", "gbk": "gb18030", "cp936": "gb18030", "big5": "big5hkscs"}
    for cs in entry.get("declared_charsets") or []:
        cs = names.get(cs.lower(), cs.lower())
        try:
            return body.decode(cs, errors="replace")
        except LookupError:
            continue
    return body.decode("gb18030", errors="replace")


def simplified_intrusions(text: str, html_text: str) -> list[str]:
    """Simplified-only characters in `text` (s2t changes them) that the html does not have.

    One entry per occurrence.
    """
    conv = _s2t()
    html_chars = set(html_text)
    cache: dict[str, bool] = {}
    out = []
    for ch in text:
        if ch in html_chars or ord(ch) < 0x3400:
            continue
        if ch not in cache:
            cache[ch] = conv.convert(ch) != ch
        if cache[ch]:
            out.append(ch)
    return out


# ------------------------------------------------------------------- one page


@dataclass
class PageResult:
    id: str
    lang: str
    subset: str
    script: str | None
    gt_includes_title: bool
    # extractor -> convention -> [p, r, f1]
    scores: dict[str, dict[str, list[float]]] = field(default_factory=dict)
    seconds: dict[str, float] = field(default_factory=dict)
    chars: dict[str, int] = field(default_factory=dict)
    error: str | None = None  # CleanError raised by clean_page (scored as empty)
    unexpected: str | None = None  # any other exception from clean_page: a bug
    traf_error: str | None = None
    intrusions: list[str] | None = None  # traditional pages only

    def score(self, extractor: str, convention: str) -> Score:
        return Score(*self.scores[extractor][convention])


_OURS: Callable | None = None
_CLEAN_ERROR: type = Exception


def _init_worker(standin: bool) -> None:
    global _OURS, _CLEAN_ERROR
    _OURS, _CLEAN_ERROR = resolve_ours(standin)


def run_page(page: BenchPage) -> PageResult:
    body = page.html_bytes()
    res = PageResult(page.id, page.lang, page.subset, page.script, page.gt_includes_title)

    # ours
    text, title = "", None
    t0 = time.perf_counter()
    try:
        rec = _OURS(body, page.request_url)
        text, title = rec.text or "", rec.title
    except _CLEAN_ERROR as e:
        res.error = f"{type(e).__name__}: {e}"
    except Exception as e:  # noqa: BLE001 - recorded, reported, failed by the gate
        res.unexpected = f"{type(e).__name__}: {e}"
    res.seconds["ours"] = time.perf_counter() - t0

    # bare trafilatura
    t0 = time.perf_counter()
    try:
        traf = traf_extract(body) or ""
    except Exception as e:  # noqa: BLE001
        traf, res.traf_error = "", f"{type(e).__name__}: {e}"
    res.seconds["traf"] = time.perf_counter() - t0

    full_pred = f"{title}\n{text}" if (page.gt_includes_title and title) else text
    res.scores = {
        "ours": {"gate": list(score(text, page.gate_gt)), "full": list(score(full_pred, page.gt))},
        "traf": {"gate": list(score(traf, page.gate_gt)), "full": list(score(traf, page.gt))},
    }
    res.chars = {"ours": len(text), "traf": len(traf)}
    if page.script == "traditional":
        res.intrusions = simplified_intrusions(text, decode_html_for_check(body, page.entry))
    return res


# ------------------------------------------------------------------ full run


def select(pages: list[BenchPage], limit: int | None) -> list[BenchPage]:
    """Evenly spaced subset (so every subset is represented), or all pages."""
    if not limit or limit >= len(pages):
        return pages
    return [pages[int(i * len(pages) / limit)] for i in range(limit)]


def run_eval(
    langs=LANGS,
    limit: int | None = None,
    jobs: int = 2,
    standin: bool = False,
    root: Path | None = None,
) -> list[PageResult]:
    root = Path(root) if root else bench_dir()
    resolve_ours(standin)  # fail early, in the parent, if clean_page is missing
    pages: list[BenchPage] = []
    for lang in langs:
        pages += select(load_bench(root / lang), limit)
    # biggest pages first: better load balance across workers
    order = sorted(range(len(pages)), key=lambda i: -pages[i].html_path.stat().st_size)
    todo = [pages[i] for i in order]
    if jobs <= 1:
        _init_worker(standin)
        results = [run_page(p) for p in todo]
    else:
        method = "fork" if "fork" in multiprocessing.get_all_start_methods() else "spawn"
        ctx = multiprocessing.get_context(method)
        with ctx.Pool(jobs, initializer=_init_worker, initargs=(standin,), maxtasksperchild=200) as pool:
            results = list(pool.imap_unordered(run_page, todo, chunksize=1))
    rank = {p.id: i for i, p in enumerate(pages)}
    results.sort(key=lambda r: rank[r.id])
    return results


def summarise(results: list[PageResult]) -> dict[str, dict[str, dict[str, dict[str, Score]]]]:
    """summary[lang][subset | "all"][convention][extractor] -> macro Score."""
    groups: dict[tuple[str, str], list[PageResult]] = defaultdict(list)
    for r in results:
        groups[(r.lang, r.subset)].append(r)
        groups[(r.lang, "all")].append(r)
    out: dict = defaultdict(dict)
    for (lang, subset), rs in groups.items():
        out[lang][subset] = {
            conv: {ex: macro(r.score(ex, conv) for r in rs) for ex in EXTRACTORS} for conv in CONVENTIONS
        }
    return dict(out)


def counts(results: list[PageResult]) -> dict[tuple[str, str], int]:
    c: dict[tuple[str, str], int] = defaultdict(int)
    for r in results:
        c[(r.lang, r.subset)] += 1
        c[(r.lang, "all")] += 1
    return c


def format_report(results: list[PageResult], ours_label: str = "ours") -> str:
    summ = summarise(results)
    n = counts(results)
    lines = []
    titles = {
        "gate": "gate convention: body-only GT where the bench has gt_body, else gt; ours = text",
        "full": "full GT (gt/): ours = title + '\\n' + text where the GT includes the headline",
    }
    for conv in CONVENTIONS:
        lines.append(f"== {titles[conv]}")
        lines.append(
            f"{'set':<18}{'n':>4} | {ours_label + ' P':>8}{'R':>7}{'F1':>7} | {'traf P':>8}{'R':>7}{'F1':>7} | {'F1 ratio':>8}"
        )
        for lang in sorted(summ, key=lambda s: LANGS.index(s) if s in LANGS else 9):
            subsets = sorted(k for k in summ[lang] if k != "all") + ["all"]
            for sub in subsets:
                o, t = summ[lang][sub][conv]["ours"], summ[lang][sub][conv]["traf"]
                ratio = o.f1 / t.f1 if t.f1 else float("nan")
                name = f"{lang}/{sub}" if sub != "all" else f"{lang} (all)"
                lines.append(
                    f"{name:<18}{n[(lang, sub)]:>4} | {o.p:>8.3f}{o.r:>7.3f}{o.f1:>7.3f} | "
                    f"{t.p:>8.3f}{t.r:>7.3f}{t.f1:>7.3f} | {ratio:>8.3f}"
                )
        lines.append("")
    secs = {ex: sum(r.seconds.get(ex, 0.0) for r in results) for ex in EXTRACTORS}
    lines.append(
        f"time in extractor (sum over pages, all workers): {ours_label} {secs['ours']:.1f}s, "
        f"trafilatura {secs['traf']:.1f}s"
        + (f", ratio {secs['ours'] / secs['traf']:.2f}" if secs["traf"] else "")
    )
    errs = [r for r in results if r.error]
    unexp = [r for r in results if r.unexpected]
    lines.append(f"CleanError (scored 0): {len(errs)}; unexpected exceptions: {len(unexp)}")
    for r in (unexp + errs)[:10]:
        lines.append(f"  {r.id}: {r.unexpected or r.error}"[:200])
    lines.append(format_catastrophes(results))
    trad = [r for r in results if r.intrusions is not None]
    if trad:
        bad = [r for r in trad if len(r.intrusions) > MAX_SIMPLIFIED_INTRUSIONS]
        total = sum(len(r.intrusions) for r in trad)
        lines.append(
            f"traditional pages: {len(trad)}; simplified-only chars not in the html: {total} "
            f"in total, {len(bad)} pages over {MAX_SIMPLIFIED_INTRUSIONS}"
        )
    return "\n".join(lines)


def catastrophes(results: list[PageResult], conv: str = "gate") -> list[PageResult]:
    """Pages where bare trafilatura finds the article and we lose it."""
    return [r for r in results
            if r.score("ours", conv).f1 < CATASTROPHE_OURS_BELOW and r.score("traf", conv).f1 >= CATASTROPHE_TRAF_AT_LEAST]


def format_catastrophes(results: list[PageResult], conv: str = "gate") -> str:
    bad = catastrophes(results, conv)
    lines = [f"catastrophic pages (ours F1 < {CATASTROPHE_OURS_BELOW}, trafilatura >= {CATASTROPHE_TRAF_AT_LEAST}): {len(bad)}"]
    for r in bad:
        o, t = r.score("ours", conv), r.score("traf", conv)
        lines.append(f"  {r.lang}/{r.id}: ours F1 {o.f1:.3f} ({r.chars['ours']} chars), "
                     f"trafilatura {t.f1:.3f} ({r.chars['traf']} chars) {r.unexpected or r.error or ''}")
    return "\n".join(lines)


def format_worst(results: list[PageResult], k: int = 20, conv: str = "gate") -> str:
    rows = sorted(results, key=lambda r: (r.score("ours", conv).f1 - r.score("traf", conv).f1, r.id))
    lines = [f"== worst pages ({conv} convention), by ours F1 - trafilatura F1",
             f"{'id':<58}{'ours P':>7}{'R':>6}{'F1':>6} {'traf F1':>7} {'delta':>6}  chars ours/traf  note"]
    for r in rows[:k]:
        o, t = r.score("ours", conv), r.score("traf", conv)
        note = r.unexpected or r.error or ""
        if r.intrusions:
            note += f" intrusions={''.join(r.intrusions[:10])}"
        lines.append(
            f"{r.id[:57]:<58}{o.p:>7.3f}{o.r:>6.3f}{o.f1:>6.3f} {t.f1:>7.3f} {o.f1 - t.f1:>+6.3f}  "
            f"{r.chars['ours']:>6}/{r.chars['traf']:<6}  {note[:80]}"
        )
    lines.append("")
    lines.append(f"== lowest ours F1 ({conv})")
    for r in sorted(results, key=lambda r: (r.score("ours", conv).f1, r.id))[:k]:
        o, t = r.score("ours", conv), r.score("traf", conv)
        lines.append(f"{r.id[:57]:<58}{o.p:>7.3f}{o.r:>6.3f}{o.f1:>6.3f} {t.f1:>7.3f}")
    return "\n".join(lines)


def to_json(results: list[PageResult]) -> dict[str, Any]:
    summ = summarise(results)
    return {
        "summary": {
            lang: {
                sub: {conv: {ex: s._asdict() for ex, s in d.items()} for conv, d in convs.items()}
                for sub, convs in subs.items()
            }
            for lang, subs in summ.items()
        },
        "pages": [asdict(r) for r in results],
    }


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m benchmarks.quality", description=__doc__.split("\n\n")[0])
    ap.add_argument("--lang", choices=LANGS, action="append", help=f"repeatable; default {', '.join(LANGS)}")
    ap.add_argument("--limit", type=int, help="evenly spaced sample of N pages per language")
    ap.add_argument("--jobs", type=int, default=2)
    ap.add_argument("--json", type=Path, help="write the summary and per-page scores here")
    ap.add_argument("--per-page", action="store_true", help="print the worst pages")
    ap.add_argument("--standin", action="store_true", help="use a stand-in for cleaners.clean_page")
    ap.add_argument("--bench", type=Path, help="bench root (default $BENCH_DIR or ../shared/bench)")
    ap.add_argument("--metadata", action="store_true",
                    help="also score title/author/date against trafilatura's metadata (benchmarks/metadata_quality.py)")
    args = ap.parse_args(argv)

    root = args.bench or bench_dir()
    if not any((root / lang / "manifest.json").exists() for lang in LANGS):
        print(f"bench not found at {root}", file=sys.stderr)
        return 2
    try:
        resolve_ours(args.standin)
    except (ImportError, AttributeError) as e:
        print(f"cleaners.clean_page is not available ({e}); use --standin to test the harness", file=sys.stderr)
        return 2
    langs = tuple(args.lang) if args.lang else LANGS
    t0 = time.perf_counter()
    results = run_eval(langs, args.limit, args.jobs, args.standin, root)
    wall = time.perf_counter() - t0
    label = "standin" if args.standin else "ours"
    print(format_report(results, label))
    print(f"wall time: {wall:.1f}s with {args.jobs} job(s)")
    if args.per_page:
        print()
        print(format_worst(results))
    if args.json:
        args.json.write_text(json.dumps(to_json(results), ensure_ascii=False, indent=1), encoding="utf-8")
        print(f"wrote {args.json}")
    if args.metadata and not args.standin:
        from benchmarks import metadata_quality

        print()
        print(metadata_quality.format_report(metadata_quality.run_eval(args.limit, args.jobs, root)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
