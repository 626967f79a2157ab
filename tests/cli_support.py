"""Helpers shared by the command-line tests: run the CLI in-process, write files, read codes.

The sources here are the simplest obviously vulnerable handlers, whose findings keep their
meaning whatever the engine does inside: ``ObjectId(route_param)`` with no guard is FM301, and
``find(request.args.to_dict())`` is FM303.
"""
from __future__ import annotations

import textwrap
from pathlib import Path
from typing import List

import pytest
from click.testing import CliRunner, Result

from flaskmongo_lint import checker
from flaskmongo_lint.cli import cli

# FM301 at ObjectId(item_id) (line 8).
OBJECTID = textwrap.dedent(
    """\
    from bson import ObjectId
    from flask import Flask
    from pymongo import MongoClient
    app = Flask(__name__)
    db = MongoClient().shop
    @app.get("/items/<item_id>")
    def item(item_id):
        return str(db.items.find_one({"_id": ObjectId(item_id)}))
    """
)
OBJECTID_LINE = 8

# FM303 at request.args.to_dict() (line 7).
SEARCH = textwrap.dedent(
    """\
    from flask import Flask, request
    from pymongo import MongoClient
    app = Flask(__name__)
    db = MongoClient().shop
    @app.get("/search")
    def search():
        found = list(db.items.find(request.args.to_dict()))
        return str(found)
    """
)
SEARCH_LINE = 7

# Mentions flask (so it is not skipped by the pre-check) and cannot be parsed.
SYNTAX_ERROR = "from flask import Flask\n\ndef broken(:\n    pass\n"


def invoke(*args: str, input: "str | bytes | None" = None) -> Result:
    """Run the command in this process (so monkeypatching works), stdout and stderr apart."""
    try:
        runner = CliRunner(mix_stderr=False)  # click < 8.2
    except TypeError:
        runner = CliRunner()  # click >= 8.2 always keeps stderr apart
    return runner.invoke(cli, list(args), input=input, catch_exceptions=False)


def write(root: Path, name: str, text: str) -> Path:
    path = root / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def lines(result: Result) -> List[str]:
    return result.stdout.splitlines()


def codes(result: Result) -> List[str]:
    """The codes of a text report, in order."""
    return [line.split(": ", 1)[1].split()[0] for line in lines(result)]


def log_analysed(monkeypatch: pytest.MonkeyPatch, log: Path) -> Path:
    """Make the engine append the name of every file it analyses to ``log``, one per line.
    Checks run in a forked child, so the spy tells through a file, not through memory."""
    real = checker.check_files

    def spy(files, settings, **kw):  # type: ignore[no-untyped-def]
        with open(log, "a") as out:
            out.writelines(Path(f.path).name + "\n" for f in files)
        return real(files, settings, **kw)

    monkeypatch.setattr(checker, "check_files", spy)
    return log
