"""A bug in the cleaner is not a bad page (#14): its own error stage `bug`, the
traceback logged once by the crawler's process, and the crawl goes on."""

from __future__ import annotations

import asyncio
import logging

from scrapy.utils.test import get_crawler

from crawler.items import ArticleRecord, ErrorRecord, PageItem, PagePart
from crawler.clean.pipeline import CleanPipeline, clean_item

PAGE = ("<html><head><title>教育部通知</title></head><body><div id='zoom'><p>"
        + "教育部办公厅关于做好2024年义务教育招生入学工作的通知，要求各地严格落实免试就近入学。" * 3
        + "</p></div></body></html>").encode("utf-8")


def item(url: str = "http://www.moe.gov.cn/a/t20240412_1.html") -> PageItem:
    part = PagePart(url=url, final_url=url, status=200, headers={"Content-Type": "text/html; charset=utf-8"},
                    body=PAGE)
    return PageItem(page=part, site="moe", site_name=None, site_type="provincial_portal",
                    spider="provincial_portal", crawl_id="c")


def break_metadata(monkeypatch):
    from cleaners import page_cleaning

    def broken_metadata_step(*args, **kwargs):
        raise KeyError("a key the step forgot")

    monkeypatch.setattr(page_cleaning, "extract_metadata", broken_metadata_step)


def test_clean_item_reports_a_bug_with_its_traceback(monkeypatch):
    assert "__error__" not in clean_item(item())
    break_metadata(monkeypatch)
    out = clean_item(item())
    assert out["__error__"][0] == "bug" and "KeyError" in out["__error__"][1]
    assert "broken_metadata_step" in out["__traceback__"]


def test_pipeline_logs_the_bug_once_and_goes_on(monkeypatch, caplog):
    crawler = get_crawler(settings_dict={"CLEAN_WORKERS": 0})
    crawler.stats.open_spider()
    pipe = CleanPipeline.from_crawler(crawler)
    pipe.open_spider()
    break_metadata(monkeypatch)
    with caplog.at_level(logging.ERROR, logger="crawler.clean.pipeline"):
        out = asyncio.run(pipe.process_item(item()))
    assert isinstance(out, ErrorRecord) and out["error"] == "bug" and "__traceback__" not in out
    assert crawler.stats.get_value("errors/bug") == 1
    logged = [r for r in caplog.records if "broken_metadata_step" in r.getMessage()]
    assert len(logged) == 1 and "cleaner bug" in logged[0].getMessage()
    monkeypatch.undo()
    assert isinstance(asyncio.run(pipe.process_item(item())), ArticleRecord)
    pipe.close_spider()
