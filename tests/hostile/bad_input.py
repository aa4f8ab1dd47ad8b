"""Bad input by class (#10), for tests/hostile/test_bad_input.py and the figures of
scripts/hostile_report.py: encodings (every byte-order mark, UTF-16/32 without
one, declared legacy charsets with broken bytes), page size, and what
`python -m cleaners` meets on disk (odd names, links, loops, FIFOs, closed
stdin, a closed stdout)."""

from __future__ import annotations

import codecs
import json
import os
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

ZH = ("教育部办公厅关于建立健全义务教育控辍保学工作机制的通知。为深入贯彻党的十九届五中全会精神，"
      "巩固义务教育普及成果，现就有关事项通知如下。")
TEXTS = {  # declared label -> (codec the bytes are in, text, codec the cleaner should use)
    "gb2312": ("gbk", ZH, "gb18030"),
    "gbk": ("gbk", "朱镕基同志、王堃、李喆在國務院会议上发言。" + ZH, "gb18030"),
    "gb18030": ("gb18030", ZH, "gb18030"),
    "big5": ("big5", "各校應加強學生輔導工作，落實控輟保學機制，確保學童完成義務教育。教育局公佈學校教育工作重點。", "big5hkscs"),
    "shift_jis": ("cp932", "文部科学省は、令和三年度の学校教育に関する通知を発表しました。学校の安全を確保する。", "cp932"),
    "euc-jp": ("euc_jp", "文部科学省は、令和三年度の学校教育に関する通知を発表しました。学校の安全を確保する。", "euc_jp"),
    "euc-kr": ("cp949", "교육부는 2021년 학교 교육 계획을 발표했습니다. 학생들의 안전을 위하여 노력합니다.", "cp949"),
}


def _page(text: str, head: str = "") -> str:
    return (f"<!DOCTYPE html><html><head>{head}<title>通知</title></head><body>"
            f"<div class='article'><h1>通知</h1><p>{text}</p><p>{text}</p></div></body></html>")


def _meta(label: str) -> str:
    return f'<meta http-equiv="Content-Type" content="text/html; charset={label}">'


def encoding_cases() -> list[tuple[str, bytes, dict, str]]:
    """(name, body, headers, codec expected) for each class of encoding attack."""
    cases = []
    boms = {"utf-8": codecs.BOM_UTF8, "utf-16-le": codecs.BOM_UTF16_LE, "utf-16-be": codecs.BOM_UTF16_BE,
            "utf-32-le": codecs.BOM_UTF32_LE, "utf-32-be": codecs.BOM_UTF32_BE}
    for codec, bom in boms.items():
        cases.append((f"bom {codec}", bom + _page(ZH).encode(codec), {}, codec))
    for codec in ("utf-16-le", "utf-16-be", "utf-32-le", "utf-32-be"):
        label = codec.replace("-le", "le").replace("-be", "be")
        cases.append((f"no bom, meta {label}", _page(ZH, _meta(label)).encode(codec), {}, codec))
        cases.append((f"no bom, header {label}", _page(ZH).encode(codec),
                      {"Content-Type": f"text/html; charset={label}"}, codec))
        cases.append((f"no bom, undeclared {codec}", _page(ZH).encode(codec), {}, codec))
    # broken sequences: a lead byte cut off by ASCII, bytes no charset of the family uses
    damage = (b"\x81 ", b"\xff", b"\x80", b"\xfe\n")
    for label, (codec, text, used) in TEXTS.items():
        for broken in (1, 3, 5):
            for repeat in (1, 6):
                body = _page("@@", _meta(label)).encode(codec)
                chunks = [(text * repeat)[i:i + 7].encode(codec) for i in range(0, len(text) * repeat, 7)]
                damaged = chunks[0]
                for i, chunk in enumerate(chunks[1:]):
                    damaged += (damage[i % len(damage)] if i < broken else b"") + chunk
                cases.append((f"{label} x{repeat}, {broken} broken", body.replace(b"@@", damaged), {}, used))
    return cases


def run_encodings() -> dict:
    from cleaners import CleanError, clean_page

    out = {"cases": 0, "records": 0, "right_codec": 0, "replacements_counted": 0, "broken_cases": 0, "wrong": []}
    for name, body, headers, expected in encoding_cases():
        out["cases"] += 1
        try:
            record = clean_page(body, "http://www.moe.gov.cn/a/t20210108_1.html", headers)
        except CleanError as exc:
            out["wrong"].append(f"{name}: {exc.stage}: {exc.reason}")
            continue
        out["records"] += 1
        if record.encoding.used == expected:
            out["right_codec"] += 1
        else:
            out["wrong"].append(f"{name}: used {record.encoding.used}")
        if "broken" in name:
            out["broken_cases"] += 1
            out["replacements_counted"] += record.encoding.replacement_chars > 0
    return out


