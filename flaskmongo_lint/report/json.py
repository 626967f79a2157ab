"""A JSON list of finding objects, for scripts and editors."""
from __future__ import annotations

import json
from typing import Any, Dict, List, Sequence

from flaskmongo_lint.findings import Finding
from flaskmongo_lint.report.meta import code_info


def as_dict(finding: Finding) -> Dict[str, Any]:
    info = code_info(finding.code)
    return {
        "path": finding.path,
        "line": finding.line,
        "column": finding.col,
        "code": finding.code,
        "name": info.name if info else None,
        "severity": info.severity if info else None,
        "cwe": info.cwe if info else None,
        "message": finding.message,
        "confidence": finding.confidence,
    }


def render(findings: Sequence[Finding]) -> str:
    items: List[Dict[str, Any]] = [as_dict(f) for f in findings]
    return json.dumps(items, indent=2) + "\n"
