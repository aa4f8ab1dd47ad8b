"""The bench scoring convention (../shared/bench/README.md, "Scoring convention").

Per page:
1. NFKC-normalise both texts, then lower-case them.
2. Tokenise: every CJK character (U+3040-30FF, U+3400-4DBF, U+4E00-9FFF,
   U+F900-FAFF, U+20000-2FA1F) is one token; every other run of `\\w`
   characters is one token; punctuation and whitespace are dropped.
3. Bag-of-tokens: overlap = size of the multiset intersection,
   P = overlap/|pred|, R = overlap/|gt|, F1 = 2PR/(P+R).
   Empty GT: 1 for an empty prediction, 0 otherwise.
   Empty or missing prediction: 0.
4. Macro average over pages.

For text without CJK characters this equals `re.findall(r'\\w+', text.lower())`
word F1 (the WCXB metric).

Also: a loader for one bench language directory (manifest.json -> BenchPage).
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import unicodedata
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterable, NamedTuple

_CJK = "\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0002fa1f"
# One CJK character, or a run of word characters that are not CJK.
TOKEN_RE = re.compile(f"[{_CJK}]|[^\\W{_CJK}]+")

REPO_ROOT = Path(__file__).resolve().parent.parent


def normalise(text: str) -> str:
    """NFKC, then lower-case (in that order, as the README says)."""
    return unicodedata.normalize("NFKC", text).lower()


def tokenize(text: str | None) -> list[str]:
    if not text:
        return []
    return TOKEN_RE.findall(normalise(text))


class Score(NamedTuple):
    p: float
    r: float
    f1: float


def score_tokens(pred: list[str] | Counter, gt: list[str] | Counter) -> Score:
    pred_c = pred if isinstance(pred, Counter) else Counter(pred)
    gt_c = gt if isinstance(gt, Counter) else Counter(gt)
    n_pred = sum(pred_c.values())
    n_gt = sum(gt_c.values())
    if n_gt == 0:
        return Score(1.0, 1.0, 1.0) if n_pred == 0 else Score(0.0, 0.0, 0.0)
    if n_pred == 0:
        return Score(0.0, 0.0, 0.0)
    overlap = sum((pred_c & gt_c).values())
    if overlap == 0:
        return Score(0.0, 0.0, 0.0)
    p = overlap / n_pred
    r = overlap / n_gt
    return Score(p, r, 2 * p * r / (p + r))


def score(pred: str | None, gt: str) -> Score:
    """P/R/F1 of one page. `pred` None or empty is an empty prediction."""
    return score_tokens(tokenize(pred), tokenize(gt))


def macro(scores: Iterable[Score]) -> Score:
    """Mean of P, R and F1 over pages (F1 is the mean of per-page F1s)."""
    scores = list(scores)
    if not scores:
        return Score(float("nan"), float("nan"), float("nan"))
    n = len(scores)
    return Score(
        sum(s.p for s in scores) / n,
        sum(s.r for s in scores) / n,
        sum(s.f1 for s in scores) / n,
    )


# --------------------------------------------------------------------- loader


def bench_dir() -> Path:
    """The bench root: $BENCH_DIR, else ../shared/bench relative to the repo root."""
    env = os.environ.get("BENCH_DIR")
    return Path(env) if env else (REPO_ROOT.parent / "shared" / "bench").resolve()


def manifest_sha256(lang_dir: str | os.PathLike) -> str:
    return hashlib.sha256((Path(lang_dir) / "manifest.json").read_bytes()).hexdigest()


def gt_digest(lang_dir: str | os.PathLike) -> str:
    """sha256 over every GT file the manifest names (gt/ and gt_body/), in manifest order.

    The manifest already pins each page's html (html_sha256); this pins the GT.
    """
    lang_dir = Path(lang_dir)
    manifest = json.loads((lang_dir / "manifest.json").read_text(encoding="utf-8"))
    h = hashlib.sha256()
    for e in manifest["pages"]:
        for key in ("gt_text", "gt_body_text"):
            rel = e.get(key)
            if rel:
                h.update(rel.encode() + b"\0" + hashlib.sha256((lang_dir / rel).read_bytes()).digest())
    return h.hexdigest()


@dataclass
class BenchPage:
    id: str
    lang: str  # the bench set: the language directory's name ("zh", "en")
    subset: str
    url: str | None
    script: str | None  # "simplified"/"traditional" (zh only)
    html_path: Path
    gt: str  # gt/<id>.txt: the reference text
    gt_body: str | None  # gt_body/<id>.txt: the GT without its headline (only where gt_includes_title)
    gt_includes_title: bool
    title: str | None  # metadata GT (the headline, where the source gives it)
    entry: dict[str, Any] = field(repr=False, default_factory=dict)  # the raw manifest entry

    @property
    def text_lang(self) -> str:
        """The page's own language (2 pages of the en set are Japanese)."""
        return self.entry.get("lang") or self.lang

    def html_bytes(self) -> bytes:
        return self.html_path.read_bytes()

    @property
    def request_url(self) -> str:
        """The url handed to an extractor: the page's own, or a placeholder."""
        return self.url or f"http://bench.invalid/{self.id}.html"

    @property
    def gate_gt(self) -> str:
        """The gate's reference: body-only GT where the bench gives one, else gt/."""
        return self.gt_body if self.gt_body is not None else self.gt


def _read_text(path: Path) -> str:
    return path.read_text(encoding="utf-8")


def load_bench(lang_dir: str | os.PathLike) -> list[BenchPage]:
    """Load one language directory of the bench (e.g. ../shared/bench/zh)."""
    lang_dir = Path(lang_dir)
    manifest = json.loads((lang_dir / "manifest.json").read_text(encoding="utf-8"))
    entries = manifest["pages"] if isinstance(manifest, dict) else manifest
    pages = []
    for e in entries:
        body_rel = e.get("gt_body_text")
        pages.append(
            BenchPage(
                id=e["id"],
                lang=lang_dir.name,
                subset=e["subset"],
                url=e.get("url"),
                script=e.get("script"),
                html_path=lang_dir / e["html"],
                gt=_read_text(lang_dir / e["gt_text"]),
                gt_body=_read_text(lang_dir / body_rel) if body_rel else None,
                gt_includes_title=bool(e.get("gt_includes_title")),
                title=e.get("title"),
                entry=e,
            )
        )
    return pages
