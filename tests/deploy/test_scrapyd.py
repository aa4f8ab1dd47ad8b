"""The project under a real Scrapyd, as deploy/scrapyd.md tells a user to run it.

A `scrapyd` (from the test extra) is started on 127.0.0.1 in a temporary
directory, with its own eggs, logs and items_dir; a copy of the project (as a
clean clone has it) is deployed with `scrapyd-deploy`, which builds the egg;
replay crawls are scheduled through Scrapyd's API and through
`deploy/scrapyd-schedule.sh`, and their feeds are read where Scrapyd put them.

The copy's registry has one site more than the checkout's (`egg_probe`, the
saved sdjky site under another name): a job that crawls it read sites.toml from
the egg, not from the source tree.
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.parse
import urllib.request
from pathlib import Path

import pytest

from crawler.schema import validator
from tests.crawler.conftest import FAST, read_jsonl

ROOT = Path(__file__).resolve().parents[2]
FIXTURES = ROOT / "fixtures"
BIN = Path(sys.executable).parent
PROJECT_FILES = ("cleaners", "crawler", "pyproject.toml", "setup.py", "scrapy.cfg", "README.md")
JOB_SETTINGS = {**FAST, "REPLAY_DIR": str(FIXTURES)}
PROBE_SITE = """
[sites.egg_probe]
site_name = "山东省教育科研网"
site_type = "provincial_portal"
start_urls = ["http://www.sdjky.cn/gzdt/index.html"]
allowed_domains = ["sdjky.cn"]
"""

pytestmark = pytest.mark.slow


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def clean_env() -> dict[str, str]:
    """The environment without PYTHONPATH: Scrapyd's jobs must import the project from the egg."""
    return {k: v for k, v in os.environ.items() if k != "PYTHONPATH" and "proxy" not in k.lower()}


def api(base: str, path: str, data: list[tuple[str, str]] | None = None) -> dict:
    body = urllib.parse.urlencode(data).encode() if data is not None else None
    with urllib.request.urlopen(base + path, data=body, timeout=30) as resp:
        return json.loads(resp.read().decode())


def wait_finished(base: str, job_id: str, timeout: float = 240) -> dict:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        for job in api(base, "listjobs.json?project=crawler")["finished"]:
            if job["id"] == job_id:
                return job
        time.sleep(0.5)
    raise AssertionError(f"job {job_id} did not end within {timeout} s")


@pytest.fixture(scope="module")
def scrapyd(tmp_path_factory):
    """A real Scrapyd on 127.0.0.1 with the project deployed to it: (base URL, its directory)."""
    home = tmp_path_factory.mktemp("scrapyd")
    port = free_port()
    (home / "scrapyd.conf").write_text(
        "[scrapyd]\n"
        f"bind_address = 127.0.0.1\nhttp_port = {port}\n"
        f"eggs_dir = {home / 'eggs'}\nlogs_dir = {home / 'logs'}\n"
        f"items_dir = {home / 'items'}\ndbs_dir = {home / 'dbs'}\n"
        "poll_interval = 0.5\nmax_proc = 2\njobs_to_keep = 50\n", encoding="utf-8")
    log = open(home / "scrapyd.out", "wb")
    proc = subprocess.Popen([str(BIN / "scrapyd")], cwd=home, env=clean_env(), stdout=log, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}/"
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                api(base, "daemonstatus.json")
                break
            except OSError:
                if proc.poll() is not None or time.monotonic() > deadline:
                    raise AssertionError("scrapyd did not start: " + (home / "scrapyd.out").read_text())
                time.sleep(0.2)

        # A clean clone's files, deployed the way deploy/scrapyd.md says.
        project = home / "project"
        project.mkdir()
        for name in PROJECT_FILES:
            src = ROOT / name
            if src.is_dir():
                shutil.copytree(src, project / name, ignore=shutil.ignore_patterns("__pycache__"))
            else:
                shutil.copy(src, project / name)
        with open(project / "crawler" / "sites.toml", "a", encoding="utf-8") as fh:
            fh.write(PROBE_SITE)
        with open(project / "scrapy.cfg", "a", encoding="utf-8") as fh:
            fh.write(f"url = {base}\n")
        deploy = subprocess.run([str(BIN / "scrapyd-deploy")], cwd=project, env=clean_env(),
                                capture_output=True, text=True, timeout=180)
        assert deploy.returncode == 0, deploy.stdout + deploy.stderr
        answer = json.loads(deploy.stdout[deploy.stdout.index("{"):])
        assert answer["status"] == "ok" and answer["project"] == "crawler", answer
        assert answer["spiders"] == 5, answer
        yield base, home
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        log.close()


