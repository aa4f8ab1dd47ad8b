"""Decode a page's raw bytes to text, checking every declared charset against the bytes.

Precedence is BOM, HTTP Content-Type, then ``<meta>`` (or an XML declaration),
then a detector, but a declaration is only used when the bytes agree with it:
Chinese sites routinely declare utf-8 and serve GBK, or declare gb2312 and serve
UTF-8. Decoding never raises; undecodable bytes become U+FFFD and are counted.

How the bytes are checked, in order:

1. a byte-order mark wins (WHATWG); ASCII-only bytes decode the same under any
   ASCII-compatible label, so the first such declared label is reported;
2. valid UTF-8 with non-ASCII content is UTF-8, whatever the label says (GBK or
   Big5 text is practically never valid UTF-8);
3. the first declared label that decodes (almost) cleanly is used, provided the
   result is plausible: for the CJK multi-byte codecs most Han characters must
   be common ones (GBK read as Big5, or UTF-8 read as GBK, decodes without
   errors but yields rare characters), and a single-byte label (say Apache's
   default iso-8859-1) loses to bytes that read as plausible Chinese;
4. nearly valid UTF-8 (a truncated tail, a stray byte) is UTF-8; a strict
   gb18030 decode into common characters is GBK. Neither needs the detector;
5. otherwise every reading (declared labels, UTF-8, gb18030, big5hkscs, cp1252
   and chardet's guess on a bounded, tag-stripped sample) is scored by
   plausibility minus an error penalty, and the best one wins.

Known limit: undeclared EUC-KR reads as (common) GB2312 hanzi and is taken for
GBK; Korean pages that declare their charset are fine.

Labels follow WHATWG semantics, except that the GB family decodes as gb18030
(a page labelled gb2312 often carries GBK-only characters such as 國 or 镕) and
the Big5 family as big5hkscs. Unknown labels are ignored and named in `reason`.
"""

from __future__ import annotations

import codecs
import re
from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import chardet

from cleaners.headers import header
from cleaners.record import EncodingReport
from cleaners.sniff import BOMS, wide_codec

__all__ = ["decode_body", "normalise_charset_label", "sniff_meta_charset"]

# -- labels -------------------------------------------------------------------

