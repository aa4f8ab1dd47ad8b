"""The simhash is a fixed function of the text: stored records and the incremental
store's near-duplicate checks compare hashes made by earlier versions."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest

from cleaners.fingerprint import SHINGLE, WORD, hamming_distance, simhash

GOLDEN = Path(__file__).resolve().parents[2] / "fixtures" / "golden" / "records"


def reference_simhash(text: str) -> str:
    """The definition, one bit at a time: bit b is set when most shingle digests have it."""
    tokens = WORD.findall(text.lower())
    tokens += [""] * max(0, SHINGLE - len(tokens))
    digests = [int.from_bytes(hashlib.blake2b("\x1f".join(tokens[i:i + SHINGLE]).encode("utf-8"),
                                              digest_size=8).digest(), "big")
               for i in range(len(tokens) - SHINGLE + 1)]
    value = 0
    for bit in range(64):
        if 2 * sum(d >> bit & 1 for d in digests) > len(digests):
            value |= 1 << bit
    return f"{value:016x}"


def golden_texts() -> list[str]:
    return [json.loads(p.read_text(encoding="utf-8"))["text"] for p in sorted(GOLDEN.rglob("*.json"))]


@pytest.mark.parametrize("text", ["", "一", "教育", "教育部", "The Ministry", "a b c d", "国 國 国 國",
                                  "重复 " * 500, "Ab" * 3 + "\n" + "中文English混排123"])
def test_simhash_is_the_definition_on_edge_cases(text):
    assert simhash(text) == reference_simhash(text)


def test_simhash_is_the_definition_on_golden_records():
    texts = golden_texts()
    assert len(texts) >= 5
    for text in texts:
        assert simhash(text) == reference_simhash(text)


def test_simhash_of_golden_records_is_stored_value():
    for path in sorted(GOLDEN.rglob("*.json")):
        record = json.loads(path.read_text(encoding="utf-8"))
        if "simhash" in record:
            assert simhash(record["text"]) == record["simhash"], path.name


def test_near_duplicates_are_near():
    text = golden_texts()[0]
    assert len(text) > 200
    edited = text[:-20] + "（编辑：张三）"
    assert hamming_distance(simhash(text), simhash(edited)) <= 6
    assert hamming_distance(simhash(text), simhash("完全不同的一段文字，讲的是别的事情。" * 5)) > 10
