"""kill -9 at random moments, then a run to completion: every article exactly
once across the feeds, and every JSONL line parses (no torn lines)."""

import pytest

from tests.hostile import scenarios


@pytest.mark.slow
@pytest.mark.timeout(300)
def test_kill_9_at_random_moments_loses_and_doubles_nothing(tmp_path):
    r = scenarios.run_kill_loop(tmp_path, iterations=3, seed=11)
    assert r["final_returncode"] == 0, r["log_tail"]
    assert r["kills"] >= 1
    assert (r["lost"], r["duplicated"], r["torn_lines"], r["unexpected"]) == (0, 0, 0, 0), r
    assert r["emitted"] == r["expected"]
