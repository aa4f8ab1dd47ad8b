"""python -m cleaners: saved HTML in, one JSON line per input out, errors as records."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from cleaners.validation import validation_errors

from .fixture_pages import ROOT

SITE = ROOT / "fixtures" / "sites" / "chce" / "pages"


def run_cli(*args: str, stdin: bytes | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "cleaners", *args], cwd=ROOT, input=stdin,
                          capture_output=True, timeout=120)


def test_directory_is_recursed_and_every_input_gives_one_line():
    # HTML and documents (the site's attachment, a PDF, is read too)
    inputs = sorted(p for p in SITE.rglob("*") if p.suffix in (".html", ".htm", ".asp", ".pdf"))
    done = run_cli(str(SITE), "--jobs", "2")
    assert done.returncode == 0, done.stderr.decode()
    lines = done.stdout.decode("utf-8").splitlines()
    assert len(lines) == len(inputs)
    records = [json.loads(line) for line in lines]
    assert [r["path"] for r in records] == [str(p) for p in inputs]  # input order kept
    articles = [r for r in records if "error" not in r]
    assert articles and all(validation_errors(r, "record") == [] for r in articles)
    article_texts = "".join(r["text"] for r in articles if "ShowArticle" in r["path"])
    assert "国家素质教育网" not in article_texts and "打印本页" not in article_texts


def test_chinese_is_written_unescaped():
    page = SITE / "Article_ShowArticle__ArticleID-3314.html"
    done = run_cli(str(page), "--url", "http://www.chce.org.cn/Article/ShowArticle.asp?ArticleID=3314")
    out = done.stdout.decode("utf-8")
    assert "2024年全国教育工作会议闭幕" in out and "\\u" not in out
    record = json.loads(out)
    assert record["url"].endswith("ArticleID=3314") and record["site_type"] == "quality_education"


def test_unreadable_and_non_html_inputs_become_error_records(tmp_path):
    pdf = tmp_path / "notice.html"
    pdf.write_bytes(b"%PDF-1.4\n1 0 obj\n")
    missing = tmp_path / "missing.html"
    done = run_cli(str(pdf), str(missing))
    assert done.returncode == 0
    first, second = (json.loads(line) for line in done.stdout.decode().splitlines())
    # told by its bytes, the file is read as a PDF (a damaged one), not as HTML
    assert first["error"] == "document" and "PDF" in first["reason"] and len(first["raw_sha256"]) == 64
    assert second["error"] == "read" and second["path"] == str(missing)
    assert all(validation_errors(r, "error") == [] for r in (first, second))


def test_stdin_with_headers():
    body = "<html><body><p>教育部办公厅关于做好2024年义务教育招生入学工作的通知，要求各地严格落实免试就近入学。</p></body></html>"
    done = run_cli("-", "--header", "Content-Type: text/html; charset=gbk", "--url",
                   "http://www.moe.gov.cn/srcsite/A06/s3321/202404/t20240412_1125074.html",
                   stdin=body.encode("gbk"))
    record = json.loads(done.stdout)
    assert record["encoding"]["http"] == "gbk" and "免试就近入学" in record["text"]
    assert record["published_at"] == "2024-04-12T00:00:00+08:00"  # from the URL


def test_usage_errors_exit_non_zero():
    assert run_cli().returncode == 2
    assert run_cli("--site-type", "blog", "x.html").returncode == 2
    assert run_cli("--header", "no colon", "x.html").returncode == 2


# -- hostile inputs (#10): every input gives exactly one line, stdout is always valid
# UTF-8, no traceback ever, a closed pipe ends the run quietly --------------------------

ARTICLE = SITE / "Article_ShowArticle__ArticleID-3314.html"


def lines_of(done: subprocess.CompletedProcess) -> list[dict]:
    out = done.stdout.decode("utf-8")  # strict: raises on any invalid byte
    return [json.loads(line) for line in out.splitlines()]


def no_traceback(done) -> None:
    err = done.stderr.decode("utf-8", "replace")
    assert "Traceback" not in err and "Error:" not in err.replace("errors", ""), err


def shell(script: str, cwd, timeout: int = 60) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.run(["bash", "-c", script], cwd=cwd, env=env, capture_output=True, timeout=timeout)


CLI = f"{sys.executable} -m cleaners"


@pytest.mark.parametrize("encoding_env", [{}, {"PYTHONIOENCODING": "utf-8"}, {"LC_ALL": "C", "LANG": "C"}])
def test_a_file_name_that_is_not_utf8(tmp_path, encoding_env):
    odd = os.fsdecode(b"caf\xe9.html")
    (tmp_path / odd).write_bytes(ARTICLE.read_bytes())
    (tmp_path / "later.html").write_bytes(ARTICLE.read_bytes())
    env = {**os.environ, **encoding_env}
    done = subprocess.run([sys.executable, "-m", "cleaners", str(tmp_path)], cwd=ROOT, env=env,
                          capture_output=True, timeout=120)
    no_traceback(done)
    first, later = lines_of(done)  # the later file is not lost
    assert first["path"].endswith("caf\\xe9.html") and "error" not in first and "error" not in later
    assert first["url"].endswith("caf%E9.html")


def test_links_loops_and_fifos_in_a_directory_each_give_a_line(tmp_path):
    (tmp_path / "ok.html").write_bytes(ARTICLE.read_bytes())
    (tmp_path / "dangling.html").symlink_to("nowhere.html")
    (tmp_path / "loop_a").symlink_to("loop_b")
    (tmp_path / "loop_b").symlink_to("loop_a")
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "up").symlink_to("..")
    os.mkfifo(tmp_path / "fifo.html")
    (tmp_path / "notes.txt").write_text("not a page")
    done = run_cli(str(tmp_path))
    no_traceback(done)
    by_name = {Path(r["path"]).name: r for r in lines_of(done)}
    assert set(by_name) == {"ok.html", "dangling.html", "loop_a", "loop_b", "up", "fifo.html"}
    assert "error" not in by_name["ok.html"]
    assert "dangling symbolic link" in by_name["dangling.html"]["reason"]
    assert by_name["loop_a"]["reason"] == by_name["loop_b"]["reason"] == "symbolic link loop"
    assert "already read" in by_name["up"]["reason"]
    assert "FIFO" in by_name["fifo.html"]["reason"]
    assert all(validation_errors(r, "error") == [] for r in by_name.values() if "error" in r)
    closing = done.stderr.decode().strip().splitlines()[-1]
    assert closing == "1 record, 5 errors (5 not read), 1 file without an HTML suffix skipped"


def test_a_symlink_loop_and_a_closed_stdin_as_paths(tmp_path):
    (tmp_path / "self.html").symlink_to("self.html")
    done = shell(f"{CLI} self.html - <&-", tmp_path)
    no_traceback(done)
    loop, stdin = lines_of(done)
    assert loop["error"] == "read" and loop["reason"] == "symbolic link loop"
    assert stdin["error"] == "read" and stdin["reason"] == "stdin is closed"
    assert done.returncode == 1  # nothing could be read


def test_a_fifo_whose_writer_never_finishes_is_cut_off_by_the_time_limit(tmp_path):
    os.mkfifo(tmp_path / "slow.html")
    done = shell(f"sleep 30 > slow.html & writer=$!; sleep 0.2; {CLI} --timeout 1 slow.html ok-missing.html; "
                 "kill $writer", tmp_path)
    no_traceback(done)
    slow, missing = lines_of(done)
    assert slow["error"] == "timeout" and "reading took longer than 1 s" in slow["reason"]
    assert missing["error"] == "read"


@pytest.mark.parametrize("jobs", ["1", "2"])
def test_a_closed_pipe_ends_the_run_quietly(jobs):
    done = shell(f"set -o pipefail; {CLI} --jobs {jobs} {SITE} {SITE} {SITE} | head -1; echo status $?", ROOT)
    assert done.stderr.decode() == ""  # no BrokenPipeError, no closing line
    out = done.stdout.decode().splitlines()
    assert len(out) == 2 and json.loads(out[0]) and out[1] == "status 141"


def test_a_huge_page_is_cut_and_bounded_in_time(tmp_path):
    big = tmp_path / "big.html"
    big.write_bytes(b"<html><body><div>" + "<p>教育部召开会议</p>".encode() * 1_000_000 + b"</div></body></html>")
    done = run_cli(str(big), "--timeout", "2")
    no_traceback(done)
    [rec] = lines_of(done)
    if "error" in rec:  # cut, then still over the time limit: the error record says what was cut
        assert rec["error"] == "timeout" and "the page was cut" in rec["reason"] and "bytes" in rec["reason"]
    else:
        assert rec["cleaning"]["bytes_cut"] > 0


def test_progress_bar_and_closing_line(tmp_path):
    for i in range(3):
        (tmp_path / f"{i}.html").write_bytes(ARTICLE.read_bytes())
    (tmp_path / "3.html").write_bytes(b"%PDF-1.4")
    quiet = run_cli(str(tmp_path))
    assert quiet.stderr.decode() == "3 records, 1 error\n"  # not a terminal: no bar
    shown = run_cli(str(tmp_path), "--progress")
    assert "\r[" in shown.stderr.decode() and "4/4" in shown.stderr.decode()
    assert shown.stderr.decode().endswith("\r\x1b[K3 records, 1 error\n")


def test_nothing_read_exits_non_zero(tmp_path):
    assert run_cli(str(tmp_path / "mistyped.html")).returncode == 1
    assert run_cli(str(tmp_path)).returncode == 1  # an empty directory: nothing to read
    (tmp_path / "a.html").write_bytes(b"%PDF-1.4")
    assert run_cli(str(tmp_path)).returncode == 0  # read, though not a page


def die_on_poison(job):
    """Stands in for cleaners.cli.clean_input in the pool's processes: dies on one input."""
    from cleaners import cli

    if "poison" in job.path:
        os.kill(os.getpid(), 9)
    return cli.clean_input.__wrapped__(job)


