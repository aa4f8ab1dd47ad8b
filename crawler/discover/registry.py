"""The site registry: a site is configuration, not code.

Sites live in a TOML file (crawler/sites.toml by default, or the file named by
the SITES_REGISTRY setting); its header comment documents every key. Load it
once into typed `Site` objects:

    registry = Registry.load()
    site = registry.get("sdjky")
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from urllib.parse import urlparse

from lxml import etree

from cleaners.profiles import SITE_TYPES  # one list of site types: the cleaner's profiles

# The shipped registry, read as package data: it is a file in a checkout, a member
# of the zip when the project runs from an egg (Scrapyd).
DEFAULT_REGISTRY = resources.files("crawler") / "sites.toml"

_KNOWN_KEYS = {
    "site_name",
    "site_type",
    "start_urls",
    "allowed_domains",
    "content_xpath",
    "date_format",
    "needs_browser",
    "article_url_patterns",
    "list_url_patterns",
    "list_xpath",
    "list_api",
    "attachments",
    "sitemaps",
    "feeds",
    "max_articles",
    "max_list_pages",
    "download_delay",
}
# The keys of a site's `list_api` table (documented in crawler/sites.toml).
_LIST_API_KEYS = {"url", "method", "params", "json_body", "items", "link", "link_template", "title", "date",
                  "first_page", "max_pages"}


class RegistryError(ValueError):
    """The registry file is malformed (unknown key, wrong type, unknown site type)."""


@dataclass(frozen=True)
class Site:
    name: str
    site_type: str
    start_urls: tuple[str, ...]
    allowed_domains: tuple[str, ...]
    site_name: str | None = None
    content_xpath: str | None = None
    date_format: str | None = None
    needs_browser: bool = False
    article_url_patterns: tuple[re.Pattern[str], ...] = field(default_factory=tuple)
    list_url_patterns: tuple[re.Pattern[str], ...] = field(default_factory=tuple)
    list_xpath: str | None = None
    # A JSON list API the site's columns are read from (see crawler/discover/list_sources.py).
    list_api: dict | None = field(default=None, compare=False, hash=False)
    attachments: bool | None = None  # fetch and read attachments; None = by site type (ATTACHMENTS_SITE_TYPES)
    # The site's sitemaps (or its robots.txt) and RSS/Atom feeds, read besides its list pages.
    sitemaps: tuple[str, ...] = ()
    feeds: tuple[str, ...] = ()
    max_articles: int | None = None  # article links followed per run, at most
    max_list_pages: int | None = None  # list pages per column, at most (CRAWLER_MAX_LIST_PAGES for this site)
    download_delay: float | None = None  # seconds between requests to this site (its own download slot)

    @classmethod
    def from_dict(cls, name: str, data: dict) -> "Site":
        unknown = set(data) - _KNOWN_KEYS
        if unknown:
            raise RegistryError(f"site {name!r}: unknown keys {sorted(unknown)}")
        site_type = data.get("site_type")
        if site_type not in SITE_TYPES:
            raise RegistryError(f"site {name!r}: site_type must be one of {SITE_TYPES}, not {site_type!r}")
        start_urls = _str_list(name, data, "start_urls")
        if not start_urls:
            raise RegistryError(f"site {name!r}: start_urls is required")
        domains = _str_list(name, data, "allowed_domains") or domains_of(start_urls)
        try:
            articles = tuple(re.compile(p) for p in _str_list(name, data, "article_url_patterns"))
            lists = tuple(re.compile(p) for p in _str_list(name, data, "list_url_patterns"))
        except re.error as exc:
            raise RegistryError(f"site {name!r}: bad URL pattern: {exc}") from exc
        for key in ("content_xpath", "list_xpath"):
            _check_xpath(name, key, data.get(key))
        return cls(
            name=name,
            site_type=site_type,
            start_urls=tuple(start_urls),
            allowed_domains=tuple(domains),
            site_name=data.get("site_name"),
            content_xpath=data.get("content_xpath") or None,
            date_format=data.get("date_format") or None,
            needs_browser=bool(data.get("needs_browser", False)),
            article_url_patterns=articles,
            list_url_patterns=lists,
            list_xpath=data.get("list_xpath") or None,
            list_api=_list_api(name, data.get("list_api")),
            attachments=None if data.get("attachments") is None else bool(data["attachments"]),
            sitemaps=tuple(_urls(name, data, "sitemaps")),
            feeds=tuple(_urls(name, data, "feeds")),
            max_articles=_whole(name, data, "max_articles"),
            max_list_pages=_whole(name, data, "max_list_pages"),
            download_delay=_seconds(name, data, "download_delay"),
        )


def _check_xpath(name: str, key: str, xpath) -> None:
    """An XPath that does not compile is refused here, once, not ignored on every page."""
    if xpath is None or xpath == "":
        return
    if not isinstance(xpath, str):
        raise RegistryError(f"site {name!r}: {key} must be a string")
    try:
        etree.XPath(xpath)
    except etree.XPathSyntaxError as exc:
        raise RegistryError(f"site {name!r}: {key} is not a valid XPath ({exc}): {xpath!r}") from exc


def _list_api(name: str, api) -> dict | None:
    if api is None:
        return None
    if not isinstance(api, dict):
        raise RegistryError(f"site {name!r}: list_api must be a table")
    unknown = set(api) - _LIST_API_KEYS
    if unknown:
        raise RegistryError(f"site {name!r}: list_api has unknown keys {sorted(unknown)}")
    if not isinstance(api.get("url"), str) or not api["url"].startswith(("http://", "https://")):
        raise RegistryError(f"site {name!r}: list_api.url must be an http(s) URL")
    method = str(api.get("method", "GET")).upper()
    if method not in ("GET", "POST"):
        raise RegistryError(f"site {name!r}: list_api.method must be GET or POST")
    params = api.get("params", {})
    if not isinstance(params, dict):
        raise RegistryError(f"site {name!r}: list_api.params must be a table")
    for key in ("first_page", "max_pages"):
        if key in api and (not isinstance(api[key], int) or api[key] < 0):
            raise RegistryError(f"site {name!r}: list_api.{key} must be a whole number")
    return {**api, "method": method, "params": {str(k): str(v) for k, v in params.items()}}


def _urls(name: str, data: dict, key: str) -> list[str]:
    urls = _str_list(name, data, key)
    for url in urls:
        if not url.startswith(("http://", "https://")):
            raise RegistryError(f"site {name!r}: {key} must be http(s) URLs, not {url!r}")
    return urls


def _whole(name: str, data: dict, key: str) -> int | None:
    value = data.get(key)
    if value is None:
        return None
    if not isinstance(value, int) or isinstance(value, bool) or value < 1:
        raise RegistryError(f"site {name!r}: {key} must be a whole number of at least 1")
    return value


def _seconds(name: str, data: dict, key: str) -> float | None:
    value = data.get(key)
    if value is None:
        return None
    if not isinstance(value, (int, float)) or isinstance(value, bool) or value < 0:
        raise RegistryError(f"site {name!r}: {key} must be a number of seconds (0 or more)")
    return float(value)


def _str_list(name: str, data: dict, key: str) -> list[str]:
    value = data.get(key, [])
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise RegistryError(f"site {name!r}: {key} must be a list of strings")
    return value


def domains_of(urls: list[str] | tuple[str, ...]) -> list[str]:
    """Host names of the URLs, without a leading `www.`, in order, no repeats.

    Scrapy's allowed_domains also allow subdomains, so `www.sdjky.cn` becomes
    `sdjky.cn`. Ports are dropped (allowed_domains match host names).
    """
    out: list[str] = []
    for url in urls:
        host = (urlparse(url).hostname or "").lower()
        if host.startswith("www."):
            host = host[4:]
        if host and host not in out:
            out.append(host)
    return out


class Registry:
    def __init__(self, sites: dict[str, Site], path: Path | str | None = None):
        self.sites = sites
        self.path = path

    @classmethod
    def load(cls, path: str | Path | None = None) -> "Registry":
        """The given TOML file, or the shipped one (package data, also inside an egg)."""
        source = Path(path) if path else DEFAULT_REGISTRY
        data = tomllib.loads(source.read_bytes().decode("utf-8"))
        sites_data = data.get("sites", {})
        if not isinstance(sites_data, dict):
            raise RegistryError("[sites] must be a table of tables")
        sites = {name: Site.from_dict(name, entry) for name, entry in sites_data.items()}
        return cls(sites, source)

    def get(self, name: str) -> Site:
        try:
            return self.sites[name]
        except KeyError:
            known = ", ".join(sorted(self.sites)) or "none"
            raise KeyError(f"no site {name!r} in {self.path} (known: {known})") from None

    def for_url(self, url: str) -> Site | None:
        """The registered site whose allowed domains cover the URL's host."""
        host = (urlparse(url).hostname or "").lower()
        for site in self.sites.values():
            for domain in site.allowed_domains:
                if host == domain or host.endswith("." + domain):
                    return site
        return None

    def of_type(self, site_type: str) -> list[Site]:
        return [s for s in self.sites.values() if s.site_type == site_type]
