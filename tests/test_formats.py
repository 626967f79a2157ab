"""The gitlab, junit, grouped and concise formats (SARIF has tests of its own)."""
from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from pathlib import Path

import jsonschema
import pytest

from cli_support import OBJECTID, OBJECTID_LINE, SEARCH, SEARCH_LINE, SYNTAX_ERROR, invoke, lines, write
from flaskmongo_lint import checker
from flaskmongo_lint.findings import Finding
from flaskmongo_lint.report import FORMATS, gitlab

SCHEMAS = Path(__file__).parent / "schemas"


@pytest.fixture(autouse=True)
def in_tmp(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    return tmp_path


def _project(tmp_path: Path) -> None:
    write(tmp_path, "src/app.py", OBJECTID)
    write(tmp_path, "src/search.py", SEARCH)
    write(tmp_path, "src/bad.py", SYNTAX_ERROR)


def _schema(name: str) -> jsonschema.Draft7Validator:
    schema = json.loads((SCHEMAS / name).read_text(encoding="utf-8"))
    jsonschema.Draft7Validator.check_schema(schema)
    return jsonschema.Draft7Validator(schema)


def test_gitlab_validates_against_gitlab_schemas(tmp_path: Path) -> None:
    _project(tmp_path)
    result = invoke("--format", "gitlab", "src")
    assert result.exit_code == 1
    issues = json.loads(result.stdout)
    assert [i["check_name"] for i in issues] == ["FM301", "FM001", "FM303"]
    report_schema = _schema("gitlab-code-quality-report.json")
    assert list(report_schema.iter_errors(issues)) == []
    issue_schema = _schema("gitlab-codeclimate.json")  # GitLab's own parser schema, per issue
    for issue in issues:
        assert list(issue_schema.iter_errors(issue)) == []
    # The fingerprints are the findings' own: unique, and the same as in the json format.
    as_json = json.loads(invoke("--format", "json", "src").stdout)
    assert {i["fingerprint"] for i in issues} == {f["fingerprint"] for f in as_json}
    assert len({i["fingerprint"] for i in issues}) == len(issues)
    first = issues[0]
    assert first["location"] == {"path": "src/app.py", "lines": {"begin": OBJECTID_LINE, "end": OBJECTID_LINE}}
    assert first["severity"] == "major"  # FM301 is a warning
    assert issues[2]["severity"] == "critical"  # FM303 is an error
    assert first["description"].startswith("FM301 unguarded-objectid: ObjectId() of")


def test_the_report_schema_is_strict_enough_to_fail() -> None:
    good = [gitlab.as_issue(Finding("a.py", 3, 1, "FM303", "m", fingerprint="f" * 32))]
    schema = _schema("gitlab-code-quality-report.json")
    assert list(schema.iter_errors(good)) == []
    for broken in (
        [{**good[0], "severity": "high"}],
        [{**good[0], "location": {"path": "/abs/a.py", "lines": {"begin": 3}}}],
        [{**good[0], "location": {"path": "a.py"}}],
        [{k: v for k, v in good[0].items() if k != "check_name"}],
        good[0],
    ):
        assert list(schema.iter_errors(broken)) != [], broken


def test_gitlab_empty_report_is_an_empty_array(tmp_path: Path) -> None:
    write(tmp_path, "clean.py", "print('no flask here')\n")
    result = invoke("--format", "gitlab")
    assert result.exit_code == 0 and json.loads(result.stdout) == []


def test_junit_one_suite_per_file_one_failure_per_finding(tmp_path: Path) -> None:
    _project(tmp_path)
    result = invoke("--format", "junit", "src")
    assert result.exit_code == 1
    assert result.stdout.startswith('<?xml version="1.0" encoding="UTF-8"?>\n')
    root = ET.fromstring(result.stdout.split("\n", 1)[1])
    assert root.tag == "testsuites"
    assert (root.get("tests"), root.get("failures"), root.get("errors")) == ("3", "3", "0")
    suites = root.findall("testsuite")
    assert [s.get("name") for s in suites] == ["src/app.py", "src/bad.py", "src/search.py"]
    case = suites[2].find("testcase")
    assert case is not None
    assert case.get("name") == f"FM303 client-query-structure at {SEARCH_LINE}:{case.get('name').rsplit(':', 1)[1]}"
    assert case.get("classname") == "src/search.py" and case.get("line") == str(SEARCH_LINE)
    failure = case.find("failure")
    assert failure is not None and failure.get("type") == "FM303"
    assert failure.text is not None and failure.text.startswith(f"src/search.py:{SEARCH_LINE}:")


def test_junit_internal_error_is_an_error_and_clean_run_has_no_tests(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    write(tmp_path, "clean.py", "x = 1\n")
    root = ET.fromstring(invoke("--format", "junit").stdout.split("\n", 1)[1])
    assert (root.get("tests"), root.get("failures"), root.get("errors")) == ("0", "0", "0")

    def explode(files: object, settings: object) -> list:
        raise RuntimeError("boom")

    monkeypatch.setattr(checker, "check_files", explode)
    write(tmp_path, "app.py", OBJECTID)
    root = ET.fromstring(invoke("--format", "junit", "--jobs", "1").stdout.split("\n", 1)[1])
    assert (root.get("tests"), root.get("failures"), root.get("errors")) == ("1", "0", "1")
    assert root.find("testsuite/testcase/error") is not None


def test_grouped(tmp_path: Path) -> None:
    write(tmp_path, "a.py", OBJECTID)
    write(tmp_path, "b.py", SEARCH)
    out = lines(invoke("--format", "grouped"))
    assert out[0] == "a.py:"
    assert out[1].startswith(f"  {OBJECTID_LINE}:") and " FM301 " in out[1]
    assert out[2] == ""
    assert out[3] == "b.py:"
    assert out[4].startswith(f"  {SEARCH_LINE}:") and " FM303 " in out[4]
    assert len(out) == 5
    shown = lines(invoke("--format", "grouped", "--show-source", "a.py"))
    assert shown[2] == "    " + OBJECTID.splitlines()[OBJECTID_LINE - 1]
    assert shown[3].strip() == "^" * len("ObjectId(item_id)")


def test_concise_is_text_without_source(tmp_path: Path) -> None:
    write(tmp_path, "a.py", OBJECTID)
    text = invoke("a.py")
    concise = invoke("--format", "concise", "--show-source", "a.py")
    assert concise.stdout == text.stdout
    assert concise.exit_code == text.exit_code == 1


def test_statistics_go_to_stderr_for_every_machine_format(tmp_path: Path) -> None:
    write(tmp_path, "a.py", OBJECTID)
    for fmt in ("json", "sarif", "gitlab", "junit", "github"):
        result = invoke("--format", fmt, "--statistics", "a.py")
        assert "FM301" in result.stderr, fmt
    grouped = invoke("--format", "grouped", "--statistics", "a.py")
    assert grouped.stdout.splitlines()[-1].split() == ["1", "FM301", "unguarded-objectid"]


def test_github_notice_for_notes(tmp_path: Path) -> None:
    source = "from flask import Flask  # noqa: FM301\n"
    write(tmp_path, "a.py", source)
    (line,) = lines(invoke("--format", "github", "--select", "FM002", "a.py"))
    col = source.index("#") + 1
    assert line.startswith(f"::notice file=a.py,line=1,col={col},title=FM002::unused noqa code FM301")


def test_every_format_is_documented_in_help() -> None:
    help_text = invoke("--help").stdout
    for fmt in FORMATS:
        assert fmt in help_text
