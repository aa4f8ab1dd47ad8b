"""The state store contract, on SQLite and on a real redis-server: decisions,
versions, duplicates, claims, and reconciling what a killed run left behind."""

from __future__ import annotations

import hashlib
import multiprocessing
import os
import shutil
import socket
import subprocess
import time
from pathlib import Path

import pytest

from cleaners.fingerprint import simhash
from crawler.emit.state import open_store
from crawler.emit.state.runtime import reconcile, repair_feed
from crawler.emit.state.store import Run, bands, this_process
from tests.incremental.site import article_text


def record(n: int, text: str | None = None, site_type: str = "provincial_portal", url: str | None = None,
           etag: str | None = None) -> dict:
    text = text if text is not None else "\n".join(article_text(n))
    url = url or f"http://www.example.edu.cn/news/t20240312_{n}.html"
    return {"id": hashlib.sha256(url.encode()).hexdigest()[:24], "url": url, "final_url": url,
            "site_type": site_type, "content_sha256": hashlib.sha256(text.encode()).hexdigest(),
            "simhash": simhash(text), "fetched_at": "2024-03-12T00:00:00Z",
            "http": {"status": 200, "etag": etag, "last_modified": None}, "spam": {"score": 0, "signals": []}}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def redis_url(tmp_path_factory):
    exe = shutil.which("redis-server")
    if exe is None:
        pytest.skip("redis-server is not installed (scripts/setup.sh --system installs it)")
    port = free_port()
    workdir = tmp_path_factory.mktemp("redis")
    proc = subprocess.Popen([exe, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
                             "--dir", str(workdir)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
                break
            except OSError:
                time.sleep(0.05)
        else:
            pytest.fail("redis-server did not start")
        yield f"redis://127.0.0.1:{port}/0"
    finally:
        proc.terminate()
        proc.wait(timeout=10)


@pytest.fixture(params=["sqlite", pytest.param("redis", marks=pytest.mark.redis)])
def store_uri(request, tmp_path):
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path}/state.db"
    return request.getfixturevalue("redis_url") + f"?prefix=test{time.monotonic_ns()}"


@pytest.fixture
def store(store_uri):
    s = open_store(store_uri)
    yield s
    s.close()


def test_new_then_unchanged_then_changed(store):
    r = record(1, etag='"v1"')
    d = store.claim(r, "run1")
    assert (d.outcome, d.version, d.previous_content_sha256) == ("new", 1, None)
    assert store.commit({**r, "version": 1}, "now") is True
    assert store.commit({**r, "version": 1}, "now") is False  # idempotent
    assert store.claim(r, "run2").outcome == "unchanged"
    assert store.validators(r["url"]) == ('"v1"', None)
    changed = {**record(1, text="\n".join(article_text(1)) + "\n新增一段。"), "url": r["url"], "id": r["id"]}
    d = store.claim(changed, "run3")
    assert (d.outcome, d.version, d.previous_content_sha256) == ("changed", 2, r["content_sha256"])
    assert d.dup_of is None  # its own earlier version is not a duplicate
    store.commit({**changed, "version": 2}, "now")
    assert store.get(r["id"]).version == 2


def test_a_claim_blocks_other_runs_until_committed_or_released(store):
    r = record(2)
    assert store.claim(r, "run1").outcome == "new"
    assert store.claim(r, "run2").outcome == "in_flight"
    assert store.release_claims("run1") == 1
    assert store.claim(r, "run2").outcome == "new"  # released: emitted by the next run


def test_exact_near_and_mirror_duplicates(store):
    text = "\n".join(article_text(1))
    near_text = text.replace(text[10:12], "督导", 1)
    assert text != near_text
    original = record(1, text=text, url="http://a.edu.cn/1.html")
    exact = record(1, text=text, url="http://b.edu.cn/9.html")
    near = record(1, text=near_text, url="http://c.edu.cn/5.html")
    mirror = record(1, text=text, url="http://spam.example.com/8.html", site_type="mirror")
    unrelated = record(50, url="http://a.edu.cn/50.html")
    assert store.claim(original, "r").dup_of is None
    d = store.claim(exact, "r")
    assert (d.dup_of, d.dup_kind, d.mirror_of) == (original["id"], "exact", None)
    d = store.claim(near, "r")
    assert (d.dup_of, d.dup_kind) == (original["id"], "near")
    d = store.claim(mirror, "r", mirror_like=True)
    assert (d.dup_of, d.mirror_of) == (original["id"], original["id"])
    assert store.claim(unrelated, "r").dup_of is None


def test_an_official_copy_is_not_a_duplicate_of_a_mirror(store):
    text = "\n".join(article_text(3))
    mirror = record(3, text=text, url="http://spam.example.com/3.html", site_type="mirror")
    official = record(3, text=text, url="http://www.moe.gov.cn/3.html")
    later = record(3, text=text, url="http://other.edu.cn/3.html")
    assert store.claim(mirror, "r", mirror_like=True).dup_of is None
    assert store.claim(official, "r").dup_of is None
    assert store.claim(later, "r").dup_of == official["id"]  # the official one is now the original


def test_bands_cover_every_hash_within_three_bits():
    value = int("0123456789abcdef", 16)
    flipped = value ^ (1 << 3) ^ (1 << 20) ^ (1 << 40)
    assert len(set(bands(f"{value:016x}")) & set(bands(f"{flipped:016x}"))) >= 1


def _claim_in_process(uri: str, rec: dict, run_id: str, out) -> None:
    s = open_store(uri)
    out.put(s.claim(rec, run_id).outcome)
    s.close()


def test_processes_sharing_a_store_never_both_emit(store_uri):
    open_store(store_uri).close()  # create the schema first
    ctx = multiprocessing.get_context("fork")  # each process opens its own connection
    out = ctx.Queue()
    rec = record(4)
    procs = [ctx.Process(target=_claim_in_process, args=(store_uri, rec, f"run{i}", out)) for i in range(4)]
    for p in procs:
        p.start()
    for p in procs:
        p.join(timeout=60)
    outcomes = sorted(out.get(timeout=10) for _ in procs)
    assert outcomes == ["in_flight", "in_flight", "in_flight", "new"]


def _open_new_store_at_once(path: str, start, out) -> None:
    start.wait()
    try:
        open_store(f"sqlite:///{path}").close()
        out.put("ok")
    except Exception as exc:  # noqa: BLE001 - what the run would have died of
        out.put(repr(exc))


def test_runs_opening_a_new_sqlite_store_at_once_all_open_it(tmp_path):
    """Switching a new store to WAL takes a lock SQLite may refuse at once (no busy
    wait): two scheduled runs starting together on a new state file must both open it."""
    ctx = multiprocessing.get_context("fork")
    failures = []
    for attempt in range(12):
        start, out = ctx.Barrier(4), ctx.Queue()
        path = tmp_path / f"state{attempt}.db"
        procs = [ctx.Process(target=_open_new_store_at_once, args=(str(path), start, out)) for _ in range(4)]
        for p in procs:
            p.start()
        for p in procs:
            p.join(timeout=60)
        failures += [r for r in (out.get(timeout=10) for _ in procs) if r != "ok"]
    assert failures == []


def dead_pid() -> int:
    proc = subprocess.Popen(["true"])
    proc.wait()
    return proc.pid


def test_reconcile_a_killed_run(store, tmp_path):
    """The killed run wrote two whole lines (the store heard of one) and half a third;
    it also held a claim on an article whose line never reached the disk."""
    import json

    host, _, _ = this_process()
    feed = tmp_path / "killed.jsonl"
    a, b, c, lost = record(10), record(11), record(12), record(13)
    for r in (a, b, c, lost):
        assert store.claim(r, "killed").outcome == "new"
    store.commit({**a, "version": 1}, "t")
    lines = [json.dumps({**a, "version": 1}), json.dumps({**b, "version": 1})]
    feed.write_bytes(("\n".join(lines) + "\n").encode() + json.dumps(c).encode()[:40])
    store.open_run(Run("killed", host, dead_pid(), "", []))
    store.add_run_file("killed", str(feed))
    store.open_run(Run("alive", host, os.getpid(), this_process()[2], []))

    report = reconcile(store, "now")
    assert (report.runs, report.lines_committed) == (1, 1)
    assert report.torn_bytes == 40 and feed.read_bytes().endswith(b"\n")
    assert [r["id"] for r in repair_feed(feed)[0]] == [a["id"], b["id"]]
    assert store.claim(b, "next").outcome == "unchanged"  # on disk: not emitted again
    assert store.claim(c, "next").outcome == "new"  # torn: emitted again
    assert store.claim(lost, "next").outcome == "new"
    assert [r.run_id for r in store.open_runs()] == ["alive"]  # a live run is left alone


def test_store_uri_forms(tmp_path):
    s = open_store(f"sqlite:///{tmp_path}/x/state.db")
    assert Path(s.path) == tmp_path / "x" / "state.db"
    s.close()
    with pytest.raises(ValueError):
        open_store("mysql://nowhere/db")


def test_a_dead_runs_feed_held_by_a_live_run_is_left_to_that_run(store, tmp_path):
    """A run killed mid-line left a feed that a live run (another process) now
    holds: reconciling it here could cut lines that run appends, so it is left
    alone (claims included) until the lock goes; then it is repaired."""
    import json
    import sys

    host, _, _ = this_process()
    feed = tmp_path / "killed.jsonl"
    a, torn = record(20), record(21)
    for r in (a, torn):
        assert store.claim(r, "killed").outcome == "new"
    feed.write_bytes(json.dumps({**a, "version": 1}).encode() + b"\n" + json.dumps(torn).encode()[:30])
    store.open_run(Run("killed", host, dead_pid(), "", []))
    store.add_run_file("killed", str(feed))
    holder = subprocess.Popen(
        [sys.executable, "-c", "import fcntl, sys, time; f = open(sys.argv[1], 'ab'); "
         "fcntl.flock(f, fcntl.LOCK_EX); print('held', flush=True); time.sleep(60)", str(feed)],
        stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "held"
        report = reconcile(store, "now")
        assert (report.runs, report.torn_bytes, report.claims_released) == (0, 0, 0)
        assert not feed.read_bytes().endswith(b"\n"), "a held feed is not touched"
        assert [r.run_id for r in store.open_runs()] == ["killed"]
    finally:
        holder.kill()
        holder.wait()
    report = reconcile(store, "now")
    assert (report.runs, report.lines_committed, report.torn_bytes, report.claims_released) == (1, 1, 30, 1)
    assert store.claim(torn, "next").outcome == "new"


def test_a_relative_sqlite_store_lives_in_the_project_never_in_site_packages(tmp_path, monkeypatch):
    import crawler

    checkout = Path(crawler.__file__).resolve().parent.parent
    # a source checkout: beside scrapy.cfg, wherever the job starts (cron)
    monkeypatch.chdir(tmp_path)
    store = open_store("sqlite:///state/relative.db")
    try:
        assert Path(store.path).resolve() == checkout / "state" / "relative.db"
    finally:
        store.close()
        (checkout / "state" / "relative.db").unlink(missing_ok=True)
    # an installed package (pip, a Scrapyd egg): the project around the current directory, else the
    # current directory - not the directory the package was installed in
    installed = tmp_path / "site-packages" / "crawler"
    installed.mkdir(parents=True)
    monkeypatch.setattr(crawler, "__file__", str(installed / "__init__.py"))
    project = tmp_path / "project"
    (project / "sub").mkdir(parents=True)
    (project / "scrapy.cfg").write_text("[settings]\ndefault = crawler.settings\n")
    monkeypatch.chdir(project / "sub")
    for where, expected in ((project / "sub", project), (tmp_path, tmp_path)):
        monkeypatch.chdir(where)
        store = open_store("sqlite:///state/relative.db")
        store.close()
        assert Path(store.path).resolve() == expected.resolve() / "state" / "relative.db"
    assert not (installed.parent / "state").exists()
