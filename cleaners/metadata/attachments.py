"""Attachments: 附件 links, links to documents (pdf, doc, xls, ...) and the CMSs'
download endpoints; what counts as one is decided in cleaners/documents/links.py."""

from __future__ import annotations

from urllib.parse import unquote, urlsplit

from ..documents.links import is_attachment_link
from ..record import Attachment
from .page import Page, absolute_url, element_text


def attachments(page: Page, base: str) -> list[Attachment]:
    out: list[Attachment] = []
    seen: set[str] = set()
    for href, el in page.anchors:
        # Cheap tests first: most links are not attachments.
        if not is_attachment_link(href, el.text or ""):
            if len(el) == 0 or not is_attachment_link(href, element_text(el, 40)):
                continue
        text = element_text(el, 300)
        link = absolute_url(href, base)
        if not link or not is_attachment_link(link, text):
            continue
        if link in seen:
            continue
        seen.add(link)
        path = unquote(urlsplit(link).path)
        name = path.rstrip("/").rsplit("/", 1)[-1]
        out.append(Attachment(url=link, title=text or name or link))
    return out
