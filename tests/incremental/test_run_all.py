"""`python -m crawler.run_all`: which sites, in which order, with which spider."""

from __future__ import annotations

from crawler.discover.registry import Registry
from crawler.run_all import main, phases, select_sites


def test_groups_and_order_of_the_shipped_registry():
    reg = Registry.load()
    every = select_sites(reg, None, [])
    assert {s.name for s in every} == set(reg.sites)
    first, second = phases(every)
    assert all(s.site_type != "mirror" for s in first) and all(s.site_type == "mirror" for s in second)
    assert {s.name for s in select_sites(reg, "mirrors", [])} == {"mirror_en", "mirror_spam"}
    assert [s.name for s in select_sites(reg, "provincial_portal", [])] == ["sdjky", "hanweb_jyt", "column_docs"]
    assert [s.name for s in select_sites(reg, None, ["chce"])] == ["chce"]


def test_list_prints_the_plan_and_bad_names_exit_2(capsys):
    assert main(["--list", "--group", "official"]) == 0
    out = capsys.readouterr().out.splitlines()
    assert [line.split()[2:4] for line in out] == [
        ["sdjky", "provincial_portal"], ["chce", "quality_education"], ["gxxk_party", "university_party"],
        ["hanweb_jyt", "provincial_portal"], ["notices", "university_party"], ["column_docs", "provincial_portal"]]
    assert main(["--site", "no_such_site"]) == 2
    assert main(["--group", "no_such_group"]) == 2


def test_offline_replay_of_every_saved_site_leaves_jsonl_per_spider(tmp_path):
    """What `bash scripts/demo.sh` runs: every fixture site, offline, in one process."""
    import sys

    from tests.crawler.conftest import FIXTURES
    from tests.incremental.site import FAST, read_jsonl, run

    out = tmp_path / "output"
    cmd = [sys.executable, "-m", "crawler.run_all", "-s", f"REPLAY_DIR={FIXTURES}",
           "-s", f"CRAWLER_OUTPUT={out}/%(name)s/%(time)s-%(site_arg)s.jsonl"]
    for k, v in FAST.items():
        cmd += ["-s", f"{k}={v}"]
    proc = run(cmd, timeout=180)
    assert proc.returncode == 0, proc.stderr[-3000:]
    counts, records = {}, []
    for feed in out.glob("*/*.jsonl"):
        if not feed.name.endswith(".errors.jsonl"):
            records += read_jsonl(feed)
            counts[(feed.parent.name, feed.name.rsplit("-", 1)[1][:-6])] = len(read_jsonl(feed))
    assert counts == {("provincial_portal", "sdjky"): 5, ("quality_education", "chce"): 5,
                      ("university_party", "gxxk_party"): 5, ("mirror", "mirror_en"): 4,
                      ("mirror", "mirror_spam"): 4, ("provincial_portal", "hanweb_jyt"): 10,
                      ("university_party", "notices"): 9, ("provincial_portal", "column_docs"): 5}
    # articles + attachment records (hanweb 8 + 2, notices 2 + 7) + lists' documents (column_docs 1 + 4)
    # A replay is a demo, not a scheduled job: no state store, so every run emits everything.
    assert all("version" not in r for r in records)
