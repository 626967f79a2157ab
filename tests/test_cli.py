"""The command line end to end: options, output formats, exit statuses, suppression, discovery.

Tests marked "engine" in their docstring need the analysis to report the obviously vulnerable
handler below (FM104, an unauthenticated write, and FM301); the others only need the plumbing (a syntax error is FM001
whatever the rules do, and FM000 is forced by replacing the checker).
"""
from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import List, Sequence

import pytest
from click.testing import CliRunner, Result

from flaskmongo_lint import __version__, checker
from flaskmongo_lint.cli import cli
from flaskmongo_lint.rules import ALL_RULES

VULNERABLE = textwrap.dedent(
    """\
    from bson import ObjectId
    from flask import Flask
    from pymongo import MongoClient
    app = Flask(__name__)
    db = MongoClient().shop
    @app.delete("/items/<item_id>")
    def drop(item_id):
        db.items.delete_one({"_id": ObjectId(item_id)})
        return "", 204
    """
)
VULNERABLE_LINE = 8
# FM104 points at the delete_one call, FM301 at the ObjectId(...) call.
FM104_COL = VULNERABLE.splitlines()[VULNERABLE_LINE - 1].index("db.items") + 1
FM301_COL = VULNERABLE.splitlines()[VULNERABLE_LINE - 1].index("ObjectId(") + 1

CLEAN = textwrap.dedent(
    """\
    from bson import ObjectId
    from bson.errors import InvalidId
    from flask import Flask, abort
    from flask_login import current_user, login_required
    from pymongo import MongoClient
    app = Flask(__name__)
    db = MongoClient().shop
    @app.delete("/items/<item_id>")
    @login_required
    def drop(item_id):
        try:
            oid = ObjectId(item_id)
        except InvalidId:
            abort(400)
        db.items.delete_one({"_id": oid, "owner_id": current_user.id})
        return "", 204
    """
)

# Mentions flask (so it is not skipped by the pre-check) and cannot be parsed.
SYNTAX_ERROR = "from flask import Flask\n\ndef broken(:\n    pass\n"


def invoke(*args: str) -> Result:
    """Run the command in this process (so monkeypatching works), stdout and stderr apart."""
    try:
        runner = CliRunner(mix_stderr=False)  # click < 8.2
    except TypeError:
        runner = CliRunner()  # click >= 8.2 always keeps stderr apart
    return runner.invoke(cli, list(args), catch_exceptions=False)


def write(root: Path, name: str, text: str) -> Path:
    path = root / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def lines(result: Result) -> List[str]:
    return result.stdout.splitlines()


def codes(result: Result) -> List[str]:
    return [line.split(": ", 1)[1].split()[0] for line in lines(result)]


