"""Suppression from the command line: skip-file, noqa across a multi-line statement, FM002."""
from __future__ import annotations

from pathlib import Path

import pytest

from cli_support import OBJECTID, OBJECTID_LINE, SYNTAX_ERROR, codes, invoke, lines, write

MULTILINE = OBJECTID.replace(
    '    return str(db.items.find_one({"_id": ObjectId(item_id)}))\n',
    "    doc = db.items.find_one(\n"
    '        {"_id": ObjectId(item_id)},\n'
    "    )NOQA\n"
    "    return str(doc)\n",
)
assert "NOQA" in MULTILINE


@pytest.fixture(autouse=True)
def in_tmp(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    return tmp_path


@pytest.mark.parametrize(
    "marker",
    ["# flaskmongo-lint: skip-file", "#flaskmongo-lint:skip-file", "    # FLASKMONGO-LINT: skip-file"],
)
def test_skip_file(tmp_path: Path, marker: str) -> None:
    write(tmp_path, "app.py", marker + "\n" + OBJECTID)
    write(tmp_path, "bad.py", SYNTAX_ERROR + marker + "\n")
    result = invoke()
    assert result.exit_code == 0 and result.stdout == ""


def test_skip_file_must_be_a_comment_line_of_its_own(tmp_path: Path) -> None:
    write(tmp_path, "app.py", OBJECTID + 'HELP = "add # flaskmongo-lint: skip-file to skip a file"\n')
    assert codes(invoke()) == ["FM301"]


def test_noqa_on_the_last_line_of_a_multiline_call(tmp_path: Path) -> None:
    write(tmp_path, "app.py", MULTILINE.replace("NOQA", ""))
    (line,) = lines(invoke())
    assert line.startswith(f"app.py:{OBJECTID_LINE + 1}:") and "FM301" in line
    write(tmp_path, "app.py", MULTILINE.replace("NOQA", "  # noqa: FM301"))
    result = invoke()
    assert result.exit_code == 0 and result.stdout == ""
    write(tmp_path, "app.py", MULTILINE.replace("NOQA", "  # noqa: FM303"))
    assert codes(invoke()) == ["FM301"]


def test_unused_noqa_is_off_by_default_and_on_when_selected(tmp_path: Path) -> None:
    write(tmp_path, "app.py", OBJECTID.replace("app = Flask(__name__)\n", "app = Flask(__name__)  # noqa: FM101\n"))
    assert codes(invoke()) == ["FM301"]
    assert codes(invoke("--select", "FM")) == ["FM301"]
    assert codes(invoke("--extend-select", "FM002")) == ["FM002", "FM301"]
    assert codes(invoke("--select", "FM002")) == ["FM002"]
    assert codes(invoke("--select", "FM0,FM3")) == ["FM002", "FM301"]
    write(tmp_path, "pyproject.toml", '[tool.flaskmongo-lint]\nselect = ["FM", "FM002"]\n')
    assert codes(invoke()) == ["FM002", "FM301"]
    assert codes(invoke("--extend-ignore", "FM002")) == ["FM301"]


def test_used_noqa_is_not_reported_even_for_a_rule_switched_off(tmp_path: Path) -> None:
    source = OBJECTID.replace("ObjectId(item_id)}))", "ObjectId(item_id)}))  # noqa: FM301")
    write(tmp_path, "app.py", source)
    result = invoke("--select", "FM002")
    assert result.exit_code == 0 and result.stdout == ""


def test_unused_noqa_can_be_silenced_on_its_line(tmp_path: Path) -> None:
    write(tmp_path, "app.py", "from flask import Flask  # noqa: FM101, FM002\n")
    assert invoke("--select", "FM002").stdout == ""


def test_unused_noqa_in_a_file_that_never_mentions_flask(tmp_path: Path) -> None:
    write(tmp_path, "tool.py", "x = 1  # noqa: FM301\n")
    assert codes(invoke("--select", "FM002")) == ["FM002"]


def test_unused_noqa_is_not_judged_in_a_file_that_does_not_parse(tmp_path: Path) -> None:
    write(tmp_path, "bad.py", "from flask import Flask  # noqa: FM301\n" + SYNTAX_ERROR)
    assert codes(invoke("--extend-select", "FM002")) == ["FM001"]
