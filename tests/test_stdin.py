"""``flaskmongo-lint - --stdin-filename PATH``: standard input linted as if it were PATH."""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from cli_support import OBJECTID, OBJECTID_LINE, SEARCH, codes, invoke, lines, write


@pytest.fixture(autouse=True)
def in_tmp(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    return tmp_path


def test_stdin_is_reported_under_the_given_name(tmp_path: Path) -> None:
    # What is on disk under that name does not matter: the editor's buffer is what counts.
    write(tmp_path, "pkg/app.py", "x = 1\n")
    result = invoke("-", "--stdin-filename", "pkg/app.py", input=OBJECTID)
    assert result.exit_code == 1
    (line,) = lines(result)
    assert line.startswith(f"pkg/app.py:{OBJECTID_LINE}:") and "FM301" in line


def test_stdin_without_a_name_is_dash() -> None:
    (line,) = lines(invoke("-", input=OBJECTID))
    assert line.startswith(f"-:{OBJECTID_LINE}:")


def test_stdin_filename_alone_reads_stdin() -> None:
    assert codes(invoke("--stdin-filename", "app.py", input=OBJECTID)) == ["FM301"]


def test_stdin_gets_the_config_and_per_file_ignores_of_its_path(tmp_path: Path) -> None:
    write(
        tmp_path,
        "pyproject.toml",
        '[tool.flaskmongo-lint]\nselect = ["FM3"]\n\n[tool.flaskmongo-lint.per-file-ignores]\n"legacy/*" = ["FM301"]\n',
    )
    assert codes(invoke("-", "--stdin-filename", "src/app.py", input=OBJECTID)) == ["FM301"]
    assert invoke("-", "--stdin-filename", "legacy/app.py", input=OBJECTID).stdout == ""
    assert codes(invoke("-", "--stdin-filename", "src/search.py", input=SEARCH)) == ["FM303"]
    write(tmp_path, "pyproject.toml", '[tool.flaskmongo-lint]\nselect = ["FM1"]\n')
    assert invoke("-", "--stdin-filename", "src/app.py", input=OBJECTID).stdout == ""


def test_stdin_show_source_shows_the_input_not_the_file(tmp_path: Path) -> None:
    write(tmp_path, "app.py", "# the old version on disk\n" * 20)
    out = lines(invoke("-", "--stdin-filename", "app.py", "--show-source", input=OBJECTID))
    assert out[1] == OBJECTID.splitlines()[OBJECTID_LINE - 1]


def test_stdin_noqa_skip_file_and_json(tmp_path: Path) -> None:
    silenced = OBJECTID.replace("ObjectId(item_id)}))", "ObjectId(item_id)}))  # noqa: FM301")
    assert invoke("-", "--stdin-filename", "app.py", input=silenced).exit_code == 0
    skipped = "# flaskmongo-lint: skip-file\n" + OBJECTID
    assert invoke("-", "--stdin-filename", "app.py", input=skipped).stdout == ""
    (item,) = json.loads(invoke("-", "--stdin-filename", "app.py", "--format", "json", input=OBJECTID).stdout)
    assert item["path"] == "app.py" and len(item["fingerprint"]) == 32


def test_stdin_fingerprint_matches_the_file_on_disk(tmp_path: Path) -> None:
    write(tmp_path, "app.py", OBJECTID)
    (on_disk,) = json.loads(invoke("--format", "json", "app.py").stdout)
    (piped,) = json.loads(invoke("-", "--stdin-filename", "app.py", "--format", "json", input=OBJECTID).stdout)
    assert piped["fingerprint"] == on_disk["fingerprint"]


def test_stdin_parse_error() -> None:
    result = invoke("-", "--stdin-filename", "bad.py", input="from flask import Flask\nx = (\n")
    assert result.exit_code == 1
    assert lines(result)[0].startswith("bad.py:2:6: FM001 ")


@pytest.mark.parametrize(
    "args, message",
    [
        (("-", "other.py"), "'-' (standard input) cannot be combined with other paths"),
        (("--stdin-filename", "app.py", "other.py"), "give '-' as the only path"),
    ],
)
def test_stdin_usage_errors(args: "tuple[str, ...]", message: str) -> None:
    result = invoke(*args, input=OBJECTID)
    assert result.exit_code == 2
    assert result.stderr.startswith("flaskmongo-lint: error: ") and message in result.stderr


def test_stdin_through_a_real_pipe(tmp_path: Path) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "flaskmongo_lint", "-", "--stdin-filename", "app.py"],
        input=OBJECTID.encode(), capture_output=True, cwd=tmp_path, timeout=120,
    )
    assert done.returncode == 1
    assert done.stdout.decode().startswith(f"app.py:{OBJECTID_LINE}:")


AUTH = '''\
from functools import wraps

from flask import abort, request
from pymongo import MongoClient

db = MongoClient().hub


def requires_key(view):
    @wraps(view)
    def wrapper(*args, **kwargs):
        if db.keys.find_one({"api_key": request.headers.get("X-Key", "")}) is None:
            abort(401)
        return view(*args, **kwargs)

    return wrapper
'''
VIEWS = '''\
from flask import Blueprint

from .auth import db, requires_key

bp = Blueprint("hub", __name__)


@bp.post("/items/<item_id>/done")
@requires_key
def done(item_id):
    db.items.update_one({"_id": item_id}, {"$set": {"done": True}})
    return ""
'''


def test_stdin_in_a_project_reads_the_other_modules_from_disk(tmp_path: Path) -> None:
    """The decorator on disk (auth.py) verifies a key and aborts: the buffer's write is FM102, an
    authenticated write; linted alone it would be FM104."""
    write(tmp_path, "hub/__init__.py", "")
    write(tmp_path, "hub/auth.py", AUTH)
    write(tmp_path, "hub/views.py", "# the saved file is older than the editor's buffer\n")
    assert codes(invoke("-", "--stdin-filename", "hub/views.py", input=VIEWS)) == ["FM102"]
    assert codes(invoke("-", "--stdin-filename", "elsewhere/views.py", input=VIEWS)) == ["FM104"]
