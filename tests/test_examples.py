"""The README's first command lints examples/: it must show the holes the example app describes."""
from __future__ import annotations

import re
from pathlib import Path

from click.testing import CliRunner

from flaskmongo_lint.cli import cli

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"


def test_example_app_shows_each_described_hole() -> None:
    # FM401 is opt-in (see the README): the example shows it when asked.
    result = CliRunner().invoke(cli, [str(EXAMPLES), "--jobs", "1", "--extend-select", "FM401"])
    assert result.exit_code == 1
    reported = {(int(m.group(1)), m.group(2)) for m in re.finditer(r"app\.py:(\d+):\d+: (FM\d+)", result.output)}
    # Every "Vulnerable: ... (FMxxx ...)" comment names the codes reported in the handler below it,
    # and every "Fixed:" handler stays silent.
    source = (EXAMPLES / "app.py").read_text(encoding="utf-8").splitlines()
    described = set()
    for number, line in enumerate(source, 1):
        if line.startswith("# Vulnerable:"):
            described.update(re.findall(r"FM\d+", line))
    assert {code for _, code in reported} == described
    fixed_ranges = [n for n, line in enumerate(source, 1) if line.startswith("# Fixed:")]
    for start in fixed_ranges:
        end = next((n for n in range(start + 1, len(source) + 1) if source[n - 1].startswith("# ")), len(source) + 1)
        assert not [r for r in reported if start <= r[0] < end], f"a fixed handler at line {start} is reported"
