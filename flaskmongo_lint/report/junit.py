"""JUnit XML, for CI systems that show test reports (GitLab ``artifacts:reports:junit``,
Jenkins, Azure Pipelines): one test suite per file, one failed test case per finding, and FM000
(the file could not be checked) as an error rather than a failure."""
from __future__ import annotations

import xml.etree.ElementTree as ET
from itertools import groupby
from typing import Sequence

from flaskmongo_lint.findings import Finding
from flaskmongo_lint.report.meta import code_info

SUITES_NAME = "flaskmongo-lint"
INTERNAL_ERROR = "FM000"


def render(findings: Sequence[Finding]) -> str:
    root = ET.Element("testsuites", name=SUITES_NAME)
    failures = errors = 0
    for path, group in groupby(sorted(findings), key=lambda f: f.path):
        items = list(group)
        suite = ET.SubElement(root, "testsuite", name=path)
        suite_errors = 0
        for finding in items:
            info = code_info(finding.code)
            name = f"{finding.code} {info.name}" if info is not None else finding.code
            case = ET.SubElement(
                suite, "testcase",
                name=f"{name} at {finding.line}:{finding.col}", classname=path,
                file=path, line=str(finding.line),
            )
            kind = "error" if finding.code == INTERNAL_ERROR else "failure"
            suite_errors += kind == "error"
            element = ET.SubElement(case, kind, message=finding.message, type=finding.code)
            element.text = finding.render()
        suite.set("tests", str(len(items)))
        suite.set("failures", str(len(items) - suite_errors))
        suite.set("errors", str(suite_errors))
        failures += len(items) - suite_errors
        errors += suite_errors
    root.set("tests", str(len(findings)))
    root.set("failures", str(failures))
    root.set("errors", str(errors))
    ET.indent(root)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="unicode") + "\n"
