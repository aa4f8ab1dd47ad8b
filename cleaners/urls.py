"""URL identity: one canonical form of a URL for the whole project.

A record's `id`, the crawler's duplicate filter (plain and Redis), the state
store's keys, the requests the crawler sends and the replay of saved sites all
take a URL through `canonical_url`, so one article linked under many variants
(tracking parameters, session ids, a fragment, the query in another order) is
one URL everywhere.

What it does, on top of `w3lib.url.canonicalize_url` (which sorts the query,
normalises percent-escapes, lower-cases the host and drops the fragment):
- session ids are removed: `;jsessionid=...` in the path, `PHPSESSID=`,
  `ASPSESSIONID...=` and the other keys in SESSION_PARAMS in the query;
- tracking parameters are removed: `utm_*`, `from=`, `spm=`, `fbclid=`, ...
  (TRACKING_PARAMS): share buttons and ads add them, they never select content;
- the scheme is lower-cased and a default port (:80, :443) dropped.
Query values are never decoded and re-encoded here: a GBK-encoded `%D6%D0`
stays as it is.
"""

from __future__ import annotations

import re
from functools import lru_cache
from urllib.parse import unquote, urlsplit, urlunsplit

from w3lib.url import canonicalize_url

# Query keys that carry a visitor's session, never content (compared lower-case).
SESSION_PARAMS = frozenset({
    "jsessionid", "phpsessid", "sid", "sessionid", "session_id", "sessid", "cfid", "cftoken",
    "aspsessionid", "zenid", "oscsid", "s_sid",
})
# Query keys added by share buttons, feeds and ads (compared lower-case).
TRACKING_PARAMS = frozenset({
    "from", "source", "spm", "share", "share_token", "isappinstalled", "fbclid", "gclid", "yclid",
    "msclkid", "dclid", "igshid", "_hsenc", "_hsmi", "mc_cid", "mc_eid", "_t", "timestamp",
})
# Key prefixes: utm_source, utm_medium, ...; ASPSESSIONIDQSCTRBQA=...
STRIPPED_PREFIXES = ("utm_", "aspsessionid")
# ;jsessionid=ABC in the path (Java servlets), also ;sid=, ;phpsessid=.
PATH_SESSION = re.compile(r";(?:jsessionid|sid|phpsessid|sessionid)=[^/?#;]*", re.I)
DEFAULT_PORTS = {"http": 80, "https": 443}


def is_stripped_param(key: str) -> bool:
    """True for a query key that is a session id or a tracking parameter."""
    k = unquote(key).strip().lower()
    return k in SESSION_PARAMS or k in TRACKING_PARAMS or k.startswith(STRIPPED_PREFIXES)


@lru_cache(maxsize=4096)  # a site's menus and footers link the same URLs from every page
def canonical_url(url: str, sort_query: bool = True) -> str:
    """The one canonical form of `url` (see the module's docstring). A URL that
    cannot be parsed is returned stripped of surrounding blanks.

    `sort_query=False` is for the URL a request is sent to: the same parameters
    stripped, but the query left in the site's order and escapes (a few old
    CMSs route on the first bare query token); identity always sorts."""
    url = url.strip()
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        return url
    scheme = parts.scheme.lower()
    netloc = parts.netloc
    if parts.hostname is not None:
        host = parts.hostname.lower()
        if ":" in host:  # IPv6 literal
            host = f"[{host}]"
        userinfo = netloc.rpartition("@")[0]
        netloc = (f"{userinfo}@" if userinfo else "") + host
        if port is not None and port != DEFAULT_PORTS.get(scheme):
            netloc += f":{port}"
    path = PATH_SESSION.sub("", parts.path)
    query = "&".join(p for p in parts.query.split("&") if p and not is_stripped_param(p.partition("=")[0]))
    if not sort_query:
        return urlunsplit((scheme, netloc, path, query, ""))
    try:
        return canonicalize_url(urlunsplit((scheme, netloc, path, query, "")), keep_blank_values=True)
    except ValueError:
        return urlunsplit((scheme, netloc, path, query, ""))
