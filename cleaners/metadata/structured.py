"""Structured data a page declares about itself: JSON-LD (schema.org) articles.

`read_json_ld(root)` takes the raw <script type="application/ld+json"> texts
(call it before scripts are dropped from the tree); `article_data(texts)`
reads the article node among them: headline, authors, dates, publisher.
A broken JSON block is skipped, never an error.
"""

from __future__ import annotations

from lxml import etree

import json
import re
from dataclasses import dataclass, field

MAX_BLOCKS = 20
MAX_BLOCK_CHARS = 500_000
MAX_NODES = 2_000

# schema.org types whose node describes the page's article, best first.
ARTICLE_TYPES = (
    "newsarticle", "reportagenewsarticle", "analysisnewsarticle", "opinionnewsarticle", "article",
    "blogposting", "techarticle", "scholarlyarticle", "report", "liveblogposting", "socialmediaposting",
    "discussionforumposting", "posting", "question", "howto", "recipe", "review", "webpage",
)
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")


@dataclass
class ArticleData:
    headline: str | None = None
    authors: list[str] = field(default_factory=list)  # the people; else the organisations
    authors_are_organisations: bool = False
    published: str | None = None  # the raw datePublished / dateCreated string
    modified: str | None = None
    publisher: str | None = None


def read_json_ld(root) -> list[str]:
    """The text of every JSON-LD block in the tree (before scripts are dropped)."""
    out = []
    try:
        for el in root.iter("script"):
            if "ld+json" in (el.get("type") or "").lower() and el.text and len(out) < MAX_BLOCKS:
                out.append(el.text[:MAX_BLOCK_CHARS])
    except (ValueError, etree.LxmlError):  # a tree lxml cannot iterate has no structured data
        return []
    return out


def _load(text: str):
    text = _CONTROL.sub(" ", text.strip())
    if text.startswith("<!--"):
        text = text[4:]
    if text.endswith("-->"):
        text = text[:-3]
    text = text.strip().rstrip(";")
    try:
        return json.loads(text)
    except ValueError:
        return None


def _nodes(data) -> list[dict]:
    """Every object in the data, @graph and nested lists flattened (bounded)."""
    out, stack = [], [data]
    while stack and len(out) < MAX_NODES:
        item = stack.pop()
        if isinstance(item, list):
            stack.extend(reversed(item))
        elif isinstance(item, dict):
            out.append(item)
            for key in ("@graph", "mainEntity", "mainEntityOfPage", "itemListElement"):
                if isinstance(item.get(key), (list, dict)):
                    stack.append(item[key])
    return out


def _types(node: dict) -> list[str]:
    t = node.get("@type")
    types = t if isinstance(t, list) else [t]
    return [x.lower() for x in types if isinstance(x, str)]


def _rank(node: dict) -> int:
    ranks = [ARTICLE_TYPES.index(t) for t in _types(node) if t in ARTICLE_TYPES]
    return min(ranks) if ranks else len(ARTICLE_TYPES)


def _string(value) -> str | None:
    if isinstance(value, list):
        value = next((v for v in value if isinstance(v, str) and v.strip()), None)
    if isinstance(value, str) and value.strip():
        return " ".join(value.split())
    return None


def _people(value, by_id: dict) -> tuple[list[str], list[str]]:
    """(people's names, organisations' names) of an author value."""
    people: list[str] = []
    orgs: list[str] = []
    items = value if isinstance(value, list) else [value]
    for item in items[:20]:
        if isinstance(item, str):
            name, is_org = item, False
        elif isinstance(item, dict):
            if "name" not in item and isinstance(item.get("@id"), str):
                item = by_id.get(item["@id"], item)
            name = _string(item.get("name"))
            if name is None and (item.get("givenName") or item.get("familyName")):
                name = " ".join(str(item.get(k) or "") for k in ("givenName", "familyName")).strip()
            is_org = any(t in ("organization", "newsmediaorganization", "corporation") for t in _types(item))
        else:
            continue
        name = re.sub(r"^by\s+", "", " ".join((name or "").split()), flags=re.I)
        if not name or len(name) > 80 or name.startswith(("http://", "https://", "@")):
            continue
        target = orgs if is_org else people
        if name not in target:
            target.append(name)
    return people, orgs


def article_data(texts: list[str]) -> ArticleData | None:
    """The best article node of the page's JSON-LD, or None."""
    nodes = []
    for text in texts:
        data = _load(text)
        if data is not None:
            nodes += _nodes(data)
    if not nodes:
        return None
    by_id = {n["@id"]: n for n in nodes if isinstance(n.get("@id"), str)}
    candidates = [n for n in nodes if _rank(n) < len(ARTICLE_TYPES)]
    if not candidates:
        return None
    best_rank = min(_rank(n) for n in candidates)
    # Among nodes of the best type, the first that has a date or an author.
    best = [n for n in candidates if _rank(n) == best_rank]
    node = next((n for n in best if n.get("datePublished") or n.get("author")), best[0])
    data = ArticleData()
    data.headline = _string(node.get("headline")) or _string(node.get("name"))
    people, orgs = _people(node.get("author") or node.get("creator"), by_id)
    data.authors = people or orgs
    data.authors_are_organisations = not people and bool(orgs)
    data.published = _string(node.get("datePublished")) or _string(node.get("dateCreated"))
    data.modified = _string(node.get("dateModified"))
    publisher = node.get("publisher")
    if isinstance(publisher, dict) and "name" not in publisher and isinstance(publisher.get("@id"), str):
        publisher = by_id.get(publisher["@id"], publisher)
    data.publisher = _string(publisher.get("name")) if isinstance(publisher, dict) else _string(publisher)
    if data.published is None or not data.authors:
        # A WebPage node often carries what the article node leaves out.
        for other in sorted(candidates, key=_rank):
            if data.published is None:
                data.published = _string(other.get("datePublished"))
            if not data.authors:
                people, orgs = _people(other.get("author"), by_id)
                data.authors = people or orgs
                data.authors_are_organisations = not people and bool(orgs)
    return data