def test_a_process_that_dies_costs_only_its_input(tmp_path, monkeypatch):
    from cleaners import cli

    names = [f"{i:02d}{'poison' if i == 5 else ''}.html" for i in range(12)]
    for name in names:
        (tmp_path / name).write_bytes(ARTICLE.read_bytes())
    die_on_poison.__wrapped__ = cli.clean_input
    monkeypatch.setattr(cli, "clean_input", die_on_poison)
    jobs = [cli.Job(str(tmp_path / n), n, None, {}, None, 30.0) for n in names]
    results = [json.loads(line) for line, _ in cli._pooled(jobs, 2)]
    assert [r["path"] for r in results] == names  # one line each, in input order
    assert [r.get("error") for r in results] == [None] * 5 + ["clean"] + [None] * 6
    assert "process died" in results[5]["reason"]


def test_closed_stdout_or_stderr(tmp_path):
    (tmp_path / "ok.html").write_bytes(ARTICLE.read_bytes())
    no_stdout = shell(f"{CLI} ok.html >&-", tmp_path)
    assert no_stdout.returncode == 141 and no_stdout.stderr.decode() == "python -m cleaners: stdout is closed\n"
    no_stderr = shell(f"{CLI} ok.html 2>&-", tmp_path)
    assert no_stderr.returncode == 0 and "error" not in json.loads(no_stderr.stdout)


