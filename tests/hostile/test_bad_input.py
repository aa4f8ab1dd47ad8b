"""Bad input by class (#10): every encoding attack of tests/hostile/bad_input.py gives a
record in the right codec, with broken bytes counted; the CLI gives one line per input."""

from __future__ import annotations

import pytest

from cleaners import clean_page

from .bad_input import encoding_cases, run_cli_inputs

CASES = encoding_cases()


@pytest.mark.parametrize("name,body,headers,expected", CASES, ids=[c[0] for c in CASES])
def test_encoding_attack_gives_a_record_in_the_right_codec(name, body, headers, expected):
    record = clean_page(body, "http://www.moe.gov.cn/a/t20210108_1.html", headers)
    assert record.encoding.used == expected, record.encoding.reason
    if "broken" in name:
        assert 1 <= record.encoding.replacement_chars <= 2 * 5 * 2, record.encoding.reason
    else:
        assert record.encoding.replacement_chars == 0


def test_cli_gives_one_line_per_input_and_no_traceback(tmp_path):
    out = run_cli_inputs(tmp_path)
    assert out["lines"] == out["inputs"] and out["valid_utf8_json"] and out["tracebacks"] == 0
    assert out["head_exit"] == 141 and out["head_stderr"] == ""
