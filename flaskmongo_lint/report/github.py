"""GitHub Actions workflow commands: each finding becomes an annotation on the pull request."""
from __future__ import annotations

from typing import Sequence

from flaskmongo_lint.findings import Finding
from flaskmongo_lint.report.meta import code_info

# Workflow command per severity: an annotation's colour and whether it counts as an error.
_COMMAND = {"error": "error", "warning": "warning", "note": "notice"}


def _escape_data(text: str) -> str:
    # The escaping of GitHub's actions/toolkit (command.ts): '%' first, then line breaks.
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _escape_property(text: str) -> str:
    return _escape_data(text).replace(":", "%3A").replace(",", "%2C")


def render(findings: Sequence[Finding]) -> str:
    out = []
    for f in findings:
        info = code_info(f.code)
        level = _COMMAND.get(info.severity, "error") if info is not None else "error"
        out.append(
            f"::{level} file={_escape_property(f.path)},line={f.line},col={f.col},"
            f"title={_escape_property(f.code)}::{_escape_data(f.message)}"
        )
    return "".join(line + "\n" for line in out)
