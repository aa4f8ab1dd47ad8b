"""Identity of a page and of its content: stable ids, exact and near-duplicate hashes."""

from __future__ import annotations

import hashlib
import re
from collections import Counter
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

# Query parameters that track the visitor and never select content.
TRACKING_PARAMS = re.compile(r"^(?:utm_\w+|spm|from|source|share_token|share|fbclid|gclid|_t|timestamp|isappinstalled)$", re.I)
DEFAULT_PORTS = {"http": 80, "https": 443}
WORD = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]|[^\W_]+", re.U)
SHINGLE = 3
SIMHASH_BITS = 64


def canonicalize_url(url: str) -> str:
    """Scheme and host lower-cased, default port, fragment and tracking parameters dropped."""
    try:
        parts = urlsplit(url.strip())
        host = (parts.hostname or "").lower()
        port = parts.port
    except ValueError:
        return url.strip()
    scheme = parts.scheme.lower()
    netloc = host if port in (None, DEFAULT_PORTS.get(scheme)) else f"{host}:{port}"
    query = urlencode([(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True)
                       if not TRACKING_PARAMS.match(k)])
    return urlunsplit((scheme, netloc, parts.path or "/", query, ""))


def record_id(canonical_url: str) -> str:
    return hashlib.sha256(canonicalize_url(canonical_url).encode("utf-8")).hexdigest()[:24]


def content_sha256(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def raw_sha256(body: bytes) -> str:
    return hashlib.sha256(body).hexdigest()


def simhash(text: str) -> str:
    """64-bit simhash over shingles of 3 tokens (a CJK character or a word is a token)."""
    tokens = WORD.findall(text.lower())
    if len(tokens) < SHINGLE:
        tokens = tokens + [""] * (SHINGLE - len(tokens))
    digests = [hashlib.blake2b("\x1f".join(tokens[i:i + SHINGLE]).encode("utf-8"), digest_size=8).digest()
               for i in range(len(tokens) - SHINGLE + 1)]
    n = len(digests)
    # Count set bits column by column: one Counter per byte position, not one loop per bit.
    value = 0
    for pos in range(8):
        ones = [0] * 8
        for byte, count in Counter(d[pos] for d in digests).items():
            for bit in range(8):
                if byte >> bit & 1:
                    ones[bit] += count
        for bit in range(8):
            if 2 * ones[bit] > n:
                value |= 1 << ((7 - pos) * 8 + bit)
    return f"{value:016x}"


def hamming_distance(a: str, b: str) -> int:
    return bin(int(a, 16) ^ int(b, 16)).count("1")
