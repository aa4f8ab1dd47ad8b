"""The bench the quality gates read (../shared/bench, or $BENCH_DIR).

On a developer's machine without it the gates are skipped, saying why. In CI
(`CI` set, as `.ci/run` is run) the bench is part of the contract: a missing
bench fails the gate's tests instead of letting a green run hide that nothing
was measured.
"""

from __future__ import annotations

import functools
import os
from collections.abc import Iterable
from pathlib import Path

import pytest


def needs_bench(bench: Path, sets: Iterable[str]):
    missing = [name for name in sets if not (bench / name / "manifest.json").exists()]
    if not missing:
        return lambda test: test
    reason = (f"bench data not found at {bench} for {', '.join(missing)} "
              "(expected ../shared/bench next to the repo, or $BENCH_DIR)")
    if not os.environ.get("CI"):
        return pytest.mark.skip(reason=reason)

    def fail_instead(test):
        @functools.wraps(test)
        def failing(*args, **kwargs):
            pytest.fail(f"{reason}: in CI the quality gate fails rather than skips")
        return failing
    return fail_instead