# Python codec -> the labels that select it (WHATWG Encoding Standard labels,
# plus the spellings seen on Chinese sites).
_LABELS: dict[str, str] = {
    "utf-8": "utf-8 utf8 unicode-1-1-utf-8 unicode11utf8 unicode20utf8 x-unicode20utf8",
    "gb18030": (
        "gb18030 gb-18030 gb_18030 gb18030-2000 gb18030-2005 gb18030-2022 gbk x-gbk gb2312 "
        "gb-2312 gb_2312 gb_2312-80 gb2312-80 gb2312-1980 csgb2312 csiso58gb231280 iso-ir-58 "
        "chinese cp936 ms936 windows-936 euc-cn x-euc-cn euccn"
    ),
    # HZ is a 7-bit encoding of GB2312: reading it as gb18030 would leave ~{ ~} shifts.
    "hz": "hz-gb-2312 hz hz-gb",
    "big5hkscs": (
        "big5 big-5 big5-hkscs big5hkscs cn-big5 csbig5 x-x-big5 x-big5 cp950 ms950 windows-950"
    ),
    "cp932": (
        "shift_jis shift-jis sjis x-sjis csshiftjis ms932 ms_kanji windows-31j cp932 "
        "x-ms-cp932"
    ),
    "euc_jp": "euc-jp cseucpkdfmtjapanese x-euc-jp eucjp",
    "iso2022_jp": "iso-2022-jp csiso2022jp",
    "cp949": (
        "euc-kr euckr cseuckr csksc56011987 iso-ir-149 korean ks_c_5601-1987 ks_c_5601-1989 "
        "ksc5601 ksc_5601 windows-949 cp949 uhc"
    ),
    "iso2022_kr": "iso-2022-kr csiso2022kr",
    "utf-16-le": "utf-16 utf-16le unicode csunicode iso-10646-ucs-2 ucs-2 unicodefeff",
    "utf-16-be": "utf-16be unicodefffe",
    "utf-32-le": "utf-32 utf-32le ucs-4 iso-10646-ucs-4",
    "utf-32-be": "utf-32be",
    "cp1252": (
        "windows-1252 cp1252 x-cp1252 latin1 latin-1 l1 iso-8859-1 iso8859-1 iso88591 "
        "iso_8859-1 iso_8859-1:1987 iso-ir-100 csisolatin1 ibm819 cp819 ascii us-ascii "
        "ansi_x3.4-1968"
    ),
    "cp1250": "windows-1250 cp1250 x-cp1250",
    "cp1251": "windows-1251 cp1251 x-cp1251",
    "cp1253": "windows-1253 cp1253 x-cp1253",
    "cp1254": (
        "windows-1254 cp1254 x-cp1254 iso-8859-9 iso8859-9 iso88599 iso_8859-9 latin5 l5 "
        "csisolatin5 iso-ir-148"
    ),
    "cp1255": "windows-1255 cp1255 x-cp1255",
    "cp1256": "windows-1256 cp1256 x-cp1256",
    "cp1257": "windows-1257 cp1257 x-cp1257",
    "cp1258": "windows-1258 cp1258 x-cp1258",
    "cp874": "windows-874 dos-874 tis-620 iso-8859-11 iso8859-11 iso885911",
    "iso8859-2": "iso-8859-2 iso8859-2 iso88592 iso_8859-2 latin2 l2 csisolatin2",
    "iso8859-3": "iso-8859-3 iso8859-3 iso88593 iso_8859-3 latin3 l3 csisolatin3",
    "iso8859-4": "iso-8859-4 iso8859-4 iso88594 iso_8859-4 latin4 l4 csisolatin4",
    "iso8859-5": "iso-8859-5 iso8859-5 iso88595 iso_8859-5 cyrillic csisolatincyrillic",
    "iso8859-6": "iso-8859-6 iso8859-6 iso88596 iso_8859-6 arabic csisolatinarabic",
    "iso8859-7": "iso-8859-7 iso8859-7 iso88597 iso_8859-7 greek greek8 csisolatingreek",
    "iso8859-8": "iso-8859-8 iso8859-8 iso88598 iso_8859-8 hebrew csisolatinhebrew iso-8859-8-i",
    "iso8859-10": "iso-8859-10 iso8859-10 iso885910 latin6 l6 csisolatin6",
    "iso8859-13": "iso-8859-13 iso8859-13 iso885913",
    "iso8859-14": "iso-8859-14 iso8859-14 iso885914",
    "iso8859-15": "iso-8859-15 iso8859-15 iso885915 iso_8859-15 l9 latin9 csisolatin9",
    "iso8859-16": "iso-8859-16 iso8859-16",
    "koi8-r": "koi8-r koi8 koi8_r cskoi8r koi",
    "koi8-u": "koi8-u koi8-ru",
    "mac-roman": "macintosh mac csmacintosh x-mac-roman",
    "mac-cyrillic": "x-mac-cyrillic x-mac-ukrainian",
    "cp866": "ibm866 866 cp866 csibm866",
}
_LABEL_TO_CODEC = {label: codec for codec, labels in _LABELS.items() for label in labels.split()}

# Codecs that share ASCII's byte values, so an ASCII-only body decodes identically.
_WIDE = {"utf-16-le", "utf-16-be", "utf-32-le", "utf-32-be"}  # every ASCII character holds NUL bytes
_NOT_ASCII_SAFE = _WIDE | {"hz", "iso2022_jp", "iso2022_kr"}
# Multi-byte CJK codecs: their readings can be judged by how common the characters are.
_CJK = {"gb18030", "big5hkscs", "cp932", "euc_jp", "cp949", "hz", "iso2022_jp", "iso2022_kr"}


def normalise_charset_label(label: str) -> str | None:
    """Map a charset label to the Python codec we decode it with; None if unknown."""
    if not label:
        return None
    key = label.strip().strip("\"'").strip().lower().replace(" ", "")
    return _LABEL_TO_CODEC.get(key)


# -- declarations -------------------------------------------------------------

_META_SCAN = 4096  # bytes of the head always scanned for <meta>
_META_SCAN_MAX = 16384  # scanned further while no <body> or </head> has been seen
_HEAD_END = re.compile(rb"</head\s*>|<body[\s>]", re.I)
_COMMENT_OR_SCRIPT = re.compile(rb"<!--.*?(?:-->|\Z)|<script\b.*?(?:</script\s*>|\Z)", re.I | re.S)
_META_CHARSET = re.compile(
    rb"<meta\b[^>]*?\bcharset\s*=\s*[\"']?\s*([^\s\"'>;/,]+)", re.I
)
_XML_DECL = re.compile(rb"\A\s*<\?xml\b[^>]*?\bencoding\s*=\s*[\"']([^\"'>\s]+)", re.I)
_HEADER_CHARSET = re.compile(r"charset\s*=\s*[\"']?\s*([^\s\"';,]+)", re.I)


