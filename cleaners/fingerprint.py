"""Identity of a page and of its content: stable ids, exact and near-duplicate hashes."""

from __future__ import annotations

import hashlib
import re
from functools import partial
from operator import methodcaller

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
    """64-bit simhash over shingles of 3 tokens (a CJK character or a word is a token).

    Bit b of the hash is set when most shingles' blake2b digests (8 bytes, read
    big-endian) have it set. The loops run in C (map; each byte position of every
    digest read as one integer, a bit of every byte counted by int.bit_count):
    a Python loop per shingle cost a tenth of the cleaning.
    """
    tokens = WORD.findall(text.lower())
    if len(tokens) < SHINGLE:
        tokens = tokens + [""] * (SHINGLE - len(tokens))
    shingles = map("\x1f".join, zip(*(tokens[i:] for i in range(SHINGLE))))
    digests = b"".join(map(_DIGEST, map(_HASH8, map(str.encode, shingles))))
    n = len(digests) // 8
    bit_of_every_byte = [int.from_bytes(bytes((1 << bit,)) * n, "big") for bit in range(8)]
    value = 0
    for pos in range(8):
        column = int.from_bytes(digests[pos::8], "big")  # byte `pos` of every digest
        for bit in range(8):
            if 2 * (column & bit_of_every_byte[bit]).bit_count() > n:
                value |= 1 << ((7 - pos) * 8 + bit)
    return f"{value:016x}"


_HASH8 = partial(hashlib.blake2b, digest_size=SIMHASH_BITS // 8)
_DIGEST = methodcaller("digest")


def hamming_distance(a: str, b: str) -> int:
    return bin(int(a, 16) ^ int(b, 16)).count("1")
