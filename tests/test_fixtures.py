"""Every fixture under tests/fixtures/ lints to exactly the findings its comments announce.

A line that must be reported ends in ``# expect: CODE`` (``# expect: FM102,FM301`` for several,
a code twice if it is reported twice on the line). Every other line must stay silent. The
comparison is exact both ways: a missing finding and an extra one both fail, with the difference
printed.

A fixture is an application: a single module (a ``.py`` file in a folder without
``__init__.py``), or a package (a folder with ``__init__.py`` whose parent has none), linted as one
project. Lines ``# fixture-config: key = value`` at the top of the module (of the package's
``__init__.py``) are the ``[tool.flaskmongo-lint]`` table it runs with, so one fixture can show a
configured list changing a finding.
"""
from __future__ import annotations

import re
from collections import Counter
from pathlib import Path
from typing import Counter as CounterType, Dict, List, Tuple

import pytest

from flaskmongo_lint.config import Config, config_from_table
from flaskmongo_lint.runner import run

if __import__("sys").version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - depends on the interpreter
    import tomli as tomllib

FIXTURES = Path(__file__).parent / "fixtures"
EXPECT = re.compile(r"#\s*expect:\s*([A-Z]+\d+(?:\s*,\s*[A-Z]+\d+)*)")
CONFIG_LINE = re.compile(r"^#\s*fixture-config:\s*(.+)$")


def units() -> List[Path]:
    """Each application under tests/fixtures/: single modules and top-level packages."""
    out: List[Path] = []
    for path in sorted(FIXTURES.rglob("*.py")):
        if not (path.parent / "__init__.py").exists():
            out.append(path)
    for init in sorted(FIXTURES.rglob("__init__.py")):
        if not (init.parent.parent / "__init__.py").exists():
            out.append(init.parent)
    return sorted(out)


def unit_files(unit: Path) -> List[Path]:
    return sorted(unit.rglob("*.py")) if unit.is_dir() else [unit]


def unit_config(unit: Path) -> Config:
    header = unit / "__init__.py" if unit.is_dir() else unit
    lines = []
    for line in header.read_text(encoding="utf-8").splitlines():
        m = CONFIG_LINE.match(line.strip())
        if m:
            lines.append(m.group(1))
    if not lines:
        return Config(root=str(FIXTURES))
    table = tomllib.loads("\n".join(lines))
    return config_from_table(table, str(header))


def expected(source: str) -> CounterType[Tuple[int, str]]:
    out: CounterType[Tuple[int, str]] = Counter()
    for number, line in enumerate(source.splitlines(), 1):
        m = EXPECT.search(line)
        if m:
            for code in m.group(1).split(","):
                out[(number, code.strip())] += 1
    return out


def test_there_are_fixtures() -> None:
    assert len(units()) >= 10
    assert any(u.is_dir() for u in units()), "a multi-module package fixture"


def test_config_header_is_read_and_changes_findings() -> None:
    """A fixture's header is its configuration: without it, the same code reports otherwise
    (say, a filter scoped by a configured owner field is an IDOR with the default list)."""
    configured = [u for u in units() if unit_config(u).source is not None]
    assert configured, "some fixture chooses its settings"
    for unit in configured:
        with_header = run([str(unit)], unit_config(unit), jobs=1).findings
        without = run([str(unit)], Config(root=str(FIXTURES)), jobs=1).findings
        assert [(f.line, f.code) for f in with_header] != [(f.line, f.code) for f in without], unit


@pytest.mark.parametrize("unit", units(), ids=lambda p: str(p.relative_to(FIXTURES)))
def test_fixture(unit: Path) -> None:
    result = run([str(unit)], unit_config(unit), jobs=1)
    assert not result.internal_error, result.tracebacks
    got: Dict[str, CounterType[Tuple[int, str]]] = {}
    messages = {}
    for f in result.findings:
        key = str(Path(f.path).resolve())
        got.setdefault(key, Counter())[(f.line, f.code)] += 1
        messages[(key, f.line, f.code)] = f.message
    problems = []
    for path in unit_files(unit):
        key = str(path.resolve())
        want = expected(path.read_text(encoding="utf-8"))
        have = got.get(key, Counter())
        missing = sorted((want - have).elements())
        extra = sorted((have - want).elements())
        if missing or extra:
            problems.append(f"\n{path.relative_to(FIXTURES)}:\n  missing (expected, not reported): {missing}"
                            f"\n  extra (reported, not expected): "
                            f"{[(line, code, messages.get((key, line, code))) for line, code in extra]}")
    assert not problems, "".join(problems)
