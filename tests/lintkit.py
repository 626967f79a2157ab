"""Small helpers the tests share: write a tree of files, lint it, read the findings back."""
from __future__ import annotations

import re
import sys
import textwrap
from pathlib import Path
from typing import TYPE_CHECKING, Dict, List, Set, Tuple

if TYPE_CHECKING:
    import pytest

from flaskmongo_lint import syntax
from flaskmongo_lint.checker import DEEP_RECURSION
from flaskmongo_lint.config import Config
from flaskmongo_lint.parsing import Parsed, parse
from flaskmongo_lint.findings import Finding
from flaskmongo_lint.runner import RunResult, run
from flaskmongo_lint.settings import AnalysisSettings

EXPECT = re.compile(r"#\s*expect:\s*([A-Z]+\d+(?:\s*,\s*[A-Z]+\d+)*)")


def syntax_tree(source: str, path: str = "module.py") -> syntax.CSTNode:
    """The tree the analysis reads of ``source``, parsed as the checker parses it."""
    limit = sys.getrecursionlimit()
    sys.setrecursionlimit(max(limit, DEEP_RECURSION))
    try:
        got = parse(source, path)
    finally:
        sys.setrecursionlimit(limit)
    assert isinstance(got, Parsed), got
    return got.tree


def refuse_folder(monkeypatch: "pytest.MonkeyPatch", name: str) -> None:
    """Make listing any folder called ``name`` fail with "permission denied" (tests may run as
    root, for whom no mode bit denies anything: the refusal is simulated)."""
    import os

    from flaskmongo_lint import files

    real_scandir = os.scandir

    def refusing(path):  # type: ignore[no-untyped-def]
        if os.path.basename(os.path.normpath(path)) == name:
            raise PermissionError(13, "Permission denied", path)
        return real_scandir(path)

    monkeypatch.setattr(files.os, "scandir", refusing)


def write_tree(root: Path, files: Dict[str, str]) -> None:
    for rel, text in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text), encoding="utf-8")


def lint(root: Path, paths: List[str] = None, jobs: int = 1, **settings: Tuple[str, ...]) -> RunResult:  # type: ignore[assignment]
    """Every rule, the opt-in FM401 included."""
    config = Config(root=str(root), analysis=AnalysisSettings(**settings) if settings else AnalysisSettings(),
                    select=("FM", "FM401"))
    return run(paths or [str(root)], config, jobs=jobs)


def found(result: RunResult, root: Path) -> Set[Tuple[str, int, str]]:
    """(path relative to root, line, code) of every finding."""
    return {(str(Path(f.path).resolve().relative_to(root.resolve())), f.line, f.code) for f in result.findings}


def expected(root: Path) -> Set[Tuple[str, int, str]]:
    """What the ``# expect:`` comments of every file under root announce."""
    out = set()
    for path in sorted(root.rglob("*.py")):
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            m = EXPECT.search(line)
            if m:
                for code in m.group(1).split(","):
                    out.add((str(path.relative_to(root)), number, code.strip()))
    return out


def render(findings: Tuple[Finding, ...]) -> str:
    return "".join(f.render() + "\n" for f in findings)
