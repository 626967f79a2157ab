"""noqa comments, flake8 semantics, without the engine."""
from __future__ import annotations

from typing import List, Optional

import pytest

from flaskmongo_lint.findings import Finding
from flaskmongo_lint.noqa import filter_findings, parse_directive, unused_noqa


@pytest.mark.parametrize(
    "comment, expected",
    [
        ("# noqa", frozenset()),
        ("# NOQA", frozenset()),
        ("#noqa", frozenset()),
        ("# noqa: FM101", frozenset({"FM101"})),
        ("# noqa:FM101,FM203", frozenset({"FM101", "FM203"})),
        ("# noqa: FM101 FM203", frozenset({"FM101", "FM203"})),
        ("# noqa: fm101, FM2", frozenset({"FM101", "FM2"})),
        ("# noqa: because reasons", frozenset()),  # flake8: no code after the colon = bare
        ("# type: ignore  # noqa: FM3", frozenset({"FM3"})),
        ("# no qa", None),
        ("# nothing to see", None),
    ],
)
def test_parse_directive(comment: str, expected: Optional[frozenset]) -> None:
    assert parse_directive(comment) == expected


def _codes(findings: List[Finding]) -> List[str]:
    return [f.code for f in findings]


def _findings(*codes_on_lines: "tuple[int, str]") -> List[Finding]:
    return [Finding("x.py", line, 1, code, "m") for line, code in codes_on_lines]


SOURCE = (
    "a = 1  # noqa\n"
    "b = 2  # noqa: FM1\n"
    "c = '# noqa'\n"
    "d = 4  # noqa: FM302,FM303\n"
    "e = 5\n"
)


def test_filter_findings() -> None:
    findings = _findings((1, "FM101"), (1, "FM000"), (2, "FM101"), (2, "FM301"), (3, "FM101"), (4, "FM303"), (5, "FM101"))
    kept = filter_findings(findings, SOURCE)
    assert [(f.line, f.code) for f in kept] == [(1, "FM000"), (2, "FM301"), (3, "FM101"), (5, "FM101")]


def test_untokenizable_source_falls_back_to_lines() -> None:
    source = "from flask import Flask\nx = (  # noqa: FM001\n"
    assert _codes(filter_findings(_findings((2, "FM001")), source)) == []
    assert _codes(filter_findings(_findings((1, "FM001")), source)) == ["FM001"]


def test_line_outside_the_file() -> None:
    assert _codes(filter_findings(_findings((99, "FM001")), "x = 1  # noqa\n")) == ["FM001"]


# ---------------------------------------------------------------------------------------------
# A noqa on any line of a multi-line statement


MULTI = (
    "doc = db.items.find_one(\n"  # 1
    "    {'_id': ObjectId(x)},\n"  # 2
    ")  # noqa: FM301\n"  # 3
    "def f(\n"  # 4
    "    a,  # noqa\n"  # 5
    "):\n"  # 6
    "    return a  # noqa: FM303\n"  # 7
    "y = '''\n"  # 8
    "text'''  # noqa: FM101\n"  # 9
)


def test_noqa_anywhere_in_a_statement_silences_findings_inside_it() -> None:
    findings = _findings((1, "FM101"), (2, "FM301"), (4, "FM101"), (7, "FM101"), (8, "FM101"))
    kept = filter_findings(findings, MULTI)
    # FM301 on line 2 is silenced by the noqa on line 3 (same statement); FM101 on line 1 is not
    # listed there. The def header (lines 4-6) carries a bare noqa; the body (line 7) is another
    # statement. The string statement (lines 8-9) carries its noqa on its last line.
    assert [(f.line, f.code) for f in kept] == [(1, "FM101"), (7, "FM101")]


def test_a_noqa_does_not_reach_the_next_statement() -> None:
    source = "a = 1  # noqa\nb = (\n  2)\n"
    assert _codes(filter_findings(_findings((2, "FM101"), (3, "FM101")), source)) == ["FM101", "FM101"]


# ---------------------------------------------------------------------------------------------
# FM002 unused-noqa


def _unused(findings: List[Finding], source: str) -> List[str]:
    return [f"{f.line}:{f.col} {f.message.split(':')[0]}" for f in unused_noqa(findings, source, "x.py")]


def test_unused_noqa_codes_are_reported_at_the_comment() -> None:
    source = (
        "a = 1  # noqa: FM101\n"  # used
        "b = 2  # noqa: FM101, FM301\n"  # FM301 unused
        "c = 3  # noqa: FM3\n"  # unused prefix
        "d = 4  # noqa\n"  # bare: never reported
        "e = 5  # noqa: E501, FM204\n"  # other tools' codes are left alone
        "f = (\n  6)  # noqa: FM303\n"  # used by a finding on the statement's first line
        "g = 7  # noqa: FM000\n"  # FM000 can never be silenced, so this does nothing
        "h = 8  # noqa: FM002\n"  # naming FM002 is never itself unused
    )
    findings = _findings((1, "FM101"), (2, "FM101"), (6, "FM303"), (8, "FM000"))
    assert _unused(findings, source) == [
        "2:8 unused noqa code FM301",
        "3:8 unused noqa code FM3",
        "5:8 unused noqa code FM204",
        "8:8 unused noqa code FM000",
    ]


def test_unused_noqa_lists_several_codes_and_spans_the_comment() -> None:
    source = "a = 1  # noqa: FM101,FM203\n"
    (finding,) = unused_noqa([], source, "x.py")
    assert finding.code == "FM002"
    assert finding.message.startswith("unused noqa codes FM101, FM203:")
    assert (finding.line, finding.col, finding.end_line, finding.end_col) == (1, 8, 1, len(source))


def test_no_unused_noqa_when_the_file_does_not_tokenize() -> None:
    assert unused_noqa([], "x = (  # noqa: FM101\n", "x.py") == []
