"""`python -m crawler.run_all`: which sites, in which order, with which spider."""

from __future__ import annotations

from crawler.registry import Registry
from crawler.run_all import main, phases, select_sites


def test_groups_and_order_of_the_shipped_registry():
    reg = Registry.load()
    every = select_sites(reg, None, [])
    assert {s.name for s in every} == set(reg.sites)
    first, second = phases(every)
    assert all(s.site_type != "mirror" for s in first) and all(s.site_type == "mirror" for s in second)
    assert {s.name for s in select_sites(reg, "mirrors", [])} == {"mirror_en", "mirror_spam"}
    assert [s.name for s in select_sites(reg, "provincial_portal", [])] == ["sdjky"]
    assert [s.name for s in select_sites(reg, None, ["chce"])] == ["chce"]


def test_list_prints_the_plan_and_bad_names_exit_2(capsys):
    assert main(["--list", "--group", "official"]) == 0
    out = capsys.readouterr().out.splitlines()
    assert [line.split()[2:4] for line in out] == [
        ["sdjky", "provincial_portal"], ["chce", "quality_education"], ["gxxk_party", "university_party"]]
    assert main(["--site", "no_such_site"]) == 2
    assert main(["--group", "no_such_group"]) == 2
