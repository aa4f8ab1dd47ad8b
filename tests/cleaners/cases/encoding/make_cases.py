"""Regenerate the encoding test cases: raw page bytes plus cases.json.

Run from anywhere: python tests/cases/encoding/make_cases.py
Each page is built as text, then encoded (sometimes deliberately wrongly
labelled or damaged) exactly as a misconfigured site would serve it.
"""

from __future__ import annotations

import codecs
import json
from pathlib import Path

HERE = Path(__file__).resolve().parent

TITLE = "教育部办公厅关于建立健全义务教育控辍保学工作机制的通知"
PARAS = [
    "2021年全國教育工作会议召开，会议总结了“十三五”期间教育改革发展的成就。",
    "各省、自治区、直辖市教育厅（教委），新疆生产建设兵团教育局：",
    "为深入贯彻党的十九届五中全会精神，巩固义务教育普及成果，现就有关事项通知如下。",
    "一、健全控辍保学工作责任体系，落实县级人民政府主体责任。",
    "二、加强学籍管理和信息比对，及时发现辍学学生并做好劝返复学工作。",
    "教育部办公厅 2021年1月8日",
]
# Characters outside GB2312 that real pages labelled gb2312 carry anyway.
GBK_ONLY = "朱镕基同志、王堃、李喆在國務院会议上发言。"
TRAD = [
    "教育局公佈2021年度學校教育工作重點，推動優質教育發展。",
    "各校應加強學生輔導工作，落實控輟保學機制，確保學童完成義務教育。",
]
HKSCS = "老師話今日嘅功課要做啲練習。"  # 嘅 and 啲 exist only in HKSCS, not plain Big5
JAPANESE = "文部科学省は、令和三年度の学校教育に関する通知を発表しました。"
KOREAN = "교육부는 2021년 학교 교육 계획을 발표했습니다."
ENGLISH = "The Ministry of Education’s “Double Reduction” policy took effect; the café closed early."


def page(paras: list[str], head: str = "", title: str = TITLE, lang: str = "zh-CN") -> str:
    body = "\n".join(f"<p>{p}</p>" for p in paras)
    return (
        f'<!DOCTYPE html>\n<html lang="{lang}">\n<head>\n{head}<title>{title}</title>\n</head>\n'
        f'<body>\n<div class="article">\n<h1>{title}</h1>\n{body}\n</div>\n</body>\n</html>\n'
    )


def meta(charset: str) -> str:
    return f'<meta http-equiv="Content-Type" content="text/html; charset={charset}">\n'


def ct(charset: str | None) -> dict[str, str]:
    return {"Content-Type": "text/html" + (f"; charset={charset}" if charset else "")}


