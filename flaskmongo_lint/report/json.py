"""A JSON list of finding objects, for scripts and editors."""
from __future__ import annotations

from typing import Any, Dict, List, Sequence, Union

from flaskmongo_lint.findings import Finding, FlowStep, Location
from flaskmongo_lint.report import jsontext
from flaskmongo_lint.report.meta import code_info


def _place(place: Union[FlowStep, Location]) -> Dict[str, Any]:
    return {
        "path": place.path,
        "line": place.line,
        "column": place.col,
        "end_line": place.end_line,
        "end_column": place.end_col,
        "message": place.message,
    }


def as_dict(finding: Finding) -> Dict[str, Any]:
    """One finding: positions 1-based, ``end_line``/``end_column`` exclusive (the column after
    the last character, as in SARIF and LSP)."""
    info = code_info(finding.code)
    end_line, end_col = finding.end
    return {
        "path": finding.path,
        "line": finding.line,
        "column": finding.col,
        "end_line": end_line,
        "end_column": end_col,
        "code": finding.code,
        "name": info.name if info else None,
        "severity": info.severity if info else None,
        "cwe": info.cwe if info else None,
        "message": finding.message,
        "confidence": finding.confidence,
        "fingerprint": finding.fingerprint,
        "flow": [_place(step) for step in finding.flow],
        "related": [_place(place) for place in finding.related],
    }


def render(findings: Sequence[Finding]) -> str:
    items: List[Dict[str, Any]] = [as_dict(f) for f in findings]
    return jsontext.dumps(items) + "\n"
