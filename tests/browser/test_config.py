"""The browser's configuration, request filter and shell detection, without a browser."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pytest
from scrapy.settings import Settings

from crawler import settings as project_settings
from crawler.fetch.browser.handler import CHROMIUM_ARGS, HANDLER, BrowserConfig, RequestFilter, install, should_abort
from crawler.fetch.browser.render import shell_reason
from crawler.fetch.security import AddressPolicy

FIXTURE_PAGES = sorted((Path(__file__).resolve().parents[2] / "fixtures" / "sites").glob("*/pages/*.htm*"))


def project(**overrides) -> Settings:
    settings = Settings()
    settings.setmodule(project_settings, priority="project")
    for key, value in overrides.items():
        settings.set(key, value, priority="cmdline")
    return settings


@dataclass
class BrowserRequest:  # the two attributes of a Playwright request the filter reads
    url: str
    resource_type: str = "document"


def test_defaults_are_the_system_chromium_with_a_timeout():
    config = BrowserConfig.from_settings(project(), environ={})
    assert config.enabled and config.auto_detect
    assert config.executable == "/usr/bin/chromium"
    assert config.blocked_resource_types == {"image", "font", "media"}
    pw = config.playwright_settings()
    assert pw["DOWNLOAD_HANDLERS"] == {"http": HANDLER, "https": HANDLER}
    assert pw["PLAYWRIGHT_LAUNCH_OPTIONS"] == {"executable_path": "/usr/bin/chromium", "headless": True,
                                               "args": list(CHROMIUM_ARGS)}
    assert "--disable-background-networking" in CHROMIUM_ARGS and "--no-sandbox" in CHROMIUM_ARGS
    assert pw["PLAYWRIGHT_DEFAULT_NAVIGATION_TIMEOUT"] == 30_000
    assert pw["PLAYWRIGHT_ABORT_REQUEST"] == "crawler.fetch.browser.handler.should_abort"


def test_environment_overrides_the_executable_and_settings_are_typed():
    settings = project(BROWSER_EXECUTABLE="/opt/chromium/chrome", BROWSER_PAGE_TIMEOUT="2.5",
                       BROWSER_BLOCKED_RESOURCE_TYPES="image,stylesheet", BROWSER_AUTO_DETECT="0")
    config = BrowserConfig.from_settings(settings, environ={"CHROMIUM_PATH": "/usr/lib/chromium/chromium"})
    assert config.executable == "/usr/lib/chromium/chromium"
    assert config.page_timeout == 2.5 and config.playwright_settings()["PLAYWRIGHT_DEFAULT_NAVIGATION_TIMEOUT"] == 2500
    assert config.blocked_resource_types == {"image", "stylesheet"} and not config.auto_detect
    assert BrowserConfig.from_settings(settings, environ={}).executable == "/opt/chromium/chrome"
    with pytest.raises(ValueError, match="BROWSER_PAGE_TIMEOUT"):
        BrowserConfig.from_settings(project(BROWSER_PAGE_TIMEOUT="0"), environ={})


def test_missing_executable_or_disabled_browser_leaves_the_plain_handler(tmp_path, monkeypatch):
    monkeypatch.delenv("CHROMIUM_PATH", raising=False)
    missing = project(BROWSER_EXECUTABLE=str(tmp_path / "no-chromium"))
    assert not install(missing).available
    assert missing.getdict("DOWNLOAD_HANDLERS") == {}
    off = project(BROWSER_ENABLED="false")
    assert not install(off).available and off.getdict("DOWNLOAD_HANDLERS") == {}
    exe = tmp_path / "chromium"
    exe.write_text("#!/bin/sh\n")
    exe.chmod(0o755)
    on = project(BROWSER_EXECUTABLE=str(exe))
    assert install(on).available
    assert on.getdict("DOWNLOAD_HANDLERS") == {"http": HANDLER, "https": HANDLER}
    assert on.getdict("PLAYWRIGHT_LAUNCH_OPTIONS")["executable_path"] == str(exe)


@pytest.mark.parametrize(("url", "resource_type", "aborted"), [
    ("http://www.sdjky.cn/gzdt/index.html", "document", False),
    ("https://www.sdjky.cn/js/app.js", "script", False),
    ("https://www.sdjky.cn/api/list.json", "fetch", False),
    ("https://www.sdjky.cn/logo.png", "image", True),
    ("https://www.sdjky.cn/font.woff2", "font", True),
    ("https://www.sdjky.cn/video.mp4", "media", True),
    ("file:///etc/passwd", "document", True),
    ("ftp://www.sdjky.cn/a.doc", "other", True),
    ("chrome://settings/", "document", True),
])
def test_static_abort_rules(url, resource_type, aborted):
    assert should_abort(BrowserRequest(url, resource_type)) is aborted


def test_request_filter_applies_the_address_policy():
    resolve = {"www.sdjky.cn": ["61.135.169.125"], "intranet.example": ["10.1.2.3"], "localhost": ["127.0.0.1"]}
    policy = AddressPolicy.from_lists(["127.0.0.1"], ["192.168.5.0/24"], lambda host: resolve.get(host, []))
    config = BrowserConfig.from_settings(project(), environ={})
    refuse = RequestFilter(config, policy)
    assert not refuse(BrowserRequest("http://www.sdjky.cn/js/a.js", "script"))
    assert not refuse(BrowserRequest("http://127.0.0.1:8080/data.json", "fetch"))  # allowed host
    assert not refuse(BrowserRequest("http://192.168.5.9/x.js", "script"))  # allowed network
    assert refuse(BrowserRequest("http://localhost:8080/evil.js", "script"))  # resolves to loopback
    assert refuse(BrowserRequest("http://intranet.example/admin", "xhr"))
    assert refuse(BrowserRequest("http://169.254.169.254/latest/meta-data/", "fetch"))
    assert refuse(BrowserRequest("http://[::1]/x", "document"))
    # With the guard switched off there is no policy: only the static rules apply.
    assert not RequestFilter(config, None)(BrowserRequest("http://10.0.0.1/x.js", "script"))


SHELLS = {
    "app div and bundle": b'<!DOCTYPE html><html><head><title>x</title></head><body><div id="app"></div>'
                          b'<script src="/static/js/app.3f2a.js"></script></body></html>',
    "inline builder": ("<html><body><div id='c'></div><script>" + "var a=1;" * 40
                       + "</script></body></html>").encode(),
    "noscript gbk": "<html><head><meta charset='gbk'></head><body><noscript>您的浏览器未启用JavaScript，"
                    "请开启后浏览本站</noscript><div id='root'></div></body></html>".encode("gbk"),
    "aliyun challenge": b"<html><script>var arg1='3E40CCD6';...document.cookie='acw_sc__v2='+x;"
                        b"location.reload();</script></html>",
    "jiasule challenge": b"<script>document.cookie=('_')+('_jsl_clearance')+...;"
                         b"var __jsl_clearance=1;</script>",
}


@pytest.mark.parametrize("name", sorted(SHELLS))
def test_script_shells_are_recognised(name):
    assert shell_reason(SHELLS[name]) is not None


def test_a_challenge_is_recognised_behind_an_error_status():
    assert shell_reason(SHELLS["aliyun challenge"], status=412) == "Aliyun WAF challenge"
    assert shell_reason(SHELLS["app div and bundle"], status=404) is None


@pytest.mark.parametrize("page", FIXTURE_PAGES, ids=lambda p: f"{p.parent.parent.name}/{p.name}")
def test_no_saved_page_is_taken_for_a_shell(page):
    """Every real page of the fixtures (articles and lists) stays on plain HTTP."""
    assert shell_reason(page.read_bytes()) is None


def test_short_static_pages_are_not_shells():
    assert shell_reason("<html><body><h1>通知</h1><p>本周五停电。</p></body></html>".encode()) is None
    assert shell_reason(b"") is None
    assert shell_reason("<html><body><ul><li><a href='/a.htm'>一</a></li></ul>"
                        "<script>var x=1;</script></body></html>".encode()) is None


def _bench_pages() -> list[Path]:
    """Real pages nobody here wrote (../shared/bench): Chinese, English news and modern English."""
    from benchmarks.scoring import bench_dir

    root = bench_dir()
    return sorted(p for lang in ("zh", "en", "en_modern") for p in (root / lang / "html").glob("*.htm*"))


def _visible_by_stripping(root) -> int:
    """The visible text as the shell test counted it when it parsed the page
    itself: invisible elements stripped (here from a copy), spaces removed."""
    import copy
    import re

    from lxml import etree

    root = copy.deepcopy(root)
    etree.strip_elements(root, "script", "style", "noscript", "template", with_tail=False)
    return len(re.sub(r"\s+", "", root.text_content()))


def test_the_shell_test_on_the_spiders_tree_gives_the_verdict_of_its_own_parse():
    """The render middleware hands the shell test the tree Scrapy parsed for the
    spider (not parsed twice, never changed): same verdict as a parse of its own,
    and the same count of visible text, on every saved page, the shells above and
    the real pages of the bench."""
    from scrapy.http import HtmlResponse

    from crawler.fetch.browser.render import _visible_chars, parsed

    pages = [p.read_bytes() for p in FIXTURE_PAGES + _bench_pages()] + list(SHELLS.values())
    assert len(pages) > 500
    shells = 0
    for body in pages:
        response = HtmlResponse("http://127.0.0.1/page.html", body=body)
        tree = parsed(response)
        if tree is None:
            continue
        verdict = shell_reason(body)
        assert shell_reason(response.text, tree=tree) == verdict, body[:300]
        shells += verdict is not None
        root = tree.find("body")
        root = tree if root is None else root
        assert _visible_chars(root) == _visible_by_stripping(root), body[:300]
        assert parsed(response) is tree  # the spider's tree, unchanged and still cached
    assert shells >= len(SHELLS)
