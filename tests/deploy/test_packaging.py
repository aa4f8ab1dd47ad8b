"""What `pip install` brings: the cleaning library alone is small, and the versions that
move our scores are locked (pyproject.toml)."""

from __future__ import annotations

import re
import subprocess
import sys
import tomllib
from importlib import metadata
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
PIN = re.compile(r"^([A-Za-z0-9_.\-]+)==([^\s;]+)$")


def names(requirements: list[str]) -> set[str]:
    return {re.split(r"[\[<>=!~; ]", r, maxsplit=1)[0].lower().replace("_", "-") for r in requirements}


def test_the_cleaning_library_installs_without_crawler_browser_or_redis():
    core = names(PROJECT["dependencies"])
    assert not core & {"scrapy", "scrapy-playwright", "playwright", "scrapy-redis", "redis", "warcio", "pyarrow"}
    crawler = names(PROJECT["optional-dependencies"]["crawler"])
    assert {"scrapy", "scrapy-playwright", "scrapy-redis", "redis", "warcio"} <= crawler
    # The README's commands install the test extra: it brings everything the tests drive.
    assert "edunews-crawler[crawler,parquet]" in PROJECT["optional-dependencies"]["test"]
    assert {"scrapyd", "scrapyd-client", "datasets"} <= names(PROJECT["optional-dependencies"]["test"])


def test_extractor_dependencies_that_move_scores_are_locked():
    pinned = {PIN.match(r).group(1).lower().replace("_", "-") for r in PROJECT["dependencies"] if PIN.match(r)}
    assert {"trafilatura", "htmldate", "justext", "courlan", "lxml"} <= pinned


def test_the_installed_versions_are_the_locked_ones():
    every = PROJECT["dependencies"] + [r for extra in PROJECT["optional-dependencies"].values() for r in extra]
    wrong = {}
    for requirement in every:
        m = PIN.match(requirement.strip())
        if m and metadata.version(m.group(1)) != m.group(2):
            wrong[m.group(1)] = (m.group(2), metadata.version(m.group(1)))
    assert not wrong, f"pinned vs installed: {wrong} (run scripts/setup.sh)"


def test_the_cleaning_library_imports_without_scrapy():
    code = ("import sys, cleaners, cleaners.__main__, cleaners.validation; "
            "cleaners.validation.validator('crawl-record'); "
            "assert not [m for m in sys.modules if m.split('.')[0] in ('scrapy', 'twisted', 'crawler')]")
    proc = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=60,
                          env={"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin"})
    assert proc.returncode == 0, proc.stderr
