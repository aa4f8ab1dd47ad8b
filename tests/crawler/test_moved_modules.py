"""Modules that moved when crawler/ was grouped by stage: the new paths import,
the old ones fail with the new path, and the docs' table says the same."""

import importlib
import json
import re

import pytest

from crawler.moved_modules import MOVED_MODULES, moves_for
from tests.crawler.conftest import FIXTURES, ROOT, run_crawl


@pytest.mark.parametrize("old,new", sorted(MOVED_MODULES.items()))
def test_an_old_path_fails_with_its_new_one(old, new):
    assert importlib.import_module(new).__file__.startswith(str(ROOT / "crawler"))
    with pytest.raises(ModuleNotFoundError) as failed:
        importlib.import_module(old)
    assert f"{old} is now {new}" in str(failed.value)


def test_a_gone_package_names_where_each_of_its_modules_went():
    assert moves_for("crawler.pipelines") == [
        ("crawler.pipelines.attachments", "crawler.clean.attachments"),
        ("crawler.pipelines.clean", "crawler.clean.pipeline"),
        ("crawler.pipelines.date_window", "crawler.emit.date_window"),
        ("crawler.pipelines.dedup", "crawler.emit.dedup"),
        ("crawler.pipelines.errors", "crawler.emit.errors"),
        ("crawler.pipelines.validate", "crawler.emit.validate"),
    ]
    assert moves_for("crawler.state.feed") == [("crawler.state.feed", "crawler.emit.state.feed")]
    assert moves_for("crawler.settings") == [] and moves_for("crawler.stat") == []


def test_settings_naming_an_old_pipeline_stop_the_crawl_with_the_new_path(tmp_path):
    """A user's own settings, as `scrapy crawl` meets them."""
    result = run_crawl("provincial_portal", tmp_path, args={"site": "sdjky"}, settings={
        "REPLAY_DIR": str(FIXTURES),
        "ITEM_PIPELINES": json.dumps({"crawler.pipelines.dedup.DedupPipeline": 350}),
    })
    assert result.returncode != 0 and not result.records
    assert "crawler.pipelines.dedup is now crawler.emit.dedup" in result.log
    assert "Moved modules" in result.log


def test_the_docs_table_is_the_code_table():
    text = (ROOT / "docs" / "ARCHITECTURE.md").read_text(encoding="utf-8")
    section = text.split("## Moved modules", 1)[1]
    rows = dict(re.findall(r"^\| `(crawler\.[\w.]+)` \| `(crawler\.[\w.]+)` \|$", section, re.M))
    assert rows == MOVED_MODULES


def test_an_old_package_left_as_a_bare_directory_still_says_where_its_modules_went(tmp_path):
    """After a pull, an old package directory may survive holding only `__pycache__`;
    found on the path, it would import as an empty namespace package. A real
    module under an old name is left to the path's finder."""
    from crawler.moved_modules import MovedModuleFinder

    (tmp_path / "pipelines" / "__pycache__").mkdir(parents=True)
    (tmp_path / "pipelines" / "__pycache__" / "dedup.cpython-311.pyc").write_bytes(b"")
    with pytest.raises(ModuleNotFoundError) as failed:
        MovedModuleFinder().find_spec("crawler.pipelines", [str(tmp_path)])
    assert "crawler.pipelines.dedup is now crawler.emit.dedup" in str(failed.value)
    (tmp_path / "pipelines" / "__init__.py").write_text("")
    assert MovedModuleFinder().find_spec("crawler.pipelines", [str(tmp_path)]) is None
    assert MovedModuleFinder().find_spec("crawler.settings", [str(tmp_path)]) is None
