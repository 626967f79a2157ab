"""GitLab Code Quality: a JSON array of Code Climate issues, for ``artifacts:reports:codequality``.

GitLab reads ``description``, ``check_name``, ``fingerprint``, ``severity``, ``location.path``
(relative to the repository) and ``location.lines.begin``; the rest of the Code Climate fields are
for other consumers. The fingerprint is the finding's own (see fingerprints.py), so the merge
request widget shows which findings a change introduces and which it fixes.
"""
from __future__ import annotations

import os
from typing import Any, Dict, List, Sequence

from flaskmongo_lint.findings import Finding
from flaskmongo_lint.report import jsontext
from flaskmongo_lint.report.meta import code_info

# GitLab's scale is info < minor < major < critical < blocker.
_SEVERITY = {"error": "critical", "warning": "major", "note": "minor"}


def _path(path: str) -> str:
    """Relative to the current directory (the checkout, in a CI job) with forward slashes."""
    rel = os.path.relpath(os.path.abspath(path))
    return (path if rel.startswith(os.pardir) else rel).replace(os.sep, "/")


def as_issue(finding: Finding) -> Dict[str, Any]:
    info = code_info(finding.code)
    end_line, _ = finding.end
    name = info.name if info is not None else finding.code
    return {
        "type": "issue",
        "check_name": finding.code,
        "description": f"{finding.code} {name}: {finding.message}",
        "categories": ["Security"] if info is not None and info.cwe is not None else ["Bug Risk"],
        "severity": _SEVERITY.get(info.severity, "major") if info is not None else "major",
        "fingerprint": finding.fingerprint,
        "location": {
            "path": _path(finding.path),
            "lines": {"begin": finding.line, "end": max(end_line, finding.line)},
        },
    }


def render(findings: Sequence[Finding]) -> str:
    issues: List[Dict[str, Any]] = [as_issue(f) for f in findings]
    return jsontext.dumps(issues) + "\n"
