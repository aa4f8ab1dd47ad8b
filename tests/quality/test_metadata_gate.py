"""The metadata gate: our record's title, author and date against pinned floors and trafilatura.

Runs clean_page and trafilatura's metadata on every bench page with metadata
ground truth (zh: daniel and cwced; en: en_modern), once per session, and
asserts, with the floors of floors.json's "metadata" key:

- the bench is the one the floors were measured on (manifest sha256: the
  manifests hold the metadata ground truth and every html file's sha256);
- for each language and field: our accuracy >= its floor, and >= trafilatura's
  accuracy in the same run less the field's allowed margin;
- clean_page raises nothing but CleanError;
- every record says where its metadata came from (metadata_source).

Scoring: benchmarks/metadata_quality.py. Floors may be raised freely; lowering
one needs a history entry with a `lowered_because` reason.
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

from benchmarks import metadata_quality  # noqa: E402
from benchmarks.scoring import bench_dir, manifest_sha256  # noqa: E402
from tests.quality import bench_required  # noqa: E402

FLOORS = json.loads(Path(__file__).with_name("floors.json").read_text(encoding="utf-8"))["metadata"]
BENCH = bench_dir()
SETS = dict(metadata_quality.SETS)  # report language -> bench directory
JOBS = 2

needs_bench = bench_required.needs_bench(BENCH, SETS.values())


def corpus_problems() -> list[str]:
    problems = []
    for directory, pinned in FLOORS["corpus"].items():
        got = manifest_sha256(BENCH / directory)
        if got != pinned["manifest_sha256"]:
            problems.append(f"{directory}/manifest.json sha256 is {got}, floors.json pins {pinned['manifest_sha256']}")
    if problems:
        problems.append("The bench changed since the metadata floors were measured: re-measure "
                        "(python -m benchmarks.metadata_quality), re-pin metadata.corpus and add a history entry.")
    return problems


@pytest.fixture(scope="module")
def metadata_run(request):
    problems = corpus_problems()
    if problems:
        pytest.fail("\n".join(problems), pytrace=False)
    t0 = time.perf_counter()
    results = metadata_quality.run_eval(jobs=JOBS, root=BENCH)
    report = metadata_quality.format_report(results) + f"\nwall time: {time.perf_counter() - t0:.1f}s"
    capman = request.config.pluginmanager.getplugin("capturemanager")
    if capman is not None:
        with capman.global_and_fixture_disabled():
            print("\n" + report)
    return results, report


def test_metadata_floors_are_never_lowered_silently():
    history = FLOORS["history"]
    assert history and FLOORS["floors"] == history[-1]["floors"], (
        "floors.json metadata: 'floors' must equal the last history entry's floors")
    for prev, cur in zip(history, history[1:]):
        lowered = [f"{lang}.{name}" for lang, fields in prev["floors"].items() for name, old in fields.items()
                   if cur["floors"].get(lang, {}).get(name, {"accuracy": -1})["accuracy"] < old["accuracy"]
                   or cur["floors"].get(lang, {}).get(name, {}).get("vs_trafilatura_margin", 1)
                   > old["vs_trafilatura_margin"]]
        if lowered:
            assert str(cur.get("lowered_because", "")).strip(), (
                f"metadata history entry of {cur.get('date')} lowers {lowered} without a 'lowered_because' reason")


@needs_bench
def test_metadata_gate(metadata_run):
    results, report = metadata_run
    summary = metadata_quality.summarise(results)
    nd = FLOORS["precision"]
    failures = []
    for lang, fields in FLOORS["floors"].items():
        for name, floor in fields.items():
            row = summary[lang][name]
            if round(row["ours"], nd) < floor["accuracy"]:
                failures.append(f"{lang} {name}: our accuracy {row['ours']:.3f} is below the floor {floor['accuracy']}")
            if row["ours"] < row["traf"] - floor["vs_trafilatura_margin"]:
                failures.append(f"{lang} {name}: our accuracy {row['ours']:.3f} is below trafilatura's "
                                f"{row['traf']:.3f} in the same run (allowed margin {floor['vs_trafilatura_margin']})")
    unexpected = [r for r in results if r.unexpected]
    if unexpected:
        failures.append("clean_page raised something other than CleanError: "
                        + "; ".join(f"{r.id}: {r.unexpected}" for r in unexpected[:5]))
    assert not failures, "\n".join(failures) + "\n\n" + report


@needs_bench
def test_every_value_says_where_it_came_from(metadata_run):
    results, _ = metadata_run
    missing = []
    for r in results:
        if r.error or r.unexpected:
            continue
        for name, key in (("title", "title"), ("author", "author"), ("published", "published_at")):
            if r.predicted["ours"][name] and key not in (r.sources or {}):
                missing.append(f"{r.id}: {key}")
    assert not missing, f"{len(missing)} values without a metadata_source: {missing[:10]}"