def sniff_meta_charset(head_bytes: bytes) -> str | None:
    """The charset label a document declares in markup, as written (lower-cased), or None.

    Looks at ``<meta charset>`` and ``<meta http-equiv content="...; charset=...">``
    in the head (at least 4 KB, up to 16 KB while the head has not ended), skipping
    comments and scripts; falls back to an ``<?xml encoding=...?>`` declaration.
    A CleanEval-style ``<text ... encoding="...">`` wrapper is not a declaration.
    """
    head = bytes(head_bytes[:_META_SCAN_MAX])
    end = _HEAD_END.search(head)
    if end is not None:  # past 4 KB, only the head counts
        head = head[: max(_META_SCAN, end.start())]
    head = _COMMENT_OR_SCRIPT.sub(b" ", head)
    m = _META_CHARSET.search(head) or _XML_DECL.search(head)
    if m is None:
        return None
    return m.group(1).decode("ascii", "replace").strip().lower() or None


def _header_charset(headers: Mapping[Any, Any] | None) -> str | None:
    """The charset label of the Content-Type header (Scrapy-style bytes/list values too)."""
    value = header(headers, "Content-Type")
    if not value:
        return None
    m = _HEADER_CHARSET.search(value)
    return m.group(1).strip().lower() if m else None


def _sniff_bom(body: bytes) -> tuple[str | None, int]:
    for bom, codec in BOMS:
        if body.startswith(bom):
            if codec.startswith("utf-32"):
                try:  # FF FE 00 00 is also UTF-16LE's BOM before a NUL: take UTF-32 only if it decodes
                    body[4:].decode(codec)
                except UnicodeDecodeError:
                    continue
            return codec, len(bom)
    return None, 0


# -- judging a reading --------------------------------------------------------


@lru_cache(maxsize=1)
def _common_han() -> frozenset[str]:
    """Everyday Han characters: GB2312 level 1, Big5 level 1 and JIS X 0208 level 1.

    Built from the codecs themselves, so no data file is needed.
    """
    chars: set[str] = set()

    def add(codec: str, leads: range, trails: list[int]) -> None:
        for lead in leads:
            for trail in trails:
                try:
                    c = bytes((lead, trail)).decode(codec)
                except UnicodeDecodeError:
                    continue
                if len(c) == 1 and _is_han(c):
                    chars.add(c)

    high = list(range(0xA1, 0xFF))
    add("gb2312", range(0xB0, 0xD8), high)
    add("big5", range(0xA4, 0xC7), list(range(0x40, 0x7F)) + high)
    add("euc_jp", range(0xB0, 0xD0), high)
    return frozenset(chars)


def _is_han(c: str) -> bool:
    return "\u3400" <= c <= "\u9fff" or "\uf900" <= c <= "\ufaff" or c >= "\U00020000"


# Characters a CJK reading is judged on: Han, kana, hangul, private use, U+FFFD.
_JUDGED = re.compile(
    "[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7a3\ue000-\uf8ff\uf900-\ufaff\ufffd"
    "\U00020000-\U0003ffff]+"
)
_JUDGE_CHARS = 8000  # judged characters per reading: plenty of evidence, bounded work


@lru_cache(maxsize=1)
def _good_table() -> dict[int, None]:
    """str.translate table deleting the good characters, so counting them runs in C."""
    good = set(_common_han())
    good.update(map(chr, range(0x3040, 0x3100)))  # kana
    good.update(map(chr, range(0xAC00, 0xD7A4)))  # hangul syllables
    return dict.fromkeys(map(ord, good))


def _plausibility(text: str) -> tuple[int, int]:
    """(good, judged): judged are Han, kana, hangul, private-use and U+FFFD characters;
    good are common Han, kana and hangul. Punctuation and Latin letters are neutral.
    """
    runs: list[str] = []
    n = 0
    for m in _JUDGED.finditer(text):
        runs.append(m.group())
        n += len(runs[-1])
        if n >= _JUDGE_CHARS:
            break
    judged = "".join(runs)
    return len(judged) - len(judged.translate(_good_table())), len(judged)


