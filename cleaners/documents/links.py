"""Is this link an attachment? By the URL's extension, by the link's text, by the CMS's download endpoint.

Many CMSs never show a file extension in the URL: VSB (博达) serves files from
`/system/_content/download.jsp?urltype=news.DownloadAttachUrl&…&wbfileid=…`
with the file name only in the link text ("回执表.docx"); government CMSs from
`downfile.jsp?…`, `download.aspx?id=…`, TRS from `P0<digits>` file names. The
answer's Content-Type / Content-Disposition settle what a link really was when
it is fetched (crawler/clean/attachments.py); these rules only pick the
candidates, cheaply, from a page's links.
"""

from __future__ import annotations

import re
from urllib.parse import unquote

from .formats import DOCUMENT_EXTENSIONS

_EXT = "|".join(sorted(DOCUMENT_EXTENSIONS, key=len, reverse=True))
# The path (query and fragment cut) ends with a document's extension.
PATH_EXT_RE = re.compile(rf"\.(?:{_EXT})$", re.I)
# The link's text names a file ("回执表.docx", "实施方案.PDF (235KB)").
TEXT_FILE_RE = re.compile(rf"\.(?:{_EXT})(?:\s*[(（\[【]?\s*\d+(?:\.\d+)?\s*[KkMm]?B?\s*[)）\]】]?)?\s*$", re.I)
# The link's text says it is an attachment ("附件1：…", "附件下载").
TEXT_ATTACHMENT_RE = re.compile(r"^\s*附件")
# Download endpoints of the CMS families; they need a query naming the file.
ENDPOINT_RE = re.compile(
    r"(?:/download\.jsp\?.*(?:wbfileid=|DownloadAttachUrl)"  # VSB
    r"|/(?:down(?:load)?_?file|file_?down(?:load)?|attach(?:ment)?_?down(?:load)?|download|down|getfile|getattach)"
    r"\.(?:jsp|aspx?|php|do|action|cgi)\?.+"  # downfile.jsp?, download.aspx?id=, down.asp?
    r"|/(?:attachments?|uploadfiles?)/download\?.+)",
    re.I)
# TRS WCM names its files P0<date><serial>, with or without an extension.
TRS_FILE_RE = re.compile(r"/P0\d{12,}(?:\.\w{2,5})?$")


def is_attachment_link(href: str, text: str = "") -> bool:
    """A link to a document: its URL (raw or absolute) or its text says so."""
    path = href.split("#", 1)[0].split("?", 1)[0].rstrip()
    if PATH_EXT_RE.search(path) or (path.count("%") and PATH_EXT_RE.search(unquote(path))):
        return True
    if text and (TEXT_ATTACHMENT_RE.match(text) or TEXT_FILE_RE.search(text)):
        return True
    return bool(ENDPOINT_RE.search(href) or TRS_FILE_RE.search(path))
