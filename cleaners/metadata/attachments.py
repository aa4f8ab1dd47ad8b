"""Attachments: 附件 links and links to documents (pdf, doc, xls, ...)."""

from __future__ import annotations

import re
from urllib.parse import unquote, urlsplit

from ..record import Attachment
from .page import Page, absolute_url, element_text

ATTACHMENT_EXT_RE = re.compile(r"\.(?:pdf|docx?|xlsx?|pptx?|zip|rar|7z|wps|et|ofd)$", re.I)
ATTACHMENT_TEXT_RE = re.compile(r"^\s*附件")


def attachments(page: Page, base: str) -> list[Attachment]:
    out: list[Attachment] = []
    seen: set[str] = set()
    for href, el in page.anchors:
        raw_path = href.split("#", 1)[0].split("?", 1)[0].rstrip()
        # Cheap tests first: most links are not attachments.
        if not ATTACHMENT_EXT_RE.search(raw_path) and not ATTACHMENT_TEXT_RE.match(el.text or ""):
            if len(el) == 0 or not ATTACHMENT_TEXT_RE.match(element_text(el, 40)):
                continue
        text = element_text(el, 300)
        link = absolute_url(href, base)
        if not link:
            continue
        parts = urlsplit(link)
        path = unquote(parts.path)
        if not (ATTACHMENT_EXT_RE.search(path) or ATTACHMENT_TEXT_RE.match(text)):
            continue
        if link in seen:
            continue
        seen.add(link)
        name = path.rstrip("/").rsplit("/", 1)[-1]
        out.append(Attachment(url=link, title=text or name or link))
    return out

