"""The quality gate: our clean_page against pinned floors and bare trafilatura.

Runs both extractors on the whole bench dev set (zh 299 + en 181 + en_modern
294 pages) once
per session (module fixture, a process pool of 2) and asserts, with the
floors read from floors.json next to this file:

- the bench is the one the floors were measured on (manifest sha256 + GT digest);
- zh: our F1 >= floors.zh.f1 and >= bare trafilatura's zh F1 in the same run;
- en: our F1 >= floors.en.f1 and >= bare trafilatura's en F1 in the same run;
- en_modern (modern English layouts): the same, with floors.en_modern;
- on every set, no page where we score under 0.5 while bare trafilatura scores
  0.8 or more (an article lost; the pages are printed when there are any);
- clean_page raises nothing but CleanError;
- traditional pages stay traditional;
- floors are never lowered without a written reason (history in floors.json).

The bench lives outside the repo at ../shared/bench (or $BENCH_DIR); the tests
skip if it is missing, and fail in CI (tests/quality/bench_required.py). See benchmarks/README.md.
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parents[2]
if str(REPO_ROOT) not in sys.path:
    sys.path.insert(0, str(REPO_ROOT))

from benchmarks import quality  # noqa: E402
from benchmarks.scoring import bench_dir, gt_digest, manifest_sha256  # noqa: E402
from tests.quality import bench_required  # noqa: E402

FLOORS_PATH = Path(__file__).with_name("floors.json")
FLOORS = json.loads(FLOORS_PATH.read_text(encoding="utf-8"))
BENCH = bench_dir()
LANGS = quality.LANGS
JOBS = 2
# Both extractors on ~770 pages take about 100 s on two idle cores; the tests
# that share the run allow for a busy machine.
GATE_TIMEOUT = 1200

needs_bench = bench_required.needs_bench(BENCH, LANGS)


def corpus_problems() -> list[str]:
    problems = []
    for lang in LANGS:
        pinned = FLOORS["corpus"][lang]
        got_m = manifest_sha256(BENCH / lang)
        got_g = gt_digest(BENCH / lang)
        if got_m != pinned["manifest_sha256"]:
            problems.append(
                f"{lang}/manifest.json sha256 is {got_m}, floors.json pins {pinned['manifest_sha256']}"
            )
        if got_g != pinned["gt_sha256"]:
            problems.append(f"{lang} GT digest is {got_g}, floors.json pins {pinned['gt_sha256']}")
    if problems:
        problems.append(
            "The bench changed since the floors were measured: the floors no longer mean what they "
            "say. Re-measure (python -m benchmarks.quality), re-pin 'corpus' in tests/quality/floors.json "
            "and add a history entry saying why."
        )
    return problems


@pytest.fixture(scope="module")
def gate_run(request):
    """Both extractors on every bench page, once. -> (results, report text)."""
    problems = corpus_problems()
    if problems:
        pytest.fail("\n".join(problems), pytrace=False)
    try:
        quality.resolve_ours()
    except (ImportError, AttributeError) as e:
        pytest.fail(f"cleaners.clean_page is not importable ({e}): the quality gate cannot run", pytrace=False)
    t0 = time.perf_counter()
    results = quality.run_eval(LANGS, limit=None, jobs=JOBS, root=BENCH)
    wall = time.perf_counter() - t0
    report = quality.format_report(results) + f"\nwall time: {wall:.1f}s with {JOBS} processes"
    capman = request.config.pluginmanager.getplugin("capturemanager")
    if capman is not None:
        with capman.global_and_fixture_disabled():
            print("\n" + report)
    else:  # pragma: no cover
        print(report)
    return results, report


@needs_bench
def test_corpus_is_the_pinned_one():
    problems = corpus_problems()
    assert not problems, "\n".join(problems)
    for lang in LANGS:
        manifest = json.loads((BENCH / lang / "manifest.json").read_text(encoding="utf-8"))
        assert len(manifest["pages"]) == FLOORS["corpus"][lang]["pages"]


def _stricter_or_equal(new, old, key: str) -> bool:
    """True if `new` is at least as strict as `old` for this kind of floor."""
    if isinstance(new, dict):
        return all(_stricter_or_equal(new[k], old[k], k) for k in old if k in new) and set(old) <= set(new)
    if key == "f1":
        return new >= old
    # margins and limits: smaller is stricter
    return new <= old


def test_floors_are_never_lowered_silently():
    history = FLOORS["history"]
    assert history, "floors.json needs a history"
    assert FLOORS["floors"] == history[-1]["floors"], (
        "floors.json: 'floors' must equal the last history entry's floors; "
        "record every change of a floor in 'history'"
    )
    for prev, cur in zip(history, history[1:]):
        if not _stricter_or_equal(cur["floors"], prev["floors"], ""):
            assert str(cur.get("lowered_because", "")).strip(), (
                f"floors.json history entry of {cur.get('date')} lowers or loosens a floor "
                f"without a 'lowered_because' reason"
            )


@needs_bench
@pytest.mark.timeout(GATE_TIMEOUT)
@pytest.mark.xdist_group("quality_gate")
def test_quality_gate(gate_run):
    results, report = gate_run
    summ = quality.summarise(results)
    nd = FLOORS["precision"]
    failures = []
    for lang in LANGS:
        floor = FLOORS["floors"][lang]
        ours = summ[lang]["all"]["gate"]["ours"].f1
        traf = summ[lang]["all"]["gate"]["traf"].f1
        if round(ours, nd) < floor["f1"]:
            failures.append(f"{lang}: our F1 {ours:.4f} is below the floor {floor['f1']}")
        if ours < traf - floor["vs_trafilatura_margin"]:
            failures.append(
                f"{lang}: our F1 {ours:.4f} is below bare trafilatura's {traf:.4f} in the same run "
                f"(allowed margin {floor['vs_trafilatura_margin']})"
            )
    unexpected = [r for r in results if r.unexpected]
    if unexpected:
        failures.append(
            f"clean_page raised something other than CleanError on {len(unexpected)} page(s): "
            + "; ".join(f"{r.id}: {r.unexpected}" for r in unexpected[:5])
        )
    n_expected = sum(FLOORS["corpus"][lang]["pages"] for lang in LANGS)
    if len(results) != n_expected:
        failures.append(f"scored {len(results)} pages, expected {n_expected}")
    assert not failures, "\n".join(failures) + "\n\n" + report


@needs_bench
@pytest.mark.timeout(GATE_TIMEOUT)
@pytest.mark.xdist_group("quality_gate")
def test_no_article_lost_where_trafilatura_finds_it(gate_run):
    results, report = gate_run
    limit = FLOORS["floors"]["max_catastrophic_pages_per_set"]
    failures = []
    for lang in LANGS:
        bad = quality.catastrophes([r for r in results if r.lang == lang])
        if len(bad) > limit:
            failures.append(f"{lang}: {len(bad)} page(s) (allowed {limit})")
    assert not failures, "\n".join(failures) + "\n" + quality.format_catastrophes(results)


@needs_bench
@pytest.mark.timeout(GATE_TIMEOUT)
@pytest.mark.xdist_group("quality_gate")
def test_traditional_pages_stay_traditional(gate_run):
    results, report = gate_run
    limit = FLOORS["floors"]["traditional_max_simplified_intrusions_per_page"]
    trad = [r for r in results if r.intrusions is not None]
    assert trad, "the bench should have traditional pages (script == 'traditional')"
    bad = [r for r in trad if len(r.intrusions) > limit]
    assert not bad, (
        f"{len(bad)} of {len(trad)} traditional pages gained more than {limit} simplified-only "
        "characters the html does not have (the GT keeps traditional script):\n"
        + "\n".join(f"  {r.id}: {len(r.intrusions)} e.g. {''.join(r.intrusions[:20])}" for r in bad[:10])
    )
