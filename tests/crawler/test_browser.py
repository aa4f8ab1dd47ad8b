"""Sites marked needs_browser are rendered with the system Chromium (scrapy-playwright)."""

from __future__ import annotations

import shutil

import pytest

from tests.crawler.conftest import FIXTURES
from tests.crawler.fixture_server import FixtureServer
from tests.crawler.sites import article_html

pytestmark = [pytest.mark.browser, pytest.mark.slow,
              pytest.mark.skipif(not shutil.which("chromium"), reason="no system chromium")]

LIST = """<!DOCTYPE html><html><head><meta charset="utf-8"><title>通知公告</title></head>
<body><ul id="list"></ul><script>
var items = [["202403/t20240312_2001.html", "脚本生成的文章"]];
for (var i = 0; i < items.length; i++) {
  var li = document.createElement("li"); var a = document.createElement("a");
  a.href = items[i][0]; a.textContent = items[i][1]; li.appendChild(a);
  document.getElementById("list").appendChild(li);
}
</script></body></html>"""


def test_needs_browser_site_is_rendered(crawl, tmp_path):
    with FixtureServer(direct_base="http://js-site.test", rewrite=True) as server:
        server.add("http://js-site.test/tzgg/index.html", LIST)
        server.add("http://js-site.test/tzgg/202403/t20240312_2001.html", article_html(
            "脚本生成的文章", "2024-03-12", extra='<p>附件：<a href="/files/plan.pdf">工作计划.pdf</a></p>'))
        server.add("http://js-site.test/files/plan.pdf", (FIXTURES / "sites" / "notices" / "files" / "plan.pdf").read_bytes(),
                   headers={"Content-Type": "application/pdf"})
        registry = tmp_path / "sites.toml"
        registry.write_text(f"""[sites.js_site]
site_type = "provincial_portal"
start_urls = ["{server.base}/tzgg/index.html"]
needs_browser = true
""", encoding="utf-8")
        plain = crawl("provincial_portal", args={"site": "js_site"},
                      settings={"SITES_REGISTRY": str(registry), "BROWSER_ENABLED": "0"})
        rendered = crawl("provincial_portal", args={"site": "js_site"},
                         settings={"SITES_REGISTRY": str(registry), "BROWSER_ENABLED": "1",
                                   "ATTACHMENTS_ENABLED": "1"})
    # Without the browser the list has no links: a counted error, and a warning.
    assert plain.records == [] and [e["error"] for e in plain.errors] == ["discover"]
    assert "needs a browser but BROWSER_ENABLED is off" in plain.log
    assert rendered.returncode == 0, rendered.log[-3000:]
    [record] = [r for r in rendered.records if r.get("kind") != "attachment"]
    assert record["title"] == "脚本生成的文章" and record["rendered"] is True
    # The article's document is downloaded as it is, not opened in the browser.
    [document] = [r for r in rendered.records if r.get("kind") == "attachment"]
    assert document["format"] == "pdf" and document["attachment_of"] == record["id"] and document["text"]
    assert record["attachments"][0]["status"] == "ok" and not rendered.errors
