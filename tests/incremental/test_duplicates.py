"""Duplicates and mirrors across sites, crawled the way a scheduled job does:
`python -m crawler.run_all` over a registry of three sites on 127.0.0.1."""

from __future__ import annotations

import sys
from pathlib import Path

from cleaners.fingerprint import hamming_distance
from tests.incremental.site import FAST, LocalSite, article_text, read_jsonl, run

NEAR_SEED = 1  # article_text(1) with one word changed: simhash within 3 bits


def near_copy(paragraphs: list[str]) -> list[str]:
    out = list(paragraphs)
    out[2] = out[2].replace(out[2][10:12], "督导", 1)
    return out


def registry(tmp_path: Path, official_a: LocalSite, official_b: LocalSite, mirror: LocalSite) -> Path:
    def entry(name: str, site_type: str, s: LocalSite, extra: str = "") -> str:
        return (f'[sites.{name}]\nsite_type = "{site_type}"\nstart_urls = ["{s.url(s.LIST_PATH)}"]\n'
                f'allowed_domains = ["127.0.0.1"]\n{extra}\n')
    text = (entry("official_a", "provincial_portal", official_a)
            + entry("official_b", "provincial_portal", official_b)
            + entry("copycat", "mirror", mirror,
                    "article_url_patterns = ['/news/\\d{6}/t\\d{8}_\\d+\\.html$']\n"
                    "list_url_patterns = ['/news/index\\.html$']"))
    path = tmp_path / "sites.toml"
    path.write_text(text, encoding="utf-8")
    return path


def run_all(tmp_path: Path, reg: Path, *extra: str, out: str = "output") -> tuple[list[dict], str]:
    cmd = [sys.executable, "-m", "crawler.run_all", "-s", f"SITES_REGISTRY={reg}",
           "-s", f"STATE_URI=sqlite:///{tmp_path / (out + '.db')}",
           "-s", f"CRAWLER_OUTPUT={tmp_path / out}/%(name)s/%(time)s-%(site_arg)s.jsonl", *extra]
    for k, v in FAST.items():
        cmd += ["-s", f"{k}={v}"]
    proc = run(cmd, timeout=180)
    assert proc.returncode == 0, proc.stderr[-3000:]
    feeds = [p for p in (tmp_path / out).rglob("*.jsonl") if not p.name.endswith(".errors.jsonl")]
    return [r for p in feeds for r in read_jsonl(p)], proc.stderr


def test_same_article_on_two_sites_and_a_mirror(tmp_path):
    shared, near = article_text(7), article_text(NEAR_SEED)
    a, b, m = LocalSite(), LocalSite(), LocalSite()
    a.set_article(4001, "关于做好春季学期工作的通知", shared)
    a.set_article(4002, "关于加强课后服务的意见", near)
    a.set_article(4003, "本站独有的新闻", article_text(40))
    b.set_article(5001, "关于做好春季学期工作的通知", shared)  # the same article, another site
    b.set_article(5002, "关于加强课后服务的意见", near_copy(near))  # one word differs
    m.set_article(6001, "关于做好春季学期工作的通知-开云网页版登录入口", shared)  # a spam mirror's copy
    for s in (a, b, m):
        s.publish()
    with a, b, m:
        reg = registry(tmp_path, a, b, m)
        records, log = run_all(tmp_path, reg)
        urls = {name: s.url(s.article_path(n)) for name, s, n in (
            ("a1", a, 4001), ("a2", a, 4002), ("a3", a, 4003), ("b1", b, 5001), ("b2", b, 5002), ("m1", m, 6001))}
        dropped, _ = run_all(tmp_path, reg, "-s", "DEDUP_DROP_DUPLICATES=1", out="dropped")
    by = {name: next(r for r in records if r["url"] == url) for name, url in urls.items()}
    assert len(records) == 6, "a duplicate was dropped silently"

    # Exact: whichever official site came first is the original, the other points to it.
    first, second = sorted([by["a1"], by["b1"]], key=lambda r: r["dup_of"] is not None)
    assert first["dup_of"] is None and second["dup_of"] == first["id"]
    assert second["mirror_of"] is None  # an official copy is not a mirror copy
    # Near: one word differs (the fixture is a near duplicate by construction).
    assert by["a2"]["content_sha256"] != by["b2"]["content_sha256"]
    assert hamming_distance(by["a2"]["simhash"], by["b2"]["simhash"]) <= 3
    pair = sorted([by["a2"], by["b2"]], key=lambda r: r["dup_of"] is not None)
    assert pair[0]["dup_of"] is None and pair[1]["dup_of"] == pair[0]["id"]
    # The mirror is crawled after the official sites: its copy points to the first.
    assert by["m1"]["site_type"] == "mirror"
    assert by["m1"]["mirror_of"] == first["id"] and by["m1"]["dup_of"] == first["id"]
    assert "spam" in by["m1"]
    assert by["a3"]["dup_of"] is None and by["a3"]["mirror_of"] is None

    # With DEDUP_DROP_DUPLICATES the marked ones are left out of the feed, the rest stay.
    # (A fresh store: which official site comes first may differ from the run above.)
    kept = {r["url"] for r in dropped}
    assert len(dropped) == 3 and all(r["dup_of"] is None for r in dropped)
    assert urls["a3"] in kept and urls["m1"] not in kept
    assert len(kept & {urls["a1"], urls["b1"]}) == 1 and len(kept & {urls["a2"], urls["b2"]}) == 1
