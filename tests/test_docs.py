"""docs/rules.md is generated from the rule docstrings and kept in sync; --explain renders the same
documentation as clean terminal text, by code or by name."""
from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

from cli_support import invoke
from flaskmongo_lint.docs import DOC_PATH, SECTIONS, parse, rules_markdown
from flaskmongo_lint.report.meta import all_codes
from flaskmongo_lint.rules import ALL_RULES

# reST/Markdown markup that must not reach a terminal: **bold**, ``literal``, a "::" line end.
MARKUP = re.compile(r"\*\*\w[^*\n]*\*\*|``|::$", re.M)


def test_docs_rules_md_is_in_sync_with_the_docstrings() -> None:
    assert DOC_PATH.read_text(encoding="utf-8") == rules_markdown(), (
        "docs/rules.md is out of date: run python -m flaskmongo_lint.docs"
    )


def test_the_regenerator_writes_and_checks(tmp_path: Path) -> None:
    target = tmp_path / "rules.md"
    run = [sys.executable, "-m", "flaskmongo_lint.docs"]
    stale = subprocess.run(run + ["--check", str(target)], capture_output=True, text=True, timeout=120)
    assert stale.returncode == 1 and "out of date" in stale.stderr
    assert subprocess.run(run + [str(target)], capture_output=True, timeout=120).returncode == 0
    assert target.read_text(encoding="utf-8") == rules_markdown()
    assert subprocess.run(run + ["--check", str(target)], capture_output=True, timeout=120).returncode == 0


@pytest.mark.parametrize("rule", ALL_RULES, ids=lambda r: r.code)
def test_every_rule_documents_what_why_example_and_fix(rule) -> None:  # type: ignore[no-untyped-def]
    doc = parse(rule.explanation())
    assert doc.title
    assert [s.title for s in doc.sections] == list(SECTIONS)
    for section in doc.sections:
        assert section.blocks, f"{rule.code}: empty section {section.title!r}"
    assert doc.section("Example").blocks[0].kind == "code"  # type: ignore[union-attr]


def test_docs_have_one_section_per_code_with_severity_and_cwe() -> None:
    text = DOC_PATH.read_text(encoding="utf-8")
    for info in all_codes():
        section = text.split(f"\n## {info.code} {info.name}\n", 1)[1].split("\n## ", 1)[0]
        assert f"Severity: **{info.severity}**" in section
        if info.cwe is not None:
            assert f"[CWE-{info.cwe}](https://cwe.mitre.org/data/definitions/{info.cwe}.html)" in section
        assert "### What it does" in section and "### Why is this bad?" in section


@pytest.mark.parametrize("info", all_codes(), ids=lambda i: i.code)
def test_explain_every_code_and_name_renders_clean_text(info) -> None:  # type: ignore[no-untyped-def]
    by_code = invoke("--explain", info.code)
    assert by_code.exit_code == 0
    out = by_code.stdout
    cwe = f", CWE-{info.cwe}" if info.cwe is not None else ""
    assert out.startswith(f"{info.code} {info.name} ({info.severity}{cwe})\n\n")
    assert not MARKUP.search(out), MARKUP.search(out)
    doc = parse(info.explanation)
    for section in doc.sections:
        assert f"\n{section.title}\n" in out
        for block in section.blocks:
            if block.kind == "code":
                # Code examples are shown indented, line by line, as written.
                for line in block.text.splitlines():
                    assert ("    " + line).rstrip() in out.splitlines()
    for spelling in (info.name, info.name.upper(), info.code.lower(), f" {info.code} "):
        again = invoke("--explain", spelling)
        assert again.exit_code == 0 and again.stdout == out, spelling


def test_explain_unknown_name_is_an_error() -> None:
    result = invoke("--explain", "unscoped-reads")
    assert result.exit_code == 2
    assert result.stderr == "flaskmongo-lint: error: unknown rule code or name 'unscoped-reads' (see --list-rules)\n"
