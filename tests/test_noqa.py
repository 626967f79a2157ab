"""noqa comments, flake8 semantics, without the engine."""
from __future__ import annotations

from typing import List, Optional

import pytest

from flaskmongo_lint.findings import Finding
from flaskmongo_lint.noqa import filter_findings, parse_directive


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