@dataclass
class _Reading:
    codec: str
    text: str
    errors: int  # U+FFFD introduced by decoding
    non_ascii: int  # non-ASCII characters in the text (a scale for `errors`)
    good: int
    judged: int

    @property
    def err_rate(self) -> float:
        return self.errors / max(1, self.non_ascii)

    @property
    def plausible(self) -> bool:
        # Too few ideographs to judge counts as plausible: the error check decides.
        return self.judged < 8 or self.good >= 0.6 * self.judged

    @property
    def plaus(self) -> float:
        # Smoothed towards 0.5 so that a handful of characters is weak evidence.
        return (self.good + 2.0) / (self.judged + 4.0)


def _decode(body: bytes, codec: str) -> tuple[str, int]:
    """Decode with replacement; count the U+FFFD that decoding introduced."""
    try:
        return body.decode(codec), 0
    except UnicodeDecodeError:
        pass
    text = body.decode(codec, "replace")
    found = text.count("\ufffd")
    try:  # U+FFFD already encoded in the bytes is content, not a decoding error.
        marker = "\ufffd".encode(codec)
    except UnicodeEncodeError:
        marker = b""
    literal = body.count(marker) if marker else 0
    return text, max(0, found - literal)


def _read(body: bytes, codec: str) -> _Reading:
    text, errors = _decode(body, codec)
    non_ascii = len(text) - len(text.encode("ascii", "ignore"))
    good, judged = _plausibility(text) if codec in _CJK or codec.startswith("utf") else (0, 0)
    return _Reading(codec, text, errors, non_ascii, good, judged)


def _clean_enough(r: _Reading) -> bool:
    """Decodes strictly, or with a very few errors (a couple of broken GB sequences)."""
    return r.errors * 500 <= r.non_ascii and r.plausible


# -- detector -----------------------------------------------------------------

_TAG = re.compile(rb"<(?:script|style)\b.*?</(?:script|style)\s*>|<[^>]*>", re.I | re.S)
_DETECT_INPUT = 262144  # bytes stripped of markup before sampling
_DETECT_SAMPLE = 32768  # bytes handed to chardet: text-dense after stripping tags


def _detect(body: bytes) -> tuple[str | None, float | None, str | None]:
    """chardet on a bounded sample with markup removed: (codec, confidence, raw name).

    Stripping tags makes the guess rest on the text rather than echo a <meta> label
    (chardet honours those) and keeps the sample dense. Safe for GBK/Big5/SJIS: no
    trail byte is ever '<' or '>'.
    """
    sample = _TAG.sub(b" ", body[:_DETECT_INPUT])[:_DETECT_SAMPLE]
    if not sample.strip():
        sample = body[:_DETECT_SAMPLE]
    try:
        res = chardet.detect(sample, compat_names=False, prefer_superset=True)
    except (IndexError, ValueError, LookupError):  # the detector's own failures on odd bytes
        return None, None, None
    raw = res.get("encoding")
    if not raw:
        return None, None, None
    codec = normalise_charset_label(raw)
    if codec is None:
        try:
            codec = codecs.lookup(raw).name
            b"".decode(codec)
        except (LookupError, TypeError):
            codec = None
    conf = res.get("confidence")
    conf = None if conf is None else round(min(1.0, max(0.0, float(conf))), 3)
    return codec, conf, raw


# -- decode_body --------------------------------------------------------------

_DECLARED_MAX_ERR = 0.3  # a declared CJK charset is kept with up to this share of broken sequences
_DECLARED_BONUS = 0.1  # a declaration that fits is preferred over an equal guess
_GB_PRIOR = 0.02  # Chinese education/government pages: GB wins ties
_ERR_WEIGHT = 5.0  # 1% undecodable characters costs 0.05 of plausibility
_DETECTOR_WEIGHT = 0.05  # times chardet's confidence
_WEB_DEFAULT = 0.01  # cp1252 beats a single-byte guess made with under 20% confidence


def _as_declared(label: str | None) -> str | None:
    return label.strip().strip("'\"").lower() or None if label else None


