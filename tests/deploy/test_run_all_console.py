"""What `bash scripts/demo.sh` (python -m crawler.run_all) shows: one page, with totals.

Run as the demo runs it, from a directory of its own (its output/ lands there).
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from crawler.discover.registry import Registry

ROOT = Path(__file__).resolve().parents[2]
FIXTURES = ROOT / "fixtures"

pytestmark = pytest.mark.slow


def run_all(cwd: Path, *args: str) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if "proxy" not in k.lower()}
    env["PYTHONPATH"] = str(ROOT)
    cmd = [sys.executable, "-m", "crawler.run_all", "-s", f"REPLAY_DIR={FIXTURES}",
           "-s", "AUTOTHROTTLE_ENABLED=0", "-s", "DOWNLOAD_DELAY=0", "-s", "CLEAN_WORKERS=0", *args]
    return subprocess.run(cmd, cwd=cwd, env=env, capture_output=True, text=True, timeout=240)


def test_demo_prints_a_line_per_site_and_a_totals_table(tmp_path):
    proc = run_all(tmp_path)
    assert proc.returncode == 0, proc.stdout + proc.stderr[-3000:]
    lines = proc.stdout.splitlines()
    sites = list(Registry.load().sites)
    assert len(lines) <= len(sites) * 2 + 12, proc.stdout
    n = len(sites)
    progress = [line for line in lines if re.match(rf"\[\d+/{n}\] ", line)]
    assert {re.match(rf"\[\d+/{n}\] (\S+)", line).group(1) for line in progress} == set(sites)
    assert len(progress) == n
    # The table: a row per site, its feed holding that many records; the totals add them up.
    rows = [re.match(r"(\S+)\s+(\S+)\s+(\d+)\s+(\d+)\s+(\d+)\s+(\d+)\s+(\d+)\s+(output/\S+\.jsonl)$", line)
            for line in lines]
    rows = [m for m in rows if m]
    assert {m.group(1) for m in rows} == set(sites)
    for m in rows:
        feed = tmp_path / m.group(8)  # articles + attachments + lists' documents
        assert len(feed.read_text(encoding="utf-8").splitlines()) == sum(int(m.group(i)) for i in (4, 5, 6))
    total = next(line for line in lines if line.startswith("total"))
    sums = [sum(int(m.group(i)) for m in rows) for i in (3, 4, 5, 6, 7)]
    assert total.split()[1:] == [str(n), "sites", *map(str, sums)]
    assert sums[1] >= 30  # the saved sites' articles
    stages = next(line for line in lines if line.startswith("errors by stage: "))
    by_stage = re.findall(r"(\w+) (\d+)", stages[len("errors by stage: "):])
    assert sum(int(k) for _, k in by_stage) == sums[4]
    # Scrapy's settings and stats dumps are in the log file, not on the console.
    assert "Dumping Scrapy stats" not in proc.stdout + proc.stderr
    log_line = next(line for line in lines if line.startswith("Scrapy's log: "))
    log = tmp_path / log_line.split(": ", 1)[1]
    assert log.parent == tmp_path / "output"
    assert log.read_text(encoding="utf-8").count("Dumping Scrapy stats") == n


def test_verbose_puts_scrapys_log_on_the_console(tmp_path):
    proc = run_all(tmp_path, "--site", "mirror_en", "-v")
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert "Dumping Scrapy stats" in proc.stderr
    assert "[1/1] mirror_en (mirror): 4 articles" in proc.stdout
    assert not list((tmp_path / "output").glob("run_all-*.log"))
