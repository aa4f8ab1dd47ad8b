"""Crawls in a subprocess, and the processes they leave behind (if any)."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
import uuid
from dataclasses import dataclass
from pathlib import Path

import pytest

from crawler.fetch.browser.handler import DEFAULT_EXECUTABLE

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = os.environ.get("CHROMIUM_PATH") or DEFAULT_EXECUTABLE
HAVE_CHROMIUM = os.path.isfile(CHROMIUM) and os.access(CHROMIUM, os.X_OK)
needs_chromium = pytest.mark.skipif(not HAVE_CHROMIUM, reason=f"no system Chromium at {CHROMIUM} "
                                    "(Debian package `chromium`; or set CHROMIUM_PATH)")
TAG_VAR = "EDUNEWS_BROWSER_TEST_TAG"

FAST = {
    "AUTOTHROTTLE_ENABLED": "0",
    "DOWNLOAD_DELAY": "0",
    "RETRY_TIMES": "0",
    "CONCURRENT_REQUESTS_PER_DOMAIN": "8",
    "LOG_LEVEL": "INFO",
    "BROWSER_PAGE_TIMEOUT": "3",
    "BROWSER_SETTLE_TIMEOUT": "2",
    "CLEAN_WORKERS": "0",
}


@dataclass
class Crawl:
    returncode: int
    log: str
    records: list[dict]
    errors: list[dict]
    tag: str


def read_jsonl(path: Path) -> list[dict]:
    if not path.exists():
        return []
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def crawl_command(spider: str, feed: Path, args: dict[str, str], settings: dict[str, str]) -> list[str]:
    cmd = [sys.executable, "-m", "scrapy", "crawl", spider, "-O", str(feed)]
    for k, v in args.items():
        cmd += ["-a", f"{k}={v}"]
    for k, v in {**FAST, **settings}.items():
        cmd += ["-s", f"{k}={v}"]
    return cmd


def crawl_env(tag: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if "proxy" not in k.lower()}
    env["PYTHONPATH"] = str(ROOT)
    env[TAG_VAR] = tag  # inherited by Playwright's driver and every Chromium process
    return env


def run_crawl(tmp_path: Path, spider: str, args: dict[str, str], settings: dict[str, str] | None = None,
              timeout: float = 120) -> Crawl:
    tag = uuid.uuid4().hex
    feed = tmp_path / f"{tag}.jsonl"
    proc = subprocess.run(crawl_command(spider, feed, args, settings or {}), cwd=ROOT, env=crawl_env(tag),
                          capture_output=True, text=True, timeout=timeout)
    return Crawl(proc.returncode, proc.stderr, read_jsonl(feed),
                 read_jsonl(feed.with_name(f"{tag}.errors.jsonl")), tag)


def tagged_processes(tag: str) -> list[tuple[int, str]]:
    """(pid, command line) of every live process started by the crawl tagged `tag`."""
    needle = f"{TAG_VAR}={tag}".encode()
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            if needle not in (entry / "environ").read_bytes().split(b"\0"):
                continue
            cmdline = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
            state = next((line for line in (entry / "status").read_text().splitlines()
                          if line.startswith("State:")), "")
        except (FileNotFoundError, ProcessLookupError, PermissionError):
            continue
        if "zombie" not in state:
            found.append((int(entry.name), cmdline.strip()))
    return found


def leftovers(tag: str, grace: float = 5.0) -> list[tuple[int, str]]:
    """Processes of the crawl still alive after a short grace period (bounded)."""
    deadline = time.monotonic() + grace
    while True:
        procs = tagged_processes(tag)
        if not procs or time.monotonic() > deadline:
            return procs
        time.sleep(0.2)


def interrupt(proc: subprocess.Popen) -> None:
    proc.send_signal(signal.SIGINT)