SIZE_PROBE = r"""
import json, resource, sys, time
from cleaners import CleanError, clean_page
body = open(sys.argv[1], "rb").read()
t = time.monotonic()
try:
    cleaning = clean_page(body, "http://www.moe.gov.cn/a/t20240412_1.html").cleaning
    outcome = "record"
except CleanError as exc:
    cleaning, outcome = {}, exc.stage
# VmHWM is this program's own peak; ru_maxrss would carry the parent's over the fork
hwm = [int(line.split()[1]) for line in open("/proc/self/status") if line.startswith("VmHWM:")]
peak_kb = hwm[0] if hwm else resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
print(json.dumps({"outcome": outcome, "seconds": round(time.monotonic() - t, 1), "cleaning": cleaning,
                  "peak_mb": peak_kb // 1024}))
"""


def size_pages(tmp: Path) -> dict[str, Path]:
    para = "<p>" + "教育部召开全国教育工作会议，部署今年的重点工作。" * 40 + "</p>\n"
    pages = {
        "50 MB page": b"<html><head><title>t</title></head><body><div id='zoom'>"
                      + para.encode() * (50_000_000 // len(para.encode())) + b"</div></body></html>",
        "one million <p>": b"<html><body><div>" + "<p>教育部召开会议</p>".encode() * 1_000_000
                           + b"</div></body></html>",
    }
    paths = {}
    for name, body in pages.items():
        paths[name] = tmp / (name.replace(" ", "_").replace("<", "").replace(">", "") + ".html")
        paths[name].write_bytes(body)
    return paths


def run_sizes(tmp: Path) -> dict:
    """Wall time and peak memory of cleaning each oversized page, each in a fresh process."""
    tmp.mkdir(parents=True, exist_ok=True)
    out = {}
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    for name, path in size_pages(tmp).items():
        done = subprocess.run([sys.executable, "-c", SIZE_PROBE, str(path)], env=env, capture_output=True,
                              timeout=600)
        out[name] = json.loads(done.stdout) if done.returncode == 0 else {"outcome": "crash",
                                                                         "stderr": done.stderr.decode()[-300:]}
        path.unlink()
    return out


def run_cli_inputs(tmp: Path) -> dict:
    """The inputs users' disks hold, through the command a user types: inputs vs lines,
    tracebacks, valid UTF-8, and `| head -1`."""
    tmp.mkdir(parents=True, exist_ok=True)
    article = next((ROOT / "fixtures" / "sites" / "chce" / "pages").glob("Article_ShowArticle*")).read_bytes()
    d = tmp / "saved"
    d.mkdir()
    (d / "ok.html").write_bytes(article)
    (d / os.fsdecode(b"caf\xe9.html")).write_bytes(article)
    (d / "dangling.html").symlink_to("nowhere.html")
    (d / "loop_a").symlink_to("loop_b")
    (d / "loop_b").symlink_to("loop_a")
    (d / "sub").mkdir()
    (d / "sub" / "up").symlink_to("..")
    os.mkfifo(d / "fifo.html")
    (tmp / "self.html").symlink_to("self.html")
    expected_lines = 7 + 2  # the directory's seven, the looping path and the closed stdin
    env = {**os.environ, "PYTHONPATH": str(ROOT), "PYTHONIOENCODING": "utf-8"}
    cli = f"{sys.executable} -m cleaners"
    done = subprocess.run(["bash", "-c", f"{cli} saved self.html - <&-"], cwd=tmp, env=env,
                          capture_output=True, timeout=300)
    try:
        lines = done.stdout.decode("utf-8").splitlines()
        valid = all(json.loads(line) for line in lines)
    except ValueError:
        lines, valid = done.stdout.splitlines(), False
    piped = subprocess.run(["bash", "-c", f"set -o pipefail; {cli} saved saved saved | head -1 >/dev/null"],
                           cwd=tmp, env=env, capture_output=True, timeout=300)
    return {"inputs": expected_lines, "lines": len(lines), "valid_utf8_json": valid,
            "tracebacks": (done.stderr + piped.stderr).count(b"Traceback"),
            "closing_line": done.stderr.decode("utf-8", "replace").strip().splitlines()[-1:],
            "head_exit": piped.returncode, "head_stderr": piped.stderr.decode("utf-8", "replace")}


def timed(fn, *args) -> tuple[dict, float]:
    t = time.monotonic()
    result = fn(*args)
    return result, time.monotonic() - t