def decode_body(body: bytes, headers: Mapping[str, str] | None = None) -> tuple[str, EncodingReport]:
    """Decode a page's raw bytes. Never raises; see the module docstring for the rules."""
    body = bytes(body or b"")
    notes: list[str] = []

    http_raw = _header_charset(headers)
    http = _label(http_raw, "header", notes)
    meta_raw = sniff_meta_charset(body[:_META_SCAN_MAX])
    meta = _label(meta_raw, "meta", notes)
    if meta in _WIDE:
        # A <meta> readable as ASCII cannot truthfully say UTF-16/32 (WHATWG: means utf-8).
        notes.append(f"meta {meta_raw} read as utf-8")
        meta = "utf-8"
    bom, bom_len = _sniff_bom(body)

    # The report keeps the labels as the page declared them; `used` says what they meant.
    report = EncodingReport(used="utf-8", http=_as_declared(http_raw), meta=_as_declared(meta_raw), bom=bom)

    def done(text: str, used: str, errors: int, reason: str) -> tuple[str, EncodingReport]:
        report.used = used
        report.replacement_chars = errors
        report.reason = "; ".join([reason, *notes])
        return text, report

    if not body:
        return done("", "utf-8", 0, "empty body")

    # A BOM is deliberate and rarely wrong (WHATWG: it overrides everything).
    if bom is not None:
        text, errors = _decode(body[bom_len:], bom)
        return done(text, bom, errors, f"{bom} byte-order mark")

    # UTF-16/32 without a BOM: the NUL bytes give the width and byte order away, and
    # the <meta> (itself in UTF-16/32) can only be read once the head is decoded.
    wide = wide_codec(body)
    if wide is not None:
        text, errors = _decode(body[: len(body) - len(body) % (4 if "32" in wide else 2)], wide)
        meta_raw = sniff_meta_charset(text[:_META_SCAN_MAX].encode("latin-1", "replace"))
        report.meta = _as_declared(meta_raw)
        declared_wide = [_says(src, raw, codec) for src, raw, codec in
                         (("header", http_raw, http), ("meta", meta_raw, normalise_charset_label(meta_raw or "")))
                         if codec]
        says = f"; {'; '.join(declared_wide)}" if declared_wide else ""
        report.detected = wide
        return done(text, wide, errors, f"NUL-byte pattern of {wide}{says}")

    declared = [
        (src, raw, codec)
        for src, raw, codec in (("header", http_raw, http), ("meta", meta_raw, meta))
        if codec
    ]

    if body.isascii() and b"\x1b" not in body:  # ESC would mean ISO-2022
        report.detected = "ascii"
        for src, raw, codec in declared:
            if codec not in _NOT_ASCII_SAFE:
                return done(body.decode("ascii"), codec, 0, f"ASCII-only bytes; {_says(src, raw, codec)}")
            if codec == "hz":  # 7-bit: ~{ ... ~} shifts carry the Chinese text
                try:
                    return done(body.decode("hz"), "hz", 0, f"{_says(src, raw, codec)}; bytes verified")
                except UnicodeDecodeError:
                    pass
        misfit = "; declared label does not fit" if declared else ""
        return done(body.decode("ascii"), "ascii", 0, f"ASCII-only bytes{misfit}")

    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError:
        pass
    else:
        if not body.isascii():
            report.detected = "utf-8"
            lies = [_says(src, raw, codec) for src, raw, codec in declared if codec != "utf-8"]
            reason = "bytes are valid UTF-8" + (f" ({'; '.join(lies)}: ignored)" if lies else "")
            return done(text, "utf-8", 0, reason)

    # Declared labels, in precedence order: the first that fits the bytes is used.
    readings: dict[str, _Reading] = {}

    def read(codec: str) -> _Reading:
        if codec not in readings:
            readings[codec] = _read(body, codec)
        return readings[codec]

    rejected: list[str] = []
    for src, raw, codec in declared:
        if codec in _WIDE and b"\x00" not in body[:4096]:
            rejected.append(f"{_says(src, raw, codec)} but there are no NUL bytes")
            continue
        r = read(codec)
        if _clean_enough(r) and (codec in _CJK or codec.startswith("utf") or not _looks_cjk(read)):
            verdict = "bytes verified" if r.errors == 0 else f"{r.errors} undecodable byte sequence(s)"
            prefix = "; ".join(rejected + [f"{_says(src, raw, codec)}"])
            return done(r.text, codec, r.errors, f"{prefix}; {verdict}")
        rejected.append(_why_not(src, raw, codec, r))

    head = "; ".join(rejected) if rejected else "no declaration"

    # UTF-8 with a cut-off tail or a stray broken byte: GBK is never this close to UTF-8.
    u8 = read("utf-8")
    if u8.judged >= 20 and _clean_enough(u8):
        report.detected = "utf-8"
        return done(u8.text, "utf-8", u8.errors, f"{head}; nearly valid UTF-8 ({u8.errors} replacement(s))")

    # A declared multi-byte charset whose reading is plausible despite a few broken
    # sequences (a cut or corrupted page) is kept: a single-byte guess would turn the
    # whole page into mojibake to avoid a handful of U+FFFD.
    for src, raw, codec in declared:
        r = read(codec)
        if codec in _CJK and _mostly_fits(r, _DECLARED_MAX_ERR):
            report.detected = report.detected or codec
            return done(r.text, codec, r.errors, f"{head}; keeping the declared {codec}: "
                        f"{r.errors} undecodable byte sequence(s) replaced")

    # The common case on Chinese sites: undeclared (or mislabelled) GBK. A strict
    # gb18030 decode into everyday characters settles it without the detector.
    gb = read("gb18030")
    if gb.errors == 0 and gb.judged >= 20 and gb.good >= 0.9 * gb.judged:
        report.detected = "gb18030"
        return done(gb.text, "gb18030", 0, f"{head}; gb18030 decodes strictly to common Chinese")

    # Otherwise score every reading: declared labels, the usual suspects, the detector's guess.
    det, conf, det_raw = _detect(body)
    report.detected, report.confidence = det, conf
    bonus: dict[str, float] = {}
    for i, (_, _, codec) in enumerate(declared):
        if codec not in _WIDE or b"\x00" in body[:4096]:
            bonus.setdefault(codec, _DECLARED_BONUS / (i + 1))
    for codec in ("gb18030", "utf-8", "big5hkscs", "cp1252"):
        bonus.setdefault(codec, 0.0)
    bonus["gb18030"] += _GB_PRIOR
    bonus["cp1252"] += _WEB_DEFAULT
    if det is not None:
        bonus[det] = bonus.get(det, 0.0) + _DETECTOR_WEIGHT * (conf or 0.0)

    # Bytes that read as plausible CJK text with a few errors are not a single-byte page.
    cjk_fit = any(_mostly_fits(read(codec)) for codec in bonus if codec in _CJK)
    best, best_score = None, float("-inf")
    for codec, b in bonus.items():
        if cjk_fit and codec not in _CJK and not codec.startswith("utf"):
            continue
        try:
            r = read(codec)
        except (LookupError, TypeError, ValueError):  # exotic detector codecs
            continue
        score = r.plaus - _ERR_WEIGHT * r.err_rate + b
        if score > best_score:
            best, best_score = r, score
    if best is None:  # unreachable in practice: gb18030 always decodes with replacement
        text, errors = _decode(body, "cp1252")
        return done(text, "cp1252", errors, f"{head}; no reading fits; fallback cp1252")

    det_note = f"detector says {det_raw} ({conf})" if det_raw else "detector has no answer"
    quality = "decodes cleanly" if best.errors == 0 else f"{best.errors} replacement(s)"
    return done(best.text, best.codec, best.errors, f"{head}; {det_note}; {best.codec} {quality}")


