"""Every fixture under tests/fixtures/ lints to exactly the findings its comments announce.

A line that must be reported ends in ``# expect: CODE`` (``# expect: FM102,FM301`` for several,
a code twice if it is reported twice on the line). Every other line must stay silent. The
comparison is exact both ways: a missing finding and an extra one both fail, with the difference
printed.
"""
from __future__ import annotations

import re
from collections import Counter
from pathlib import Path
from typing import Counter as CounterType, List, Tuple

import pytest

from flaskmongo_lint.checker import check_source
from flaskmongo_lint.settings import AnalysisSettings

FIXTURES = Path(__file__).parent / "fixtures"
EXPECT = re.compile(r"#\s*expect:\s*([A-Z]+\d+(?:\s*,\s*[A-Z]+\d+)*)")


def fixture_files() -> List[Path]:
    return sorted(FIXTURES.rglob("*.py"))


def expected(source: str) -> CounterType[Tuple[int, str]]:
    out: CounterType[Tuple[int, str]] = Counter()
    for number, line in enumerate(source.splitlines(), 1):
        m = EXPECT.search(line)
        if m:
            for code in m.group(1).split(","):
                out[(number, code.strip())] += 1
    return out


def test_there_are_fixtures() -> None:
    assert len(fixture_files()) >= 5


@pytest.mark.parametrize("path", fixture_files(), ids=lambda p: str(p.relative_to(FIXTURES)))
def test_fixture(path: Path) -> None:
    source = path.read_bytes()
    findings = check_source(source, str(path), AnalysisSettings())
    got: CounterType[Tuple[int, str]] = Counter((f.line, f.code) for f in findings)
    want = expected(source.decode("utf-8"))
    missing = sorted((want - got).elements())
    extra = sorted((got - want).elements())
    messages = {(f.line, f.code): f.message for f in findings}
    assert not missing and not extra, (
        f"\nmissing (expected, not reported): {missing}"
        f"\nextra (reported, not expected): {[(k, messages.get(k)) for k in extra]}"
    )