def build() -> list[dict]:
    zh = PARAS
    cases: list[dict] = []

    def add(name, data: bytes, headers, used, expect, max_repl=0, min_repl=0, **extra):
        cases.append(
            {"name": name, "file": f"{name}.html", "headers": headers, "used": used,
             "expect_text": expect, "max_replacement_chars": max_repl, **extra, "_bytes": data}
        )
        if min_repl:
            cases[-1]["min_replacement_chars"] = min_repl

    for ch in "镕堃喆":  # the case only means something if these are GBK-only
        try:
            ch.encode("gb2312")
        except UnicodeEncodeError:
            pass
        else:
            raise AssertionError(f"{ch} is in GB2312")

    # Declared labels are reported as written; `used` says what they meant.
    add("gb2312_meta_gbk_chars", page([GBK_ONLY, *zh], meta("gb2312")).encode("gbk"), {},
        "gb18030", "朱镕基同志、王堃、李喆在國務院", meta="gb2312")
    add("lying_header_utf8_gbk_bytes", page(zh).encode("gbk"), ct("utf-8"),
        "gb18030", "2021年全國教育工作会议召开", http="utf-8")
    add("lying_meta_gb2312_utf8_bytes", page([GBK_ONLY, *zh], meta("gb2312")).encode("utf-8"), {},
        "utf-8", "2021年全國教育工作会议召开", meta="gb2312")
    add("undeclared_gbk", page(zh).encode("gbk"), ct(None),
        "gb18030", "义务教育控辍保学工作机制")
    add("undeclared_gbk_short", page([zh[0]], title="通知").encode("gbk"), {},
        "gb18030", "全國教育工作会议")
    add("undeclared_utf8", page(zh).encode("utf-8"), {},
        "utf-8", "义务教育控辍保学工作机制")
    add("utf8_bom_lying_meta", codecs.BOM_UTF8 + page(zh, meta("gb2312")).encode("utf-8"), {},
        "utf-8", "义务教育控辍保学工作机制", bom="utf-8")
    add("utf16le_bom", codecs.BOM_UTF16_LE + page(zh, '<meta charset="utf-16">\n').encode("utf-16-le"), {},
        "utf-16-le", "义务教育控辍保学工作机制", bom="utf-16-le")
    for ch in "嘅啲":  # HKSCS-only: plain big5 would lose them
        try:
            ch.encode("big5")
        except UnicodeEncodeError:
            pass
        else:
            raise AssertionError(f"{ch} is in Big5")

    add("big5_meta", page(TRAD, meta("big5"), title="教育局公佈學校工作重點", lang="zh-TW").encode("big5"),
        {}, "big5hkscs", "落實控輟保學機制", meta="big5")
    add("big5_meta_hkscs_char", page([HKSCS, *TRAD], meta("big5"), title="功課", lang="zh-HK").encode("big5hkscs"),
        {}, "big5hkscs", HKSCS, meta="big5")
    add("undeclared_big5", page(TRAD, title="教育局公佈學校工作重點", lang="zh-TW").encode("big5"),
        {}, "big5hkscs", "確保學童完成義務教育")
    # Invalid GB sequences mid-page (a lead byte cut off by ASCII), no declaration:
    # a detector guesses a DOS code page here; gb18030 with replacements is right.
    parts = [p.encode("gbk") for p in zh]
    broken = b"\xb9<".join(parts[:2]) + b"\xd6 " + b"\n".join(parts[2:4]) + b"\xc1," + b"\n".join(parts[4:])
    html = page(["@@"]).encode("gbk").replace(b"@@", broken)
    add("broken_gb_bytes_undeclared", html, {}, "gb18030", "巩固义务教育普及成果", max_repl=3)
    add("nonsense_label", page(zh, meta("foo-bar")).encode("gbk"), ct("foo-bar"),
        "gb18030", "巩固义务教育普及成果", reason_contains="foo-bar", http="foo-bar", meta="foo-bar")
    add("header_utf8_meta_gbk_gbk_bytes", page(zh, meta("gbk")).encode("gbk"), ct("utf-8"),
        "gb18030", "巩固义务教育普及成果", http="utf-8", meta="gbk")
    add("header_gbk_meta_utf8_utf8_bytes", page(zh, meta("utf-8")).encode("utf-8"), ct("gbk"),
        "utf-8", "巩固义务教育普及成果", http="gbk", meta="utf-8")
    # Apache's default "charset=ISO-8859-1" over a GB page that declares itself correctly.
    add("header_latin1_meta_gb2312", page(zh, meta("gb2312")).encode("gbk"), ct("ISO-8859-1"),
        "gb18030", "巩固义务教育普及成果", http="iso-8859-1", meta="gb2312")
    add("header_latin1_gbk_no_meta", page(zh).encode("gbk"), ct("ISO-8859-1"),
        "gb18030", "巩固义务教育普及成果", http="iso-8859-1")
    add("gb2312_meta_big5_bytes", page(TRAD, meta("gb2312"), title="學校工作重點", lang="zh-TW").encode("big5"),
        {}, "big5hkscs", "落實控輟保學機制", meta="gb2312")
    # A body cut off mid-character (a truncated download) under a gb2312 label.
    cut = page(zh, meta("gb2312")).encode("utf-8")
    cut = cut[: cut.index("普及成果".encode("utf-8")) + 4]
    add("utf8_truncated_gb2312_meta", cut, {}, "utf-8", "巩固义务教育", max_repl=1, meta="gb2312")
    add("windows1252_english", page([ENGLISH], meta("iso-8859-1"), title="Double Reduction", lang="en").encode("cp1252"),
        ct("iso-8859-1"), "cp1252", "“Double Reduction” policy took effect; the café", http="iso-8859-1")
    add("shift_jis_declared", page([JAPANESE], meta("Shift_JIS"), title="文部科学省", lang="ja").encode("shift_jis"),
        {}, "cp932", JAPANESE, meta="shift_jis")
    add("shift_jis_undeclared", page([JAPANESE, JAPANESE], title="文部科学省", lang="ja").encode("shift_jis"),
        {}, "cp932", JAPANESE)
    add("windows1252_undeclared", page([ENGLISH], title="Double Reduction", lang="en").encode("cp1252"),
        {}, "cp1252", "“Double Reduction” policy took effect; the café")
    add("euc_kr_declared", page([KOREAN], meta("euc-kr"), title="교육부", lang="ko").encode("euc-kr"),
        ct("EUC-KR"), "cp949", KOREAN, http="euc-kr")
    add("ascii_only_gbk_label", page(["Notice of the Ministry of Education, 2021-01-08."], meta("gbk"),
                                     title="Notice", lang="en").encode("ascii"),
        {}, "gb18030", "Notice of the Ministry of Education", meta="gbk")
    # Every byte-order mark, and UTF-16/32 without one (the <meta> is then itself in UTF-16/32).
    for codec in ("utf-16-be", "utf-32-le", "utf-32-be"):
        bom = {"utf-16-be": codecs.BOM_UTF16_BE, "utf-32-le": codecs.BOM_UTF32_LE,
               "utf-32-be": codecs.BOM_UTF32_BE}[codec]
        add(f"{codec.replace('-', '')}_bom", bom + page(zh).encode(codec), {},
            codec, "义务教育控辍保学工作机制", bom=codec)
    add("utf16be_meta_no_bom", page(zh, meta("utf-16be")).encode("utf-16-be"), {},
        "utf-16-be", "义务教育控辍保学工作机制", meta="utf-16be")
    add("utf16le_meta_no_bom", page(zh, '<meta charset="utf-16">\n').encode("utf-16-le"), {},
        "utf-16-le", "义务教育控辍保学工作机制", meta="utf-16")
    add("utf32le_header_no_bom", page(zh).encode("utf-32-le"), ct("utf-32"),
        "utf-32-le", "义务教育控辍保学工作机制", http="utf-32")
    # Declared legacy charsets with a few broken sequences (a lead byte cut off by ASCII):
    # the declared family is kept and the replacements are counted, on short pages too.
    for name, label, codec, used, paras, lang in (
        ("gb2312", "gb2312", "gbk", "gb18030", [zh[2]], "zh-CN"),
        ("gbk", "gbk", "gbk", "gb18030", [GBK_ONLY], "zh-CN"),
        ("big5", "big5", "big5", "big5hkscs", [TRAD[1]], "zh-TW"),
        ("shift_jis", "shift_jis", "cp932", "cp932", [JAPANESE], "ja"),
        ("euc_kr", "euc-kr", "cp949", "cp949", [KOREAN], "ko"),
    ):
        text = paras[0]
        body = page(["@@"], meta(label), title="通知", lang=lang).encode(codec)
        chunks = [text[i:i + 6].encode(codec) for i in range(0, len(text), 6)]
        broken = b"\x81 ".join(chunks[:4]) + b"".join(chunks[4:])  # three broken sequences
        expect = text[12:18] if len(text) >= 18 else text[:6]
        add(f"{name}_meta_broken_bytes", body.replace(b"@@", broken), {}, used, expect,
            max_repl=4, min_repl=1, meta=label)
    return cases


def main() -> None:
    cases = build()
    for case in cases:
        (HERE / case["file"]).write_bytes(case.pop("_bytes"))
    (HERE / "cases.json").write_text(json.dumps(cases, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    print(f"wrote {len(cases)} cases to {HERE}")


if __name__ == "__main__":
    main()