def hang_on_poison(job):
    """Stands in for clean_input: hangs where no alarm reaches (signals blocked), on one input."""
    import signal
    import time as _time

    from cleaners import cli

    if "poison" in job.path:
        signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGALRM})
        _time.sleep(60)
    return cli.clean_input.__wrapped__(job)


def test_a_process_stuck_past_the_time_limit_costs_only_its_input(tmp_path, monkeypatch):
    from cleaners import cli

    names = [f"{i:02d}{'poison' if i == 2 else ''}.html" for i in range(6)]
    for name in names:
        (tmp_path / name).write_bytes(ARTICLE.read_bytes())
    hang_on_poison.__wrapped__ = cli.clean_input
    monkeypatch.setattr(cli, "clean_input", hang_on_poison)
    monkeypatch.setattr(cli, "_hard_timeout", lambda job: 5.0)
    jobs = [cli.Job(str(tmp_path / n), n, None, {}, None, 1.0) for n in names]
    started = time.monotonic()
    results = [json.loads(line) for line, _ in cli._pooled(jobs, 2)]
    assert time.monotonic() - started < 40
    assert [r["path"] for r in results] == names
    assert [r.get("error") for r in results] == [None, None, "timeout", None, None, None]
    assert "process killed" in results[2]["reason"]


@pytest.mark.parametrize("jobs", ["1", "2"])
def test_ctrl_c_ends_the_run_without_a_traceback(jobs):
    import signal

    sites = str(ROOT / "fixtures" / "sites")
    run = subprocess.Popen([sys.executable, "-m", "cleaners", *[sites] * 6, "--jobs", jobs], cwd=ROOT,
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE, start_new_session=True)
    time.sleep(4)
    os.killpg(run.pid, signal.SIGINT)  # as a terminal's Ctrl-C: the whole process group
    out, err = run.communicate(timeout=60)
    assert run.returncode == 130 and err.decode().strip() == "interrupted"
    assert all(json.loads(line) for line in out.decode("utf-8").splitlines())
