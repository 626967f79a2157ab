"""One file in, findings out: parse, analyse, ask the rules, place the findings."""
from __future__ import annotations

import sys
from typing import Dict, List, Tuple

import libcst as cst

from flaskmongo_lint.analysis.engine import ModuleAnalysis, analyse
from flaskmongo_lint.analysis.events import Event
from flaskmongo_lint.findings import Finding
from flaskmongo_lint.fingerprints import Scopes, normalised_code
from flaskmongo_lint.positions import Positions, parse_error
from flaskmongo_lint.rules import ALL_RULES
from flaskmongo_lint.rules.base import RuleContext
from flaskmongo_lint.settings import AnalysisSettings

_RULES = tuple(rule() for rule in ALL_RULES)
DEEP_RECURSION = 20_000


def check_source(source: bytes, path: str, settings: AnalysisSettings) -> List[Finding]:
    """Findings for one file's source. FM001 for a parse error; other exceptions propagate."""
    try:
        module = cst.parse_module(source)
    except cst.ParserSyntaxError as exc:
        line, col, message = parse_error(exc, source)
        return [Finding(path, line, col, "FM001", f"cannot parse: {message}")]
    events, analysis = analyse_deep(module, settings)
    if not events:
        return []
    ctx = RuleContext(settings=settings, scoped_collections=analysis.scoped_collections())
    positions = Positions(module, source)
    scopes = Scopes(positions)
    found: Dict[Tuple[int, int, str], Finding] = {}
    for event in events:
        for rule in _RULES:
            for report in rule.check(event, ctx):
                line, col, end_line, end_col = positions.span(report.node, event.context.top)
                key = (line, col, rule.code)
                # A helper walked for several callers reports the same place once.
                if key not in found:
                    found[key] = Finding(
                        path, line, col, rule.code, report.message, report.confidence,
                        end_line=end_line, end_col=end_col,
                        snippet=normalised_code(report.node), scope=scopes.of(report.node, event.context.top),
                    )
    return sorted(found.values())


def analyse_deep(module: cst.Module, settings: AnalysisSettings) -> Tuple[List[Event], ModuleAnalysis]:
    """The analysis recurses once per level of expression nesting; generated code (a string of
    3,000 ``+`` terms) goes deeper than Python's default limit of 1,000, so allow more here."""
    limit = sys.getrecursionlimit()
    if limit < DEEP_RECURSION:
        sys.setrecursionlimit(DEEP_RECURSION)
    try:
        return analyse(module, settings)
    finally:
        sys.setrecursionlimit(limit)
