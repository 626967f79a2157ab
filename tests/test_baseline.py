"""Baselines end to end: write one, hide what it records, report what is new (a new twin too)."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from cli_support import OBJECTID, SEARCH, SYNTAX_ERROR, codes, invoke, lines, write
from flaskmongo_lint import checker

TWIN = "    again = list(db.items.find(request.args.to_dict()))\n"


@pytest.fixture(autouse=True)
def in_tmp(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    return tmp_path


def test_write_baseline_records_findings_and_reports_nothing(tmp_path: Path) -> None:
    write(tmp_path, "app.py", OBJECTID)
    write(tmp_path, "search.py", SEARCH)
    result = invoke("--write-baseline", "baseline.json", ".")
    assert result.exit_code == 0
    assert result.stdout == ""
    assert result.stderr == "flaskmongo-lint: wrote 2 finding(s) to baseline.json\n"
    document = json.loads((tmp_path / "baseline.json").read_text(encoding="utf-8"))
    entries = document["findings"]
    assert [(e["path"], e["code"]) for e in entries] == [("app.py", "FM301"), ("search.py", "FM303")]
    assert all(len(e["fingerprint"]) == 32 for e in entries)


def test_baseline_hides_recorded_findings_and_says_how_many(tmp_path: Path) -> None:
    write(tmp_path, "app.py", OBJECTID)
    write(tmp_path, "search.py", SEARCH)
    assert invoke("--write-baseline", "baseline.json").exit_code == 0
    result = invoke("--baseline", "baseline.json")
    assert result.exit_code == 0
    assert result.stdout == ""
    assert result.stderr == "flaskmongo-lint: 2 finding(s) hidden by the baseline baseline.json\n"


def test_a_new_finding_is_reported_past_the_baseline(tmp_path: Path) -> None:
    write(tmp_path, "app.py", OBJECTID)
    invoke("--write-baseline", "baseline.json")
    write(tmp_path, "search.py", SEARCH)
    result = invoke("--baseline", "baseline.json")
    assert result.exit_code == 1
    assert [line.split(":")[0] for line in lines(result)] == ["search.py"]
    assert "1 finding(s) hidden" in result.stderr


def test_a_new_identical_twin_is_reported(tmp_path: Path) -> None:
    write(tmp_path, "search.py", SEARCH)
    invoke("--write-baseline", "baseline.json")
    write(tmp_path, "search.py", SEARCH.replace("    return str(found)\n", TWIN + "    return str(found)\n"))
    result = invoke("--baseline", "baseline.json")
    assert result.exit_code == 1
    (line,) = lines(result)
    assert line.startswith("search.py:8:") and "FM303" in line
    assert "1 finding(s) hidden" in result.stderr


def test_unrelated_edits_stay_hidden(tmp_path: Path) -> None:
    write(tmp_path, "app.py", OBJECTID)
    invoke("--write-baseline", "baseline.json")
    edited = OBJECTID.replace("app = Flask(__name__)\n", "# a comment\napp = Flask(__name__)\n\nVERSION = 1\n")
    write(tmp_path, "app.py", edited)
    result = invoke("--baseline", "baseline.json")
    assert result.exit_code == 0 and result.stdout == ""


def test_baseline_from_config_relative_to_the_config_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    write(tmp_path, "pyproject.toml", '[tool.flaskmongo-lint]\nbaseline = "ci/baseline.json"\n')
    write(tmp_path, "src/app.py", OBJECTID)
    (tmp_path / "ci").mkdir()
    assert invoke("--write-baseline", "ci/baseline.json").exit_code == 0
    # From a sub-directory: the same pyproject.toml, the same baseline, the same fingerprints.
    monkeypatch.chdir(tmp_path / "src")
    result = invoke("app.py")
    assert result.exit_code == 0, result.stdout + result.stderr
    assert "1 finding(s) hidden by the baseline" in result.stderr


def test_command_line_baseline_replaces_the_configured_one(tmp_path: Path) -> None:
    write(tmp_path, "pyproject.toml", '[tool.flaskmongo-lint]\nbaseline = "missing.json"\n')
    write(tmp_path, "app.py", OBJECTID)
    assert invoke("app.py").exit_code == 2
    invoke("--write-baseline", "other.json", "app.py")
    assert invoke("--baseline", "other.json", "app.py").exit_code == 0


@pytest.mark.parametrize(
    "content, message",
    [
        (None, "cannot read baseline nope.json: No such file or directory"),
        ("{not json", "baseline nope.json is not valid JSON"),
        ('{"findings": []}', "nope.json is not a flaskmongo-lint baseline"),
        ('{"flaskmongo-lint-baseline": 1, "fingerprint-version": "0", "findings": []}', "rewrite it with --write-baseline"),
        ('{"flaskmongo-lint-baseline": 1, "fingerprint-version": "1", "findings": [1]}', "must be a list of objects"),
    ],
)
def test_a_broken_baseline_is_a_one_line_error(tmp_path: Path, content: "str | None", message: str) -> None:
    write(tmp_path, "app.py", OBJECTID)
    if content is not None:
        write(tmp_path, "nope.json", content)
    result = invoke("--baseline", "nope.json", "app.py")
    assert result.exit_code == 2
    assert result.stderr.count("\n") == 1
    assert result.stderr.startswith("flaskmongo-lint: error: ")
    assert message in result.stderr
    assert result.stdout == ""


def test_parse_errors_can_be_baselined(tmp_path: Path) -> None:
    write(tmp_path, "legacy.py", SYNTAX_ERROR)
    invoke("--write-baseline", "baseline.json")
    assert invoke("--baseline", "baseline.json").exit_code == 0


def test_internal_errors_are_never_baselined(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def explode(files: object, settings: object) -> list:
        raise RuntimeError("boom")

    monkeypatch.setattr(checker, "check_files", explode)
    write(tmp_path, "app.py", OBJECTID)
    result = invoke("--write-baseline", "baseline.json", "--jobs", "1")
    assert result.exit_code == 2
    assert codes(result) == ["FM000"]
    assert json.loads((tmp_path / "baseline.json").read_text(encoding="utf-8"))["findings"] == []
    result = invoke("--baseline", "baseline.json", "--jobs", "1")
    assert result.exit_code == 2 and codes(result) == ["FM000"]


def test_baseline_works_with_machine_formats(tmp_path: Path) -> None:
    write(tmp_path, "app.py", OBJECTID)
    invoke("--write-baseline", "baseline.json")
    write(tmp_path, "search.py", SEARCH)
    result = invoke("--baseline", "baseline.json", "--format", "json")
    assert [item["code"] for item in json.loads(result.stdout)] == ["FM303"]


def test_unreadable_files_get_fingerprints_too(tmp_path: Path) -> None:
    (tmp_path / "latin.py").write_bytes(b"from flask import Flask\nname = '\xe9t\xe9'\n")
    write(tmp_path, "app.py", OBJECTID)
    invoke("--write-baseline", "baseline.json")
    entries = json.loads((tmp_path / "baseline.json").read_text(encoding="utf-8"))["findings"]
    assert sorted(e["code"] for e in entries) == ["FM001", "FM301"]
    assert all(e["fingerprint"] for e in entries)
    assert invoke("--baseline", "baseline.json").exit_code == 0
