"""Golden records: fixtures/golden/<site>.jsonl, one record per article, sorted by URL.

Run the tests with UPDATE_GOLDEN=1 to (re)write them from the crawl; otherwise
records are compared field by field, with a readable diff. Fields that change
from run to run (times, the crawl id) are left out of the comparison.
"""

from __future__ import annotations

import difflib
import json
import os
from pathlib import Path

from tests.crawler.conftest import FIXTURES

GOLDEN_DIR = FIXTURES / "golden"
VOLATILE = ("fetched_at", "crawl_id")


def stable(record: dict) -> dict:
    return {k: v for k, v in record.items() if k not in VOLATILE}


def golden_path(site: str) -> Path:
    return GOLDEN_DIR / f"{site}.jsonl"


def write_golden(site: str, records: list[dict]) -> None:
    GOLDEN_DIR.mkdir(parents=True, exist_ok=True)
    lines = [json.dumps(stable(r), ensure_ascii=False, sort_keys=True) for r in sorted(records, key=lambda r: r["url"])]
    golden_path(site).write_text("\n".join(lines) + "\n", encoding="utf-8")


def read_golden(site: str) -> list[dict]:
    path = golden_path(site)
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def diff_records(expected: list[dict], actual: list[dict]) -> list[str]:
    """Readable differences: missing/extra URLs, then field by field."""
    problems: list[str] = []
    exp = {r["url"]: stable(r) for r in expected}
    act = {r["url"]: stable(r) for r in actual}
    for url in sorted(exp.keys() - act.keys()):
        problems.append(f"missing record: {url}")
    for url in sorted(act.keys() - exp.keys()):
        problems.append(f"unexpected record: {url}")
    linking = _articles_linking(actual)
    for url in sorted(exp.keys() & act.keys()):
        e, a = exp[url], act[url]
        for field in sorted(e.keys() | a.keys()):
            if field == "attachment_of" and {e.get(field), a.get(field)} <= linking.get(url, set()):
                continue  # a document several articles link is read once, for whichever comes first
            if e.get(field) != a.get(field):
                ev = json.dumps(e.get(field), ensure_ascii=False, indent=1, sort_keys=True)
                av = json.dumps(a.get(field), ensure_ascii=False, indent=1, sort_keys=True)
                diff = "\n".join(difflib.unified_diff(ev.splitlines(), av.splitlines(), "golden", "crawl", lineterm=""))
                problems.append(f"{url}: field {field!r} differs:\n{diff}")
    return problems


def check_golden(site: str, records: list[dict]) -> list[str]:
    if os.environ.get("UPDATE_GOLDEN") == "1" or not golden_path(site).exists():
        if os.environ.get("UPDATE_GOLDEN") != "1":
            return [f"no golden file {golden_path(site)}: run with UPDATE_GOLDEN=1 to write it"]
        write_golden(site, records)
        return []
    return diff_records(read_golden(site), records)


def _articles_linking(records: list[dict]) -> dict[str, set[str]]:
    """Attachment URL -> ids of the articles of `records` that list it."""
    out: dict[str, set[str]] = {}
    for record in records:
        for entry in record.get("attachments") or []:
            if entry.get("url"):
                out.setdefault(entry["url"], set()).add(record.get("id"))
    return out