def test_deployed_egg_lists_the_spiders(scrapyd):
    base, _ = scrapyd
    spiders = api(base, "listspiders.json?project=crawler")["spiders"]
    assert sorted(spiders) == ["generic", "mirror", "provincial_portal", "quality_education", "university_party"]


def test_scheduled_replay_job_writes_its_feed_into_items_dir(scrapyd, tmp_path):
    base, home = scrapyd
    state = tmp_path / "state.db"
    settings = {**JOB_SETTINGS, "STATE_ENABLED": "1", "STATE_URI": f"sqlite:///{state}"}
    answer = api(base, "schedule.json", [("project", "crawler"), ("spider", "provincial_portal"),
                                         ("site", "egg_probe")] + [("setting", f"{k}={v}") for k, v in settings.items()])
    job = wait_finished(base, answer["jobid"])
    log = (home / "logs" / "crawler" / "provincial_portal" / f"{job['id']}.log").read_text(encoding="utf-8")
    assert "Spider closed (finished)" in log, log[-3000:]

    feed = home / "items" / "crawler" / "provincial_portal" / f"{job['id']}.jl"
    records = read_jsonl(feed)
    golden = read_jsonl(FIXTURES / "golden" / "sdjky.jsonl")
    assert len(records) == len(golden) > 0
    assert {r["site"] for r in records} == {"egg_probe"}  # the registry came out of the egg
    assert sorted(r["content_sha256"] for r in records) == sorted(g["content_sha256"] for g in golden)
    check = validator("crawl-record")
    for record in records:
        check.validate(record)

    # Scrapyd's items_dir asks for format "jsonlines": the crash-safe exporter writes it,
    # so the state store counted each line only once it was on disk.
    summary = json.loads(feed.with_name(f"{feed.name}.summary.json").read_text(encoding="utf-8"))
    assert summary["articles_emitted"] == len(records) and summary["errors"] == 0
    assert "no JSONL feed" not in log
    assert f"'state/committed': {len(records)}," in log
    assert feed.with_name(f"{feed.name}.errors.jsonl").exists()


def run_schedule_script(base: str, tmp_path: Path, *args: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "SCRAPYD": base, "STATE_URI": f"sqlite:///{tmp_path / 'state.db'}"}
    cmd = ["bash", str(ROOT / "deploy" / "scrapyd-schedule.sh"), "--poll", "0.5", "--timeout", "240", *args]
    return subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=300)


def test_schedule_script_waits_and_succeeds_when_the_jobs_finish(scrapyd, tmp_path):
    base, _ = scrapyd
    sets = [a for k, v in JOB_SETTINGS.items() for a in ("-s", f"{k}={v}")]
    proc = run_schedule_script(base, tmp_path, "--site", "sdjky", "--site", "mirror_en", *sets)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "jobs: 2, finished 2, failed 0" in proc.stdout
    # Mirrors after the official sites: two phases, the second scheduled once the first ended.
    assert proc.stdout.index("phase 1") < proc.stdout.index("sdjky") < proc.stdout.index("phase 2")


def test_schedule_script_fails_when_the_jobs_die(scrapyd, tmp_path):
    base, _ = scrapyd
    sets = [a for k, v in JOB_SETTINGS.items() for a in ("-s", f"{k}={v}")]
    # A state store nobody can open: the job dies at start with a traceback, and
    # Scrapyd still lists it as "finished".
    result = run_schedule_script(base, tmp_path, "--site", "sdjky", *sets, "-s", "STATE_URI=nosuchscheme://x")
    assert result.returncode == 1, result.stdout + result.stderr
    assert "died" in result.stdout and "failed 1" in result.stdout


def test_schedule_script_refuses_a_relative_state_store(scrapyd, tmp_path):
    base, _ = scrapyd
    env = {**os.environ, "SCRAPYD": base, "STATE_URI": "sqlite:///state/crawl-state.db"}
    proc = subprocess.run(["bash", str(ROOT / "deploy" / "scrapyd-schedule.sh"), "--site", "sdjky"],
                          env=env, capture_output=True, text=True, timeout=60)
    assert proc.returncode == 2
    assert "must be absolute" in proc.stderr
