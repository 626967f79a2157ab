"""One file in, findings out: parse, analyse, ask the rules, place the findings."""
from __future__ import annotations

from typing import Dict, List, Tuple

import libcst as cst
from libcst.metadata import MetadataWrapper, PositionProvider

from flaskmongo_lint.analysis.engine import analyse
from flaskmongo_lint.findings import Finding
from flaskmongo_lint.rules import ALL_RULES
from flaskmongo_lint.rules.base import Report, RuleContext
from flaskmongo_lint.settings import AnalysisSettings

_RULES = tuple(rule() for rule in ALL_RULES)


def check_source(source: bytes, path: str, settings: AnalysisSettings) -> List[Finding]:
    """Findings for one file's source. FM001 for a parse error; other exceptions propagate."""
    try:
        module = cst.parse_module(source)
    except cst.ParserSyntaxError as exc:
        return [Finding(path, exc.raw_line, exc.raw_column + 1, "FM001", f"cannot parse: {exc.message}")]
    events, analysis = analyse(module, settings)
    if not events:
        return []
    ctx = RuleContext(settings=settings, scoped_collections=analysis.scoped_collections())
    reports: List[Tuple[str, Report]] = []
    for event in events:
        for rule in _RULES:
            for report in rule.check(event, ctx):
                reports.append((rule.code, report))
    if not reports:
        return []
    # Positions are computed once per file, and only for files with something to report: the
    # position pass costs about as much as the parse itself.
    positions = MetadataWrapper(module, unsafe_skip_copy=True).resolve(PositionProvider)
    found: Dict[Tuple[int, int, str], Finding] = {}
    for code, report in reports:
        pos = positions[report.node].start
        key = (pos.line, pos.column + 1, code)
        if key not in found:
            found[key] = Finding(path, pos.line, pos.column + 1, code, report.message, report.confidence)
    return sorted(found.values())