@pytest.fixture(autouse=True)
def in_tmp(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Every test runs in its own empty directory, so no pyproject.toml of ours is found."""
    monkeypatch.chdir(tmp_path)
    return tmp_path


# ---------------------------------------------------------------------------------------------
# Exit statuses


def test_clean_file_exits_0(tmp_path: Path) -> None:
    write(tmp_path, "app.py", CLEAN)
    result = invoke("app.py")
    assert result.exit_code == 0, result.stdout + result.stderr
    assert result.stdout == ""


def test_no_python_files_exits_0(tmp_path: Path) -> None:
    write(tmp_path, "notes.txt", "flask request")
    result = invoke()
    assert result.exit_code == 0
    assert result.stdout == ""


def test_findings_exit_1(tmp_path: Path) -> None:
    """engine: the vulnerable handler gives FM104 at the call and FM301 at ObjectId()."""
    write(tmp_path, "app.py", VULNERABLE)
    result = invoke("app.py")
    assert result.exit_code == 1
    assert lines(result)[0].startswith(f"app.py:{VULNERABLE_LINE}:{FM104_COL}: FM104 ")
    assert f"app.py:{VULNERABLE_LINE}:{FM301_COL}: FM301 " in result.stdout


def test_default_path_is_current_directory(tmp_path: Path) -> None:
    """engine"""
    write(tmp_path, "pkg/app.py", VULNERABLE)
    result = invoke()
    assert result.exit_code == 1
    assert all(line.startswith("pkg/app.py:") for line in lines(result))


def test_exit_zero(tmp_path: Path) -> None:
    """engine"""
    write(tmp_path, "app.py", VULNERABLE)
    result = invoke("--exit-zero", "app.py")
    assert result.exit_code == 0
    assert "FM104" in result.stdout


def test_exit_zero_with_parse_error(tmp_path: Path) -> None:
    write(tmp_path, "bad.py", SYNTAX_ERROR)
    assert invoke("bad.py").exit_code == 1
    result = invoke("--exit-zero", "bad.py")
    assert result.exit_code == 0
    assert "FM001" in result.stdout


def test_usage_error_exits_2() -> None:
    result = invoke("--no-such-option")
    assert result.exit_code == 2


def test_bad_format_is_usage_error() -> None:
    assert invoke("--format", "xml").exit_code == 2


def test_bad_jobs_is_usage_error() -> None:
    assert invoke("--jobs", "0").exit_code == 2
    assert invoke("--jobs", "many").exit_code == 2


def test_missing_paths_are_each_reported_and_the_rest_is_linted(tmp_path: Path) -> None:
    write(tmp_path, "bad.py", SYNTAX_ERROR)
    result = invoke("gone.py", "bad.py", "nope/")
    assert result.exit_code == 2
    assert result.stderr.splitlines() == [
        "flaskmongo-lint: error: path does not exist: gone.py",
        "flaskmongo-lint: error: path does not exist: nope/",
    ]
    assert codes(result) == ["FM001"]
    # --exit-zero does not hide a path that is not there.
    assert invoke("--exit-zero", "gone.py", "bad.py").exit_code == 2


def test_bad_config_exits_2_with_one_line(tmp_path: Path) -> None:
    write(tmp_path, "pyproject.toml", '[tool.flaskmongo-lint]\nselct = ["FM1"]\n')
    write(tmp_path, "app.py", CLEAN)
    result = invoke("app.py")
    assert result.exit_code == 2
    assert result.stderr.count("\n") == 1
    assert result.stderr.startswith("flaskmongo-lint: error: unknown key 'selct'")
    assert "pyproject.toml" in result.stderr
    assert "Traceback" not in result.stderr


def test_bad_toml_exits_2(tmp_path: Path) -> None:
    write(tmp_path, "pyproject.toml", "[tool.flaskmongo-lint]\nselect = [\n")
    result = invoke()
    assert result.exit_code == 2
    assert result.stderr.startswith("flaskmongo-lint: error: cannot parse config file pyproject.toml")


def test_bad_code_on_command_line_exits_2() -> None:
    result = invoke("--select", "E501")
    assert result.exit_code == 2
    assert "'E501' in --select" in result.stderr


def test_missing_config_file_exits_2() -> None:
    result = invoke("--config", "nope.toml")
    assert result.exit_code == 2
    assert "config file not found: nope.toml" in result.stderr


def test_unwritable_output_file_exits_2(tmp_path: Path) -> None:
    write(tmp_path, "app.py", CLEAN)
    result = invoke("--output-file", str(tmp_path / "missing-dir" / "out.txt"), "app.py")
    assert result.exit_code == 2
    assert result.stderr.startswith("flaskmongo-lint: error: cannot write")


# ---------------------------------------------------------------------------------------------
# FM001 and FM000: one file's trouble does not stop the run


def test_parse_error_is_fm001_and_run_goes_on(tmp_path: Path) -> None:
    write(tmp_path, "a_bad.py", SYNTAX_ERROR)
    write(tmp_path, "b_bad.py", SYNTAX_ERROR)
    write(tmp_path, "c_clean.py", CLEAN)
    result = invoke()
    assert result.exit_code == 1
    assert codes(result) == ["FM001", "FM001"]
    assert [line.split(":")[0] for line in lines(result)] == ["a_bad.py", "b_bad.py"]


def test_parse_error_with_findings_elsewhere(tmp_path: Path) -> None:
    """engine"""
    write(tmp_path, "a_bad.py", SYNTAX_ERROR)
    write(tmp_path, "b_app.py", VULNERABLE)
    result = invoke()
    assert result.exit_code == 1
    assert codes(result)[0] == "FM001"
    assert "FM104" in codes(result)


def test_undecodable_file_is_fm001(tmp_path: Path) -> None:
    (tmp_path / "latin.py").write_bytes(b"from flask import Flask\nname = '\xe9t\xe9'\n")
    write(tmp_path, "other.py", SYNTAX_ERROR)
    result = invoke()
    assert result.exit_code == 1
    assert lines(result)[0].startswith("latin.py:1:1: FM001 cannot read file: ")
    assert lines(result)[1].startswith("other.py:")


def _explode_on_boom(monkeypatch: pytest.MonkeyPatch) -> None:
    real = checker.check_files

    def check_files(files, settings):  # type: ignore[no-untyped-def]
        if any(f.path.endswith("boom.py") for f in files):
            raise RuntimeError("the engine fell over\nsecond line")
        return real(files, settings)

    monkeypatch.setattr(checker, "check_files", check_files)


def test_internal_error_is_fm000_exit_2_and_run_goes_on(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _explode_on_boom(monkeypatch)
    write(tmp_path, "a_bad.py", SYNTAX_ERROR)
    write(tmp_path, "boom.py", CLEAN)
    write(tmp_path, "c_bad.py", SYNTAX_ERROR)
    result = invoke("--jobs", "1")
    assert result.exit_code == 2
    assert "boom.py:1:1: FM000 internal error: RuntimeError: the engine fell over second line" in lines(result)
    assert codes(result) == ["FM001", "FM000", "FM001"]
    assert "Traceback" not in result.stderr


def test_internal_error_exit_2_even_with_exit_zero(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _explode_on_boom(monkeypatch)
    write(tmp_path, "boom.py", CLEAN)
    assert invoke("--jobs", "1", "--exit-zero").exit_code == 2


def test_internal_error_not_silenced(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _explode_on_boom(monkeypatch)
    write(tmp_path, "boom.py", "from flask import Flask  # noqa\n")
    result = invoke("--jobs", "1", "--ignore", "FM0")
    assert result.exit_code == 2
    assert codes(result) == ["FM000"]


def test_internal_error_traceback_with_verbose(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _explode_on_boom(monkeypatch)
    write(tmp_path, "boom.py", CLEAN)
    result = invoke("--jobs", "1", "--verbose")
    assert result.exit_code == 2
    assert "Traceback" in result.stderr
    assert "RuntimeError: the engine fell over" in result.stderr


def test_internal_error_with_engine_findings(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """engine: other files are still reported when one file's analysis fails."""
    _explode_on_boom(monkeypatch)
    write(tmp_path, "app.py", VULNERABLE)
    write(tmp_path, "boom.py", CLEAN)
    result = invoke("--jobs", "1")
    assert result.exit_code == 2
    assert "FM104" in codes(result)
    assert "FM000" in codes(result)


# ---------------------------------------------------------------------------------------------
# Selection, noqa, per-file-ignores


def test_select_and_ignore_by_prefix(tmp_path: Path) -> None:
    """engine"""
    write(tmp_path, "app.py", VULNERABLE)
    assert codes(invoke("app.py")) == ["FM104", "FM301"]
    assert codes(invoke("--select", "FM1", "app.py")) == ["FM104"]
    assert codes(invoke("--select", "FM3", "app.py")) == ["FM301"]
    assert codes(invoke("--ignore", "FM104", "app.py")) == ["FM301"]
    assert codes(invoke("--select", "FM1,FM3", "--ignore", "FM10", "app.py")) == ["FM301"]
    # The longer prefix wins: FM104 is selected although FM1 is ignored.
    assert codes(invoke("--select", "FM104", "--ignore", "FM1", "app.py")) == ["FM104"]
    result = invoke("--ignore", "FM", "app.py")
    assert result.exit_code == 0 and result.stdout == ""


def test_extend_select_and_ignore(tmp_path: Path) -> None:
    """engine"""
    write(tmp_path, "pyproject.toml", '[tool.flaskmongo-lint]\nselect = ["FM1"]\n')
    write(tmp_path, "app.py", VULNERABLE)
    assert codes(invoke("app.py")) == ["FM104"]
    assert codes(invoke("--extend-select", "FM301", "app.py")) == ["FM104", "FM301"]
    assert codes(invoke("--extend-select", "FM3", "--extend-ignore", "FM104", "app.py")) == ["FM301"]


def test_meta_codes_survive_narrow_select(tmp_path: Path) -> None:
    write(tmp_path, "bad.py", SYNTAX_ERROR)
    assert codes(invoke("--select", "FM3")) == ["FM001"]
    result = invoke("--ignore", "FM001")
    assert result.exit_code == 0 and result.stdout == ""


def test_cli_ignore_replaces_file_ignore(tmp_path: Path) -> None:
    write(tmp_path, "pyproject.toml", '[tool.flaskmongo-lint]\nignore = ["FM001"]\n')
    write(tmp_path, "bad.py", SYNTAX_ERROR)
    assert invoke().stdout == ""
    assert codes(invoke("--ignore", "FM3")) == ["FM001"]


def _noqa_variant(suffix: str) -> str:
    src = VULNERABLE.splitlines()
    src[VULNERABLE_LINE - 1] += suffix
    return "\n".join(src) + "\n"


@pytest.mark.parametrize(
    "comment, expected",
    [
        ("  # noqa", []),
        ("  # NOQA", []),
        ("  #noqa", []),
        ("  # noqa: FM104", ["FM301"]),
        ("  # noqa:FM301", ["FM104"]),
        ("  # noqa: FM104,FM301", []),
        ("  # noqa: FM104 FM301", []),
        ("  # noqa: FM1", ["FM301"]),
        ("  # noqa: FM203", ["FM104", "FM301"]),
    ],
)
def test_noqa(tmp_path: Path, comment: str, expected: Sequence[str]) -> None:
    """engine"""
    write(tmp_path, "app.py", _noqa_variant(comment))
    result = invoke("app.py")
    assert codes(result) == list(expected)
    assert result.exit_code == (1 if expected else 0)


def test_noqa_on_another_line_does_not_count(tmp_path: Path) -> None:
    """engine"""
    write(tmp_path, "app.py", VULNERABLE.replace('return "", 204', 'return "", 204  # noqa'))
    assert codes(invoke("app.py")) == ["FM104", "FM301"]


def test_noqa_inside_a_string_does_not_count(tmp_path: Path) -> None:
    """engine"""
    write(tmp_path, "app.py", _noqa_variant('  or "# noqa"'))
    assert codes(invoke("app.py")) == ["FM104", "FM301"]


def test_noqa_on_parse_error(tmp_path: Path) -> None:
    """Whatever line the parser blames, a noqa there silences the FM001 (and only that code does)."""
    write(tmp_path, "bad.py", SYNTAX_ERROR)
    first = invoke("bad.py")
    line = int(lines(first)[0].split(":")[1])
    source = SYNTAX_ERROR.splitlines()
    assert 1 <= line <= len(source)
    for comment, silenced in (("  # noqa", True), ("  # noqa: FM001", True), ("  # noqa: FM0", True), ("  # noqa: FM101", False)):
        changed = list(source)
        changed[line - 1] += comment
        write(tmp_path, "bad.py", "\n".join(changed) + "\n")
        assert (invoke("bad.py").stdout == "") is silenced, comment


def test_per_file_ignores(tmp_path: Path) -> None:
    write(
        tmp_path,
        "pyproject.toml",
        textwrap.dedent(
            """\
            [tool.flaskmongo-lint.per-file-ignores]
            "legacy/*" = ["FM001"]
            "gen_*.py" = ["FM0"]
            """
        ),
    )
    write(tmp_path, "legacy/deep/old.py", SYNTAX_ERROR)
    write(tmp_path, "src/gen_models.py", SYNTAX_ERROR)
    write(tmp_path, "src/app.py", SYNTAX_ERROR)
    result = invoke()
    assert [line.split(":")[0] for line in lines(result)] == ["src/app.py"]


def test_per_file_ignores_with_engine(tmp_path: Path) -> None:
    """engine"""
    write(tmp_path, "pyproject.toml", '[tool.flaskmongo-lint.per-file-ignores]\n"admin/*.py" = ["FM1"]\n')
    write(tmp_path, "admin/app.py", VULNERABLE)
    write(tmp_path, "public/app.py", VULNERABLE)
    result = invoke()
    assert codes(result) == ["FM301", "FM104", "FM301"]


# ---------------------------------------------------------------------------------------------
# Discovery


def test_excludes_and_virtualenvs_are_skipped(tmp_path: Path) -> None:
    for name in ("build/a.py", ".venv/lib/b.py", "node_modules/c.py", "pkg.egg-info/d.py", "__pycache__/e.py"):
        write(tmp_path, name, SYNTAX_ERROR)
    write(tmp_path, "env-with-odd-name/pyvenv.cfg", "home = /usr/bin\n")
    write(tmp_path, "env-with-odd-name/lib/site.py", SYNTAX_ERROR)
    write(tmp_path, "src/app.py", SYNTAX_ERROR)
    write(tmp_path, "src/readme.txt", SYNTAX_ERROR)
    result = invoke()
    assert [line.split(":")[0] for line in lines(result)] == ["src/app.py"]


def test_configured_excludes(tmp_path: Path) -> None:
    write(tmp_path, "pyproject.toml", '[tool.flaskmongo-lint]\nextend-exclude = ["migrations", "src/generated/*"]\n')
    write(tmp_path, "migrations/0001.py", SYNTAX_ERROR)
    write(tmp_path, "src/generated/models.py", SYNTAX_ERROR)
    write(tmp_path, "src/app.py", SYNTAX_ERROR)
    write(tmp_path, "build/x.py", SYNTAX_ERROR)
    assert [line.split(":")[0] for line in lines(invoke())] == ["src/app.py"]
    # "exclude" replaces the defaults, so build/ is linted again.
    write(tmp_path, "pyproject.toml", '[tool.flaskmongo-lint]\nexclude = ["src"]\n')
    assert [line.split(":")[0] for line in lines(invoke())] == ["build/x.py", "migrations/0001.py"]


def test_explicit_files_are_always_linted(tmp_path: Path) -> None:
    write(tmp_path, "build/gen.py", SYNTAX_ERROR)
    write(tmp_path, "scripts/tool", SYNTAX_ERROR)  # no .py extension: only linted when named
    assert invoke().stdout == ""
    result = invoke("build/gen.py", "scripts/tool")
    assert [line.split(":")[0] for line in lines(result)] == ["build/gen.py", "scripts/tool"]


def test_files_not_mentioning_flask_are_not_parsed(tmp_path: Path) -> None:
    write(tmp_path, "plain.py", "def broken(:\n    pass\n")
    result = invoke()
    assert result.exit_code == 0 and result.stdout == ""


def test_paths_deduplicated_and_output_sorted(tmp_path: Path) -> None:
    write(tmp_path, "b.py", SYNTAX_ERROR)
    write(tmp_path, "a.py", SYNTAX_ERROR)
    write(tmp_path, "sub/c.py", SYNTAX_ERROR)
    result = invoke("sub", "b.py", ".", "./a.py", "sub/c.py")
    assert [line.split(":")[0] for line in lines(result)] == ["a.py", "b.py", "sub/c.py"]


def test_output_sorted_with_engine(tmp_path: Path) -> None:
    """engine: sorted by path, then line, then column."""
    write(tmp_path, "z.py", VULNERABLE)
    write(tmp_path, "a.py", VULNERABLE)
    result = invoke("z.py", "a.py")
    keys = []
    for line in lines(result):
        path, row, col, _ = line.split(":", 3)
        keys.append((path, int(row), int(col)))
    assert keys == sorted(keys)
    assert keys[0][0] == "a.py"


def test_parallel_run_gives_the_same_output(tmp_path: Path) -> None:
    for i in range(12):
        write(tmp_path, f"m{i:02d}.py", SYNTAX_ERROR if i % 3 == 0 else CLEAN)
        write(tmp_path, f"v{i:02d}.py", VULNERABLE)
    # --no-cache: each run analyses for itself, or the later ones would only read the first's.
    serial = invoke("--no-cache", "--jobs", "1")
    parallel = invoke("--no-cache", "--jobs", "2")
    auto = invoke("--no-cache")
    assert serial.stdout == parallel.stdout == auto.stdout
    assert serial.exit_code == parallel.exit_code == auto.exit_code
    assert codes(serial).count("FM001") == 4


# ---------------------------------------------------------------------------------------------
# Output


def test_show_source(tmp_path: Path) -> None:
    """engine"""
    write(tmp_path, "app.py", VULNERABLE)
    out = lines(invoke("--show-source", "--select", "FM104", "app.py"))
    assert out[0].startswith(f"app.py:{VULNERABLE_LINE}:{FM104_COL}: FM104 ")
    source_line = VULNERABLE.splitlines()[VULNERABLE_LINE - 1]
    assert out[1] == source_line
    # Carets under the whole reported call, db.items.delete_one(...).
    call = source_line[FM104_COL - 1:]
    assert out[2] == " " * (FM104_COL - 1) + "^" * len(call)


def test_show_source_parse_error(tmp_path: Path) -> None:
    write(tmp_path, "bad.py", SYNTAX_ERROR)
    out = lines(invoke("--show-source", "bad.py"))
    row, col = (int(x) for x in out[0].split(":")[1:3])
    assert out[1] == SYNTAX_ERROR.splitlines()[row - 1]
    assert out[2] == " " * (col - 1) + "^"


def test_statistics(tmp_path: Path) -> None:
    """engine"""
    write(tmp_path, "a.py", VULNERABLE)
    write(tmp_path, "b.py", VULNERABLE)
    out = lines(invoke("--statistics"))
    assert len(out) == 6
    assert out[4].split() == ["2", "FM104", "unauthenticated-write"]
    assert out[5].split() == ["2", "FM301", "unguarded-objectid"]


def test_statistics_parse_errors(tmp_path: Path) -> None:
    write(tmp_path, "a.py", SYNTAX_ERROR)
    write(tmp_path, "b.py", SYNTAX_ERROR)
    out = lines(invoke("--statistics"))
    assert out[-1].split() == ["2", "FM001", "parse-error"]


def test_format_json(tmp_path: Path) -> None:
    """engine"""
    write(tmp_path, "app.py", VULNERABLE)
    result = invoke("--format", "json", "app.py")
    assert result.exit_code == 1
    items = json.loads(result.stdout)
    assert [item["code"] for item in items] == ["FM104", "FM301"]
    first = items[0]
    assert set(first) == {
        "path", "line", "column", "end_line", "end_column", "code", "name", "severity", "cwe", "message",
        "confidence", "fingerprint", "flow", "related",
    }
    assert (first["path"], first["line"], first["column"]) == ("app.py", VULNERABLE_LINE, FM104_COL)
    call = VULNERABLE.splitlines()[VULNERABLE_LINE - 1][FM104_COL - 1:]
    assert (first["end_line"], first["end_column"]) == (VULNERABLE_LINE, FM104_COL + len(call))
    assert len(first["fingerprint"]) == 32 and first["fingerprint"] != items[1]["fingerprint"]
    assert first["name"] == "unauthenticated-write" and first["cwe"] == 306
    assert first["confidence"] in ("high", "medium")
    assert items[1]["name"] == "unguarded-objectid" and items[1]["cwe"] == 20
    assert items[1]["confidence"] is None


def test_format_json_parse_error_and_empty(tmp_path: Path) -> None:
    write(tmp_path, "bad.py", SYNTAX_ERROR)
    items = json.loads(invoke("--format", "json").stdout)
    assert [(i["path"], i["code"], i["name"], i["severity"], i["cwe"]) for i in items] == [
        ("bad.py", "FM001", "parse-error", "error", None)
    ]
    write(tmp_path, "bad.py", CLEAN)
    result = invoke("--format", "json")
    assert result.exit_code == 0 and json.loads(result.stdout) == []


def test_format_json_statistics_go_to_stderr(tmp_path: Path) -> None:
    write(tmp_path, "bad.py", SYNTAX_ERROR)
    result = invoke("--format", "json", "--statistics")
    assert len(json.loads(result.stdout)) == 1
    assert "FM001" in result.stderr


def test_format_sarif(tmp_path: Path) -> None:
    """engine"""
    write(tmp_path, "src/app.py", VULNERABLE)
    result = invoke("--format", "sarif", "src")
    assert result.exit_code == 1
    sarif = json.loads(result.stdout)
    assert sarif["version"] == "2.1.0"
    run = sarif["runs"][0]
    driver = run["tool"]["driver"]
    assert driver["name"] == "flaskmongo-lint" and driver["version"] == __version__
    rules = {rule["id"]: rule for rule in driver["rules"]}
    assert {rule.code for rule in ALL_RULES} <= set(rules)
    fm104 = rules["FM104"]
    assert fm104["name"] == "unauthenticated-write"
    assert fm104["shortDescription"]["text"]
    assert fm104["help"]["text"]
    assert "external/cwe/cwe-306" in fm104["properties"]["tags"]
    assert float(fm104["properties"]["security-severity"]) > 0
    results = run["results"]
    assert [r["ruleId"] for r in results] == ["FM104", "FM301"]
    location = results[0]["locations"][0]["physicalLocation"]
    assert location["artifactLocation"]["uri"] == "src/app.py"
    call = VULNERABLE.splitlines()[VULNERABLE_LINE - 1][FM104_COL - 1:]
    assert location["region"] == {
        "startLine": VULNERABLE_LINE, "startColumn": FM104_COL,
        "endLine": VULNERABLE_LINE, "endColumn": FM104_COL + len(call),
    }
    assert results[0]["level"] in ("error", "warning")
    assert driver["rules"][results[0]["ruleIndex"]]["id"] == "FM104"


def test_format_sarif_plumbing(tmp_path: Path) -> None:
    write(tmp_path, "src/bad.py", SYNTAX_ERROR)
    sarif = json.loads(invoke("--format", "sarif").stdout)
    run = sarif["runs"][0]
    ids = [rule["id"] for rule in run["tool"]["driver"]["rules"]]
    assert ids[:2] == ["FM000", "FM001"] and set(ids) >= {rule.code for rule in ALL_RULES}
    (result,) = run["results"]
    assert result["ruleId"] == "FM001" and result["level"] == "error"
    assert result["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] == "src/bad.py"
    assert run["invocations"][0]["executionSuccessful"] is True


def test_format_github(tmp_path: Path) -> None:
    """engine"""
    write(tmp_path, "app.py", VULNERABLE)
    out = lines(invoke("--format", "github", "app.py"))
    assert out[0].startswith(f"::error file=app.py,line={VULNERABLE_LINE},col={FM104_COL},title=FM104::")
    assert out[1].startswith("::") and ",title=FM301::" in out[1]


def test_format_github_parse_error(tmp_path: Path) -> None:
    write(tmp_path, "bad.py", SYNTAX_ERROR)
    (line,) = lines(invoke("--format", "github"))
    assert line.startswith("::error file=bad.py,line=")
    assert ",title=FM001::cannot parse" in line


def test_output_file(tmp_path: Path) -> None:
    write(tmp_path, "bad.py", SYNTAX_ERROR)
    result = invoke("--format", "sarif", "--output-file", "results.sarif")
    assert result.exit_code == 1
    assert result.stdout == ""
    sarif = json.loads((tmp_path / "results.sarif").read_text(encoding="utf-8"))
    assert sarif["runs"][0]["results"][0]["ruleId"] == "FM001"


# ---------------------------------------------------------------------------------------------
# Information


def test_version() -> None:
    result = invoke("--version")
    assert result.exit_code == 0
    assert result.stdout.strip() == f"flaskmongo-lint {__version__}"


def test_list_rules_lists_the_registry() -> None:
    result = invoke("--list-rules")
    assert result.exit_code == 0
    out = lines(result)
    assert out[0].split()[0] == "FM000" and out[1].split()[0] == "FM001"
    for rule in ALL_RULES:
        (line,) = [line for line in out if line.split()[0] == rule.code]
        assert line.split()[1:4] == [rule.name, rule.severity, f"CWE-{rule.cwe}"]
        assert line.endswith(rule.summary)


def test_list_rules_has_every_documented_rule() -> None:
    """engine: the README's table, in the registry."""
    listed = {line.split()[0]: line.split()[1] for line in lines(invoke("--list-rules"))}
    expected = {
        "FM101": "unscoped-read", "FM102": "unscoped-write", "FM103": "client-supplied-owner",
        "FM201": "mass-assignment", "FM202": "client-update-document", "FM203": "replace-with-client-data",
        "FM204": "insert-client-document", "FM301": "unguarded-objectid", "FM302": "operator-injection",
        "FM303": "client-query-structure", "FM304": "server-side-javascript", "FM305": "regex-injection",
        "FM401": "excessive-data-exposure",
    }
    assert {code: listed.get(code) for code in expected} == expected


def test_list_rules_ignores_broken_config(tmp_path: Path) -> None:
    write(tmp_path, "pyproject.toml", "[tool.flaskmongo-lint]\nnope = 1\n")
    assert invoke("--list-rules").exit_code == 0


def test_explain_fm101() -> None:
    """engine: FM101 must be in the registry."""
    result = invoke("--explain", "FM101")
    assert result.exit_code == 0
    assert result.stdout.startswith("FM101 unscoped-read (error, CWE-639)\n")
    assert "Reads a per-owner document by a client-supplied id" in result.stdout
    assert "\nWhy is this bad?\n" in result.stdout
    # The example is indented code, without the reST markup around it.
    assert '\n    @app.get("/notes/<note_id>")\n' in result.stdout


def test_explain_meta_code() -> None:
    result = invoke("--explain", "FM001")
    assert result.exit_code == 0
    assert result.stdout.startswith("FM001 parse-error")


def test_explain_unknown_code_exits_2() -> None:
    result = invoke("--explain", "FM999")
    assert result.exit_code == 2
    assert result.stderr == "flaskmongo-lint: error: unknown rule code or name 'FM999' (see --list-rules)\n"


def test_verbose_says_what_it_did(tmp_path: Path) -> None:
    write(tmp_path, "app.py", CLEAN)
    result = invoke("--verbose", "app.py")
    assert result.exit_code == 0
    assert "config: defaults" in result.stderr
    assert "checked 1 file(s)" in result.stderr


# ---------------------------------------------------------------------------------------------
# As a real process (the console script's entry point)


def _module(*args: str, cwd: Path) -> "subprocess.CompletedProcess[str]":
    return subprocess.run(
        [sys.executable, "-m", "flaskmongo_lint", *args], cwd=cwd, capture_output=True, text=True, timeout=120
    )


def test_module_entry_point(tmp_path: Path) -> None:
    assert _module("--version", cwd=tmp_path).stdout.strip() == f"flaskmongo-lint {__version__}"
    write(tmp_path, "bad.py", SYNTAX_ERROR)
    write(tmp_path, "ok.py", CLEAN)
    done = _module(cwd=tmp_path)
    assert done.returncode == 1
    assert done.stdout.startswith("bad.py:") and "FM001" in done.stdout
    missing = _module("nope", cwd=tmp_path)
    assert missing.returncode == 2
    assert missing.stderr == "flaskmongo-lint: error: path does not exist: nope\n"
    usage = _module("--no-such-option", cwd=tmp_path)
    assert usage.returncode == 2
    assert usage.stderr.startswith("flaskmongo-lint: error: No such option")
    assert "--no-such-option" in usage.stderr
    assert usage.stderr.count("\n") == 1


@pytest.mark.parametrize("jobs", ["1", "2"])
def test_a_worker_that_dies_costs_only_its_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, jobs: str) -> None:
    """A segfault in a worker (the parser on absurd input, say) is that file's FM000; the others
    are reported as usual, before and after it, with one worker or several."""
    import os
    import signal

    real = checker.check_files

    def crash_on_crash_py(files, settings):  # type: ignore[no-untyped-def]
        if any(f.path.endswith("crash.py") for f in files):
            os.kill(os.getpid(), signal.SIGSEGV)
        return real(files, settings)

    monkeypatch.setattr(checker, "check_files", crash_on_crash_py)
    for i in range(4):
        write(tmp_path, f"app{i}.py", VULNERABLE)
        write(tmp_path, f"zapp{i}.py", VULNERABLE)  # after crash.py in path order
    write(tmp_path, "crash.py", VULNERABLE)
    result = invoke("--jobs", jobs)
    assert result.exit_code == 2
    assert "crash.py:1:1: FM000 internal error: worker died: signal 11" in lines(result)
    assert codes(result).count("FM104") == 8


def test_verbose_names_a_function_whose_budget_ran_out(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from flaskmongo_lint.analysis.interp import engine

    monkeypatch.setattr(engine, "FUNCTION_BUDGET", 3)
    long = VULNERABLE.replace('    return "", 204\n', "".join(f"    x{i} = {i}\n" for i in range(10)))
    write(tmp_path, "app.py", long)
    result = invoke("--verbose", "--jobs", "1", "app.py")
    assert "analysis cut short: app:drop: budget of 3 steps spent" in result.stderr
    assert "FM104" in codes(result)  # what was found before the budget ran out is kept
    quiet = invoke("--jobs", "1", "app.py")
    assert "cut short" not in quiet.stderr


def test_discovery_problems_never_end_the_run(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A symlink loop is a --verbose note, an unreadable folder an FM001 (exit 1), and the
    other files are reported as usual."""
    import os

    from lintkit import refuse_folder

    write(tmp_path, "app/views.py", VULNERABLE)
    write(tmp_path, "app/locked/hidden.py", VULNERABLE)
    os.symlink("loop.py", str(tmp_path / "app" / "loop.py"))
    refuse_folder(monkeypatch, "locked")
    result = invoke("--verbose", "app")
    assert result.exit_code == 1
    assert "app/locked:1:1: FM001 cannot read folder: permission denied" in lines(result)
    assert "FM104" in codes(result)
    assert "skipped link app/loop.py: too many levels of symbolic links" in result.stderr
    quiet = invoke("app")
    assert "skipped" not in quiet.stderr


def test_a_file_larger_than_max_file_size_is_fm001(tmp_path: Path) -> None:
    write(tmp_path, "pyproject.toml", '[tool.flaskmongo-lint]\nmax-file-size = "1kB"\n')
    write(tmp_path, "big.py", VULNERABLE + "#" * 2000 + "\n")
    write(tmp_path, "small.py", VULNERABLE)
    result = invoke(".")
    assert "big.py:1:1: FM001 file is 2.3 kB, larger than max-file-size (1.0 kB): not analysed" in lines(result)
    assert codes(result).count("FM104") == 1


def test_the_console_script_flushes_everything_and_exits_with_the_status(tmp_path: Path) -> None:
    """console() leaves with os._exit (no interpreter teardown): the whole report must still be
    written, and the status be the one main() chose."""
    for i in range(40):
        write(tmp_path, f"v{i:02d}.py", VULNERABLE)
    expected = invoke("--no-cache", str(tmp_path)).stdout
    command = [sys.executable, "-m", "flaskmongo_lint", "--no-cache"]
    done = subprocess.run(command + [str(tmp_path)], capture_output=True, text=True)
    assert done.returncode == 1 and done.stdout == expected and len(expected.splitlines()) >= 40
    assert subprocess.run(command + ["--exit-zero", str(tmp_path)], capture_output=True).returncode == 0
    assert subprocess.run(command + ["--version"], capture_output=True).returncode == 0
    usage = subprocess.run(command + ["--no-such-option"], capture_output=True, text=True)
    assert usage.returncode == 2 and usage.stderr.startswith("flaskmongo-lint: error: ")
    # A reader that stops early (| head -1) ends the run quietly, with no traceback.
    head = subprocess.Popen(command + [str(tmp_path)], stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    assert head.stdout is not None and head.stdout.readline()
    head.stdout.close()
    assert head.wait() in (1, 120) and b"Traceback" not in head.stderr.read()
