"""What `pip install` brings: the cleaning library alone is small, and the versions that
move our scores are locked (pyproject.toml)."""

from __future__ import annotations

import re
import subprocess
import sys
import tomllib
from importlib import metadata
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
PIN = re.compile(r"^([A-Za-z0-9_.\-]+)==([^\s;]+)$")


def names(requirements: list[str]) -> set[str]:
    return {re.split(r"[\[<>=!~; ]", r, maxsplit=1)[0].lower().replace("_", "-") for r in requirements}


def test_the_cleaning_library_installs_without_crawler_browser_or_redis():
    extras = PROJECT["optional-dependencies"]
    core = names(PROJECT["dependencies"])
    assert not core & {"scrapy", "scrapy-playwright", "playwright", "scrapy-redis", "redis", "warcio", "pyarrow"}
    assert names(extras["crawler"]) == {"scrapy", "warcio"}
    assert "scrapy-playwright" in names(extras["browser"]) and "edunews-crawler[crawler]" in extras["browser"]
    assert {"scrapy-redis", "redis"} <= names(extras["distributed"])
    # The README's commands install the test extra: it brings everything the tests drive.
    assert "edunews-crawler[crawler,browser,distributed,parquet]" in extras["test"]
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
            "cleaners.validation.validator('record'); "
            "assert not [m for m in sys.modules if m.split('.')[0] in ('scrapy', 'twisted', 'crawler')]")
    proc = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=60,
                          env={"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin"})
    assert proc.returncode == 0, proc.stderr


# Run a command as if the [browser] and [distributed] extras were not installed.
WITHOUT_EXTRAS = """
import sys
from importlib.abc import MetaPathFinder

class Missing(MetaPathFinder):
    def find_spec(self, name, path=None, target=None):
        if name.split(".")[0] in ("scrapy_playwright", "playwright", "scrapy_redis", "redis"):
            raise ModuleNotFoundError(f"No module named {name!r}", name=name)
        return None

sys.meta_path.insert(0, Missing())
sys.argv = ["scrapy", *sys.argv[1:]]
from scrapy.cmdline import execute
execute()
"""


def crawl_without_extras(tmp_path: Path, *settings: str) -> subprocess.CompletedProcess:
    feed = tmp_path / "out.jsonl"
    cmd = [sys.executable, "-c", WITHOUT_EXTRAS, "crawl", "provincial_portal", "-a", "site=sdjky",
           "-O", str(feed), "-s", f"REPLAY_DIR={ROOT / 'fixtures'}", "-s", "CLEAN_WORKERS=0",
           "-s", "AUTOTHROTTLE_ENABLED=0", "-s", "DOWNLOAD_DELAY=0", *settings]
    env = {"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin", "SCRAPY_SETTINGS_MODULE": "crawler.settings"}
    return subprocess.run(cmd, cwd=ROOT, env=env, capture_output=True, text=True, timeout=180)


@pytest.mark.slow
def test_the_crawler_runs_without_the_browser_and_distributed_extras(tmp_path):
    proc = crawl_without_extras(tmp_path)
    assert proc.returncode == 0, proc.stderr[-3000:]
    lines = (tmp_path / "out.jsonl").read_text(encoding="utf-8").splitlines()
    assert len(lines) == 5
    assert "scrapy-playwright is not installed (pip install 'edunews-crawler[browser]')" in proc.stderr


@pytest.mark.slow
def test_asking_for_redis_without_the_distributed_extra_fails_clearly(tmp_path):
    proc = crawl_without_extras(tmp_path, "-s", "REDIS_URL=redis://127.0.0.1:9/0")
    assert proc.returncode != 0
    assert "pip install 'edunews-crawler[distributed]'" in proc.stderr
