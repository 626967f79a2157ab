"""One file in, findings out: parse, analyse, ask the rules. (Placeholder until the engine lands.)"""
from __future__ import annotations

from typing import List

import libcst as cst

from flaskmongo_lint.findings import Finding
from flaskmongo_lint.settings import AnalysisSettings


def check_source(source: bytes, path: str, settings: AnalysisSettings) -> List[Finding]:
    """Findings for one file's source. FM001 for a parse error; other exceptions propagate."""
    try:
        cst.parse_module(source)
    except cst.ParserSyntaxError as exc:
        return [Finding(path, exc.raw_line, exc.raw_column + 1, "FM001", f"cannot parse: {exc.message}")]
    return []
