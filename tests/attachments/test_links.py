"""Which links of an article are attachments: extension, link text, CMS download endpoints."""

import pytest

from cleaners import clean_page
from cleaners.documents.links import is_attachment_link


@pytest.mark.parametrize("href,text", [
    ("/__local/5/AB/12/plan.pdf", "实施方案"),
    ("/uploads/%E9%99%84%E4%BB%B6.docx", ""),
    ("/system/_content/download.jsp?urltype=news.DownloadAttachUrl&owner=1556329101&wbfileid=4521", "下载"),
    ("/downfile.jsp?classid=0&filename=2503011", "关于加强教学管理的若干规定"),
    ("/common/download.aspx?id=88", "报名表"),
    ("/module/download/down.jsp?i_ID=12&colID=3", "汇总"),
    ("/zwgk/P020250301123456789", "签到表"),
    ("/getfile?id=1", "回执表.docx"),  # the name only in the link text
    ("/info/1021/3333.htm", "附件1：实施方案"),
    ("/x?id=2", "实施方案.PDF（235KB）"),
])
def test_attachment_links(href, text):
    assert is_attachment_link(href, text)


@pytest.mark.parametrize("href,text", [
    ("/info/1021/3101.htm", "关于印发实施方案的通知"),
    ("/download.jsp", "下载中心"),  # the download centre page, no file named
    ("/xzzx.htm", "下载专区"),
    ("/list.jsp?urltype=tree.TreeTempUrl&wbtreeid=1021", "通知公告"),
    ("/images/banner.jpg", "学校风光"),
    ("/pdf-guide.htm", "如何打开pdf文件"),
])
def test_other_links_are_not_attachments(href, text):
    assert not is_attachment_link(href, text)


def test_clean_page_lists_vsb_download_links():
    html = """<html><head><meta charset="utf-8"><title>关于报送回执的通知</title></head><body>
    <div class="v_news_content"><p>请各学院于3月15日前将回执表报送教务处，逾期不再受理，特此通知，请各学院认真组织。</p>
    <p>各学院要高度重视此项工作，指定专人负责，按时保质完成各项材料的收集与报送工作。</p></div>
    <ul><li>附件【<a href="/system/_content/download.jsp?urltype=news.DownloadAttachUrl&amp;owner=1&amp;wbfileid=9">回执表.docx</a>】已下载<span id="nattach9"></span>次</li>
    <li><a href="/download.jsp">下载中心</a></li></ul></body></html>"""
    record = clean_page(html.encode("utf-8"), "http://jwc.hbnu.edu.cn/info/1021/3105.htm")
    assert [a.to_dict() for a in record.attachments] == [{
        "url": "http://jwc.hbnu.edu.cn/system/_content/download.jsp?urltype=news.DownloadAttachUrl&owner=1&wbfileid=9",
        "title": "回执表.docx"}]
