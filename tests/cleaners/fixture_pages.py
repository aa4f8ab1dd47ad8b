"""The saved fixture sites, read as plain values for the cleaner's tests."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SITES = ROOT / "fixtures" / "sites"
EXPECTED = ROOT / "fixtures" / "expected"


@dataclass
class SavedPage:
    site: str
    site_type: str
    url: str
    status: int
    headers: dict
    body: bytes


def saved_pages(site: str) -> dict[str, SavedPage]:
    """url -> SavedPage for every response with a body in the site's index."""
    index = json.loads((SITES / site / "index.json").read_text("utf-8"))
    pages = {}
    for r in index["responses"]:
        if r.get("body"):
            pages[r["url"]] = SavedPage(site, index["site_type"], r["url"], r["status"], r["headers"],
                                        (SITES / site / r["body"]).read_bytes())
    return pages


def expected_articles() -> list[tuple[str, str, dict]]:
    """(site, stem, expected record) for each article with hand-checked expectations."""
    return [(p.parent.name, p.stem, json.loads(p.read_text("utf-8")))
            for p in sorted(EXPECTED.glob("*/*.json"))]


def article_parts(site: str, url: str) -> list[SavedPage]:
    """The pages of an article: the page itself, then its continuation pages (TRS `_1`, `_2`)."""
    pages = saved_pages(site)
    parts = [pages[url]]
    stem, dot, ext = url.rpartition(".")
    n = 1
    while f"{stem}_{n}.{ext}" in pages:
        parts.append(pages[f"{stem}_{n}.{ext}"])
        n += 1
    return parts
