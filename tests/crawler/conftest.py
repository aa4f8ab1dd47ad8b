from __future__ import annotations

import json
import os
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
FIXTURES = ROOT / "fixtures"


@dataclass
class CrawlResult:
    returncode: int
    log: str
    records: list[dict]
    errors: list[dict]
    summary: dict
    feed: Path
    files: list[Path] = field(default_factory=list)


def read_jsonl(path: Path) -> list[dict]:
    if not path.exists():
        return []
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


FAST = {
    "AUTOTHROTTLE_ENABLED": "0",
    "DOWNLOAD_DELAY": "0",
    "RETRY_TIMES": "1",
    "CONCURRENT_REQUESTS_PER_DOMAIN": "8",
    "LOG_LEVEL": "INFO",
    "DOWNLOAD_TIMEOUT": "20",
    "RETRY_BACKOFF_BASE": "0.05",
    # Clean in the crawler's process: a pool per subprocess crawl costs more than
    # it saves on a few pages (test_output covers the pool).
    "CLEAN_WORKERS": "0",
    # Articles only: fetching attachments has its own suite (tests/attachments).
    "ATTACHMENTS_ENABLED": "0",
}


def run_crawl(spider: str, tmp_path: Path, args: dict[str, str] | None = None,
              settings: dict[str, str] | None = None, proxy: str | None = None,
              output: str | None = "-O", timeout: int = 180) -> CrawlResult:
    """`scrapy crawl <spider>` in a subprocess, from the project root.

    output="-O": write to tmp_path/out.jsonl with -O (errors/summary beside it);
    output=None: the default FEEDS, redirected under tmp_path via the cwd-relative
    output/ directory replaced by FEEDS... (see test for the default path).
    """
    cmd = [sys.executable, "-m", "scrapy", "crawl", spider]
    for k, v in (args or {}).items():
        cmd += ["-a", f"{k}={v}"]
    for k, v in {**FAST, **(settings or {})}.items():
        cmd += ["-s", f"{k}={v}"]
    feed = tmp_path / "out.jsonl"
    if output == "-O":
        cmd += ["-O", str(feed)]
    env = {k: v for k, v in os.environ.items() if "proxy" not in k.lower()}
    env["PYTHONPATH"] = str(ROOT)
    if proxy:
        env["http_proxy"] = env["https_proxy"] = proxy
    proc = subprocess.run(cmd, cwd=ROOT, env=env, capture_output=True, text=True, timeout=timeout)
    if output != "-O":
        feeds = sorted(p for p in (tmp_path / "output").rglob("*.jsonl") if not p.name.endswith(".errors.jsonl"))
        feed = feeds[-1] if feeds else tmp_path / "missing.jsonl"
    stem = feed.name[: -len(".jsonl")]
    summary_path = feed.with_name(stem + ".summary.json")
    return CrawlResult(
        returncode=proc.returncode,
        log=proc.stderr,
        records=read_jsonl(feed),
        errors=read_jsonl(feed.with_name(stem + ".errors.jsonl")),
        summary=json.loads(summary_path.read_text(encoding="utf-8")) if summary_path.exists() else {},
        feed=feed,
    )


@pytest.fixture
def crawl(tmp_path):
    def _crawl(spider: str, **kwargs) -> CrawlResult:
        return run_crawl(spider, tmp_path, **kwargs)
    return _crawl
