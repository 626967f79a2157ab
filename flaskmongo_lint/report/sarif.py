"""SARIF 2.1.0, for GitHub code scanning and other SARIF viewers.

Rule metadata comes from the registry (the same text as ``--list-rules``, ``--explain`` and
docs/rules.md, whose sections ``helpUri`` points at). Locations are relative to the directory the
linter ran in, marked ``%SRCROOT%``; regions carry end positions. Each result has a
``partialFingerprints`` entry (see fingerprints.py) so code scanning tracks an alert across
commits, ``codeFlows`` with the path from the client source to the sink when the analysis
recorded one, and ``relatedLocations`` for the places that gave the finding its evidence.
"""
from __future__ import annotations

import os
import pathlib
from typing import Any, Dict, List, Sequence, Union
from urllib.parse import quote

from flaskmongo_lint import PROJECT_URL, __version__
from flaskmongo_lint.docs import markdown, parse, terminal
from flaskmongo_lint.findings import Finding, FlowStep, Location
from flaskmongo_lint.report import jsontext
from flaskmongo_lint.report.meta import CodeInfo, all_codes, code_info

SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
# The key under partialFingerprints; the suffix changes with fingerprints.FINGERPRINT_VERSION.
FINGERPRINT_KEY = "flaskmongoLint/v1"

# GitHub ranks alerts by "security-severity" (a CVSS-like 0.0-10.0 score): above 7.0 is high,
# 4.0-6.9 medium. The rules only know error/warning, so these map onto high and medium.
_SECURITY_SEVERITY = {"error": "7.5", "warning": "5.0"}
_LEVEL = {"error": "error", "warning": "warning", "note": "note"}


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


def _location(place: Union[FlowStep, Location]) -> Dict[str, Any]:
    location: Dict[str, Any] = {
        "physicalLocation": _physical(place.path, place.line, place.col, place.end_line, place.end_col)
    }
    if place.message:
        location["message"] = {"text": place.message}
    return location


def _result(f: Finding, index: Dict[str, int]) -> Dict[str, Any]:
    info = code_info(f.code)
    result: Dict[str, Any] = {
        "ruleId": f.code,
        "level": _LEVEL.get(info.severity, "note") if info else "error",
        "message": {"text": f.message},
        "locations": [{"physicalLocation": _physical(f.path, f.line, f.col, f.end_line, f.end_col)}],
    }
    if f.code in index:
        result["ruleIndex"] = index[f.code]
    if f.fingerprint:
        result["partialFingerprints"] = {FINGERPRINT_KEY: f.fingerprint}
    if f.flow:
        # One thread flow, source first: the order code scanning shows the steps in.
        steps = [{"location": _location(step)} for step in f.flow]
        result["codeFlows"] = [{"threadFlows": [{"locations": steps}]}]
    related: List[Dict[str, Any]] = []
    for place in f.related:
        location = _location(place)
        if all(location != {k: v for k, v in r.items() if k != "id"} for r in related):
            # relatedLocations must be unique; ids let a message link to one ("[twin](1)").
            related.append({"id": len(related) + 1, **location})
    if related:
        result["relatedLocations"] = related
    if f.confidence is not None:
        result["properties"] = {"confidence": f.confidence}
    return result


def render(findings: Sequence[Finding], *, execution_successful: bool = True) -> str:
    infos = all_codes()
    index = {info.code: i for i, info in enumerate(infos)}
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
                # Columns count characters (code points), not SARIF's default UTF-16 units.
                "columnKind": "unicodeCodePoints",
                "originalUriBaseIds": {"%SRCROOT%": {"uri": pathlib.Path(os.getcwd()).as_uri() + "/"}},
                "invocations": [{"executionSuccessful": execution_successful}],
                "results": [_result(f, index) for f in findings],
            }
        ],
    }
    return jsontext.dumps(document) + "\n"
