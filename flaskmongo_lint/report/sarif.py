"""SARIF 2.1.0, for GitHub code scanning and other SARIF viewers.

Rule metadata comes from the registry (the same text as ``--list-rules``, ``--explain`` and
docs/rules.md, whose sections ``helpUri`` points at); locations are relative to the directory the
linter ran in, marked ``%SRCROOT%``; regions carry end positions. Each result has a
``partialFingerprints`` entry (see fingerprints.py) so code scanning tracks an alert across
commits.
"""
from __future__ import annotations

import json
import os
import pathlib
from typing import Any, Dict, List, Sequence
from urllib.parse import quote

from flaskmongo_lint import PROJECT_URL, __version__
from flaskmongo_lint.docs import markdown, parse, terminal
from flaskmongo_lint.findings import Finding
from flaskmongo_lint.report.meta import CodeInfo, all_codes, code_info

SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
# The key under partialFingerprints; the suffix changes with fingerprints.FINGERPRINT_VERSION.
FINGERPRINT_KEY = "flaskmongoLint/v1"

# GitHub ranks alerts by "security-severity" (a CVSS-like 0.0-10.0 score): above 7.0 is high,
# 4.0-6.9 medium. The rules only know error/warning, so these map onto high and medium.
_SECURITY_SEVERITY = {"error": "7.5", "warning": "5.0"}
_LEVEL = {"error": "error", "warning": "warning"}


def _full_description(info: CodeInfo) -> str:
    doc = parse(info.explanation)
    what = doc.section("What it does")
    if what is not None and what.blocks:
        return " ".join(what.blocks[0].text.replace("``", "").split())
    return info.summary


def _rule(info: CodeInfo) -> Dict[str, Any]:
    tags = ["security"] if info.cwe is not None else []
    properties: Dict[str, Any] = {"tags": tags}
    if info.cwe is not None:
        tags.append(f"external/cwe/cwe-{info.cwe}")
        properties["cwe"] = f"CWE-{info.cwe}"
        properties["security-severity"] = _SECURITY_SEVERITY.get(info.severity, "5.0")
    return {
        "id": info.code,
        "name": info.name,
        "shortDescription": {"text": info.summary},
        "fullDescription": {"text": _full_description(info)},
        "helpUri": info.help_uri,
        "help": {"text": terminal(info), "markdown": markdown(info)},
        "defaultConfiguration": {"level": _LEVEL.get(info.severity, "note")},
        "properties": properties,
    }


def artifact_location(path: str) -> Dict[str, str]:
    """A URI for ``path``: relative to the current directory (``%SRCROOT%``) when inside it."""
    absolute = os.path.abspath(path)
    rel = os.path.relpath(absolute)
    if not os.path.isabs(path) or not rel.startswith(os.pardir):
        return {"uri": quote(rel.replace(os.sep, "/")), "uriBaseId": "%SRCROOT%"}
    return {"uri": pathlib.Path(absolute).as_uri()}


def _region(line: int, col: int, end_line: int, end_col: int) -> Dict[str, int]:
    region = {"startLine": line, "startColumn": col}
    if end_line > 0 and end_col > 0 and (end_line, end_col) > (line, col):
        region["endLine"] = end_line
        region["endColumn"] = end_col
    return region


def _physical(path: str, line: int, col: int, end_line: int, end_col: int) -> Dict[str, Any]:
    return {"artifactLocation": artifact_location(path), "region": _region(line, col, end_line, end_col)}


def render(findings: Sequence[Finding], *, internal_error: bool = False) -> str:
    infos = all_codes()
    index = {info.code: i for i, info in enumerate(infos)}
    results: List[Dict[str, Any]] = []
    for f in findings:
        info = code_info(f.code)
        result: Dict[str, Any] = {
            "ruleId": f.code,
            "level": _LEVEL.get(info.severity, "note") if info else "error",
            "message": {"text": f.message},
            "locations": [
                {
                    "physicalLocation": {
                        "artifactLocation": artifact_location(f.path),
                        "region": _region(f.line, f.col, f.end_line, f.end_col),
                    }
                }
            ],
        }
        if f.code in index:
            result["ruleIndex"] = index[f.code]
        if f.fingerprint:
            result["partialFingerprints"] = {FINGERPRINT_KEY: f.fingerprint}
        if f.confidence is not None:
            result["properties"] = {"confidence": f.confidence}
        results.append(result)
    document = {
        "$schema": SCHEMA,
        "version": "2.1.0",
        "runs": [
            {
                "tool": {
                    "driver": {
                        "name": "flaskmongo-lint",
                        "version": __version__,
                        "informationUri": PROJECT_URL,
                        "rules": [_rule(info) for info in infos],
                    }
                },
                # Columns count characters (libcst positions), not SARIF's default UTF-16 units.
                "columnKind": "unicodeCodePoints",
                "originalUriBaseIds": {"%SRCROOT%": {"uri": pathlib.Path(os.getcwd()).as_uri() + "/"}},
                "invocations": [{"executionSuccessful": not internal_error}],
                "results": results,
            }
        ],
    }
    return json.dumps(document, indent=2) + "\n"
