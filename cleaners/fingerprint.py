"""Identity of a page and of its content: stable ids, exact and near-duplicate hashes."""

from __future__ import annotations

import hashlib
import re
from collections import Counter

from .urls import canonical_url

# The project's one URL canonicaliser (cleaners/urls.py), under its old name here.
canonicalize_url = canonical_url
WORD = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]|[^\W_]+", re.U)
SHINGLE = 3
SIMHASH_BITS = 64


def record_id(url: str) -> str:
    """24 hex digits of the sha256 of the URL's canonical form."""
    return hashlib.sha256(canonical_url(url).encode("utf-8")).hexdigest()[:24]


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
