"""Document line cleaning: page numbers, running headers and footers, lines broken by the page width."""

from cleaners.documents.lines import clean_document_text

P1 = "湖北省教育厅文件\n关于做好2025年普通高校招生工作的通知\n各市、州教育局，各高等学校：\n- 1 -"
P2 = "湖北省教育厅文件\n根据教育部有关规定，现就做好我省2025年普通高校招生工作通知如下。\n- 2 -"
P3 = "湖北省教育厅文件\n一、严格执行招生政策\n第3页 共3页"


def test_page_numbers_and_running_headers_go():
    text, counts = clean_document_text([P1, P2, P3])
    assert text.split("\n") == ["关于做好2025年普通高校招生工作的通知", "各市、州教育局，各高等学校：",
                                "根据教育部有关规定，现就做好我省2025年普通高校招生工作通知如下。", "一、严格执行招生政策"]
    assert counts == {"running_headers": 3, "page_numbers": 3}


def test_a_line_seen_on_few_pages_or_a_number_inside_the_text_stays():
    pages = ["标题\n正文第一段。\n2025", "其他\n正文第二段。", "更多\n正文第三段。", "还有\n正文第四段。"]
    text, counts = clean_document_text(pages)
    assert "标题" in text and "其他" in text  # first lines that differ are no running header
    assert counts.get("running_headers") is None
    text, _ = clean_document_text(["一、总体要求\n到2025年\n建成100所示范学校。"])
    assert "到2025年" in text  # a number inside a sentence's lines is not a page number


def test_full_width_and_other_spaces_are_normalised():
    text, _ = clean_document_text(["\u3000\u3000各学院：\u00a0请于\t3月15日前报送。  \n\n\n"])
    assert text == "各学院： 请于 3月15日前报送。"


def test_lines_broken_by_the_page_width_are_joined_but_not_sentences_or_headings():
    width = "现将有关事项通知如下请各单位结合实际认真组织实施确保"  # 26 characters: a full line
    pages = [f"{width}\n各项工作落到实处。\n一、总体要求\n{width}\n", f"{width}\n取得实效。\n（一）基本原则"]
    text, counts = clean_document_text(pages, printed=True)
    assert text.split("\n") == [width + "各项工作落到实处。", "一、总体要求", width + width + "取得实效。", "（一）基本原则"]
    assert counts["lines_joined"] == 3
    # without joining (DOCX, sheets: their lines are the author's), nothing is joined
    text, counts = clean_document_text(pages)
    assert len(text.split("\n")) == 7 and "lines_joined" not in counts


def test_short_lines_are_never_joined():
    text, _ = clean_document_text(["联系人：张明\n电话：027-12345678\n邮箱：a@b.cn"], printed=True)
    assert text.split("\n") == ["联系人：张明", "电话：027-12345678", "邮箱：a@b.cn"]


def test_letter_spaced_pdf_lines_are_closed_up():
    """What pdfminer gives for justified or letter-spaced text: one space per letter, more per word."""
    line = "各 学 院 要 高 度 重 视 此 项 工 作 ， 指 定 专 人 负 责   2 0 2 5   年   P l a n   B   方 案 。"
    text, counts = clean_document_text([line], printed=True)
    assert text == "各学院要高度重视此项工作，指定专人负责 2025 年 Plan B 方案。"
    assert counts["letter_spaced_lines"] == 1
    # English and numbers as written stay as they are; a stray space between Chinese characters goes
    text, counts = clean_document_text(["The 2025 plan: 3 4 5 items.\n教育 部 办公厅 关于 印发"], printed=True)
    assert text.split("\n") == ["The 2025 plan: 3 4 5 items.", "教育部办公厅关于印发"]
    assert counts == {"cjk_spaces_removed": 4}
    # not for formats whose spaces are the author's
    assert clean_document_text(["教育 部"])[0] == "教育 部"
