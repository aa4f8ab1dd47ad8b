"""Saved sites: raw responses on disk, as the fixtures keep them.

Layout: `<root>/sites/<site>/index.json` (or `<root>/<site>/index.json`, or a
single `<root>/index.json`), each

    {"site": "sdjky", "site_type": "provincial_portal",
     "start_urls": [...], "allowed_domains": [...],
     "responses": [{"url": "http://www.sdjky.cn/gzdt/index.html", "status": 200,
                    "headers": {"Content-Type": "text/html; charset=gb2312"},
                    "body": "pages/gzdt_index.html"}, ...]}

with the raw bytes of each body under the site's directory, never re-encoded.
A response to another method than GET says so, with the body it was sent
(`"method": "POST", "request_body": "col=1&columnid=12345&..."`): such
responses are keyed by method, URL and body (a form body by its fields, in
any order), as a Hanweb column's dataproxy answers are.
Used by the replay middleware and by the tests' fixture server.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import parse_qsl, urldefrag

from cleaners.urls import canonical_url


@dataclass
class SavedResponse:
    url: str
    status: int = 200
    headers: dict[str, str | list[str]] = field(default_factory=dict)
    body: bytes = b""
    site: str = ""
    method: str = "GET"
    request_body: bytes = b""


@dataclass
class SavedSite:
    name: str
    site_type: str | None
    start_urls: list[str]
    allowed_domains: list[str]
    responses: list[SavedResponse]


def index_files(root: str | Path) -> list[Path]:
    root = Path(root)
    if (root / "index.json").is_file():
        return [root / "index.json"]
    for base in (root / "sites", root):
        found = sorted(base.glob("*/index.json"))
        if found:
            return found
    return []


def load_site(index: Path) -> SavedSite:
    data = json.loads(index.read_text(encoding="utf-8"))
    name = data.get("site") or index.parent.name
    responses = []
    for entry in data.get("responses", []):
        body_ref = entry.get("body")
        body = (index.parent / body_ref).read_bytes() if body_ref else b""
        responses.append(SavedResponse(
            url=entry["url"],
            status=int(entry.get("status", 200)),
            headers=dict(entry.get("headers") or {}),
            body=body,
            site=name,
            method=str(entry.get("method") or "GET").upper(),
            request_body=str(entry.get("request_body") or "").encode("utf-8"),
        ))
    return SavedSite(name, data.get("site_type"), list(data.get("start_urls", [])),
                     list(data.get("allowed_domains", [])), responses)


def url_key(url: str) -> str:
    return canonical_url(url)


def body_key(body: bytes) -> str:
    """A request body as a key: a form's fields sorted (order and percent-encoding
    do not matter), anything else as it is."""
    text = body.decode("utf-8", "replace")
    if not text.strip():
        return ""
    if "=" in text and not text.lstrip().startswith(("{", "[", "<")):
        return "&".join(f"{k}={v}" for k, v in sorted(parse_qsl(text, keep_blank_values=True)))
    return text


class SavedStore:
    """URL -> saved response, for every saved site under a root."""

    def __init__(self, sites: list[SavedSite]):
        self.sites = sites
        self.exact: dict[str, SavedResponse] = {}
        self.canonical: dict[str, SavedResponse] = {}
        self.other: dict[tuple[str, str, str], SavedResponse] = {}  # (method, URL, body)
        for site in sites:
            for r in site.responses:
                self.add(r)

    def add(self, r: SavedResponse) -> None:
        if r.method != "GET":
            self.other[(r.method, url_key(r.url), body_key(r.request_body))] = r
            return
        self.exact[urldefrag(r.url)[0]] = r
        self.canonical[url_key(r.url)] = r

    @classmethod
    def load(cls, root: str | Path) -> "SavedStore":
        return cls([load_site(p) for p in index_files(root)])

    def get(self, url: str, method: str = "GET", body: bytes = b"") -> SavedResponse | None:
        url = urldefrag(url)[0]
        method = method.upper()
        if method not in ("GET", "HEAD"):
            return self.other.get((method, url_key(url), body_key(body)))
        return self.exact.get(url) or self.canonical.get(url_key(url))

    def __len__(self) -> int:
        return len(self.exact) + len(self.other)
