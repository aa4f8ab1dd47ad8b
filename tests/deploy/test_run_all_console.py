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
    assert len(lines) <= 25, proc.stdout
    progress = [line for line in lines if re.match(r"\[\d/5\] ", line)]
    assert len(progress) == 5
    assert {re.match(r"\[\d/5\] (\S+)", line).group(1) for line in progress} == {
        "sdjky", "chce", "gxxk_party", "mirror_en", "mirror_spam"}
    total = next(line for line in lines if line.startswith("total"))
    assert total.split()[1:] == ["5", "sites", "36", "23", "0"]
    assert "errors by stage: none" in lines
    # Scrapy's settings and stats dumps are in the log file, not on the console.
    assert "Dumping Scrapy stats" not in proc.stdout + proc.stderr
    log_line = next(line for line in lines if line.startswith("Scrapy's log: "))
    log = tmp_path / log_line.split(": ", 1)[1]
    assert log.parent == tmp_path / "output"
    assert log.read_text(encoding="utf-8").count("Dumping Scrapy stats") == 5
    # Each feed named in the table exists and holds that many articles.
    for line in lines:
        m = re.match(r"(\S+)\s+(\S+)\s+(\d+)\s+(\d+)\s+(\d+)\s+(output/\S+\.jsonl)$", line)
        if m:
            feed = tmp_path / m.group(6)
            assert len(feed.read_text(encoding="utf-8").splitlines()) == int(m.group(4))


def test_verbose_puts_scrapys_log_on_the_console(tmp_path):
    proc = run_all(tmp_path, "--site", "mirror_en", "-v")
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert "Dumping Scrapy stats" in proc.stderr
    assert "[1/1] mirror_en (mirror): 4 articles" in proc.stdout
    assert not list((tmp_path / "output").glob("run_all-*.log"))