def _mostly_fits(r: _Reading, max_err_rate: float = 0.1) -> bool:
    """A multi-byte reading whose decodable part is everyday text, with at most
    `max_err_rate` broken sequences per non-ASCII character."""
    decoded = r.judged - min(r.errors, r.judged)
    return decoded >= 8 and r.err_rate <= max_err_rate and r.good >= 0.8 * decoded


def _looks_cjk(read) -> bool:
    """Would gb18030 or big5hkscs read these bytes as plausible Chinese? (vetoes single-byte labels)."""
    for codec in ("gb18030", "big5hkscs"):
        r = read(codec)
        if r.judged >= 10 and r.err_rate <= 0.01 and r.good >= 0.8 * r.judged:
            return True
    return False


def _label(raw: str | None, src: str, notes: list[str]) -> str | None:
    if raw is None:
        return None
    codec = normalise_charset_label(raw)
    if codec is None:
        notes.append(f"unknown {src} charset {raw!r} ignored")
    return codec


def _says(src: str, raw: str | None, codec: str) -> str:
    if raw is not None and raw.lower() != codec:
        return f"{src} declares {raw} (decoded as {codec})"
    return f"{src} declares {codec}"


def _why_not(src: str, raw: str | None, codec: str, r: _Reading) -> str:
    if codec == "utf-8":
        return f"{_says(src, raw, codec)} but bytes are not valid UTF-8"
    if r.errors * 500 > r.non_ascii:
        return f"{_says(src, raw, codec)} but {r.errors} byte sequences do not decode"
    if not r.plausible:
        return f"{_says(src, raw, codec)} but the text it gives is implausible"
    return f"{_says(src, raw, codec)} but the bytes look like Chinese"
