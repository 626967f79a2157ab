"""The CLI's promises from the README: one-line errors (click's usage errors too), empty select is
an error, missing paths are each reported while the rest is linted, FM001 columns are 1-based
and inside the file."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from cli_support import OBJECTID, SYNTAX_ERROR, codes, invoke, lines, write


@pytest.fixture(autouse=True)
def in_tmp(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    return tmp_path


@pytest.mark.parametrize(
    "args, says",
    [
        (("--no-such-option",), "No such option"),
        (("--format", "xml"), "Invalid value for '--format'"),
        (("--jobs", "0"), "'0' is not 'auto' or a positive number"),
        (("--select",), "requires an argument"),
        (("--explain",), "requires an argument"),
        (("--select", ""), "--select is empty"),
        (("--select", " , "), "--select is empty"),
        (("--select", "E501"), "invalid code 'E501' in --select"),
        (("--config", "nope.toml"), "config file not found: nope.toml"),
        (("--baseline", "nope.json"), "cannot read baseline nope.json"),
        (("--explain", "nothing"), "unknown rule code or name 'nothing'"),
    ],
)
def test_every_error_is_one_line(args: "tuple[str, ...]", says: str) -> None:
    result = invoke(*args)
    assert result.exit_code == 2
    assert result.stderr.startswith("flaskmongo-lint: error: ")
    assert result.stderr.count("\n") == 1, result.stderr
    assert says in result.stderr
    assert result.stdout == ""


def test_empty_select_in_config_is_an_error(tmp_path: Path) -> None:
    write(tmp_path, "pyproject.toml", "[tool.flaskmongo-lint]\nselect = []\n")
    write(tmp_path, "app.py", OBJECTID)
    result = invoke("app.py")
    assert result.exit_code == 2
    assert result.stderr == (
        "flaskmongo-lint: error: 'select' in pyproject.toml is empty, so nothing would be reported: "
        'list codes or prefixes (select = ["FM"] is everything)\n'
    )
    # The command line's --select replaces the file's, but the file is still wrong.
    assert invoke("--select", "FM", "app.py").exit_code == 2


def test_empty_ignore_is_fine(tmp_path: Path) -> None:
    write(tmp_path, "app.py", OBJECTID)
    assert codes(invoke("--ignore", "", "app.py")) == ["FM301"]


def test_missing_paths_with_findings_and_machine_format(tmp_path: Path) -> None:
    write(tmp_path, "app.py", OBJECTID)
    result = invoke("--format", "json", "missing_a.py", "app.py", "missing_b")
    assert result.exit_code == 2
    assert [item["code"] for item in json.loads(result.stdout)] == ["FM301"]
    assert result.stderr.splitlines() == [
        "flaskmongo-lint: error: path does not exist: missing_a.py",
        "flaskmongo-lint: error: path does not exist: missing_b",
    ]


@pytest.mark.parametrize(
    "source",
    [
        SYNTAX_ERROR,
        "from flask import Flask\nx = (\n",  # unexpected end of file
        "from flask import Flask\nx = (",  # ... without a final newline
        "from flask import Flask\n  y = 2\n",  # unexpected indent
        "from flask import Flask\nif x:\npass\n",  # expected an indented block
        'from flask import Flask\nx = "abc\n',  # tokenizer error
        "from flask import Flask\nprint 'py2'\n",
    ],
)
def test_fm001_positions_are_1_based_and_inside_the_file(tmp_path: Path, source: str) -> None:
    write(tmp_path, "bad.py", source)
    result = invoke("--format", "json", "bad.py")
    (item,) = json.loads(result.stdout)
    assert item["code"] == "FM001"
    file_lines = source.splitlines()
    assert 1 <= item["line"] <= len(file_lines)
    assert 1 <= item["column"] <= len(file_lines[item["line"] - 1]) + 1
    assert "error at" not in item["message"]  # the 0-based "error at L:C" would contradict it
    github = lines(invoke("--format", "github", "bad.py"))[0]
    assert f"line={item['line']},col={item['column']}," in github


def test_fm001_points_at_the_offending_line() -> None:
    """A tokenizer error, which libcst places at 1:1, is placed on its line (the column is the
    string's start or the line's end, depending on the Python version)."""
    write(Path("."), "bad.py", 'from flask import Flask\nok = 1\nx = "abc\n')
    line = lines(invoke("bad.py"))[0]
    assert line.startswith("bad.py:3:") and " FM001 " in line
