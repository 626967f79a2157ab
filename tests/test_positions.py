"""The cheap per-statement positions agree with libcst's whole-module PositionProvider."""
from __future__ import annotations

from pathlib import Path

import libcst as cst
import pytest
from libcst.metadata import MetadataWrapper, PositionProvider

from flaskmongo_lint.analysis.project import ParsedModule, Project
from flaskmongo_lint.positions import Positions
from flaskmongo_lint.rules import ALL_RULES
from flaskmongo_lint.rules.base import Occurrence, RuleContext
from flaskmongo_lint.settings import AnalysisSettings

FIXTURES = sorted(p for p in (Path(__file__).parent / "fixtures").rglob("*.py") if not (p.parent / "__init__.py").exists())

TRICKY = b'''# header comment
"""Docstring."""
import os; from flask import request
from bson import ObjectId
from flask.views import MethodView
from pymongo import MongoClient
db = MongoClient().x


# a comment before the decorators
@app.get("/a/<a_id>")

# a comment between decorators
@login_required
def a(a_id):
    return db.items.find_one({"_id": ObjectId(a_id)})
if True:
    x = 1
class K(MethodView):
    def put(self, k_id):
        db.k.delete_one({"_id": request.args["id"]})
'''

# Blocks indented like the module's default store no indentation of their own: a file indented by
# two spaces (or tabs), and one with Windows newlines, must still get their own columns and lines.
TWO_SPACES = b'''from flask import Flask, request
from bson import ObjectId
from pymongo import MongoClient
app = Flask(__name__)
db = MongoClient().db
@app.route("/a/<i>")
def a(i):
  if i:
    return str(db.x.find_one({"_id": ObjectId(i)}))
'''
TABS = TWO_SPACES.replace(b"\n    ", b"\n\t\t").replace(b"\n  ", b"\n\t")
CRLF = TRICKY.replace(b"\n", b"\r\n")
# Statements inside every kind of block, continuation lines, comments and blank lines between
# them, an elif chain and one-line suites: the innermost statement is generated on its own.
NESTED = b'''from flask import Flask, request
from bson import ObjectId
from pymongo import MongoClient
app = Flask(__name__)
db = MongoClient().db


@app.route("/n/<i>", methods=["POST"])
def n(i):
    class Local:
        pass
    m = request.args.get("m")
    if m == "a":
        pass
    elif m == "b":
        for x in range(2):
            while x:
                x -= 1
        else:
            # a comment

            db.x.delete_one({"_id": ObjectId(
                i)})
    elif m == "c": db.x.delete_one({"_id": ObjectId(i)})
    else:
        try:
            pass
        except ValueError:
            with open("f") as f:
                db.x.delete_one({"_id": ObjectId(i),
                                 "k": request.args["k"]})
        finally:
                db.x.delete_one({"_id": ObjectId(i)})
    match m:
        case "d":
            db.x.delete_one({"_id": ObjectId(i)})
    return "", 204
'''
SOURCES = [p.read_bytes() for p in FIXTURES] + [TRICKY, TWO_SPACES, TABS, CRLF, NESTED, NESTED.replace(b"    ", b"\t")]


def reported_nodes(module: cst.Module):  # type: ignore[no-untyped-def]
    settings = AnalysisSettings()
    result = Project([ParsedModule("m", "m.py", module)], settings).run()
    ctx = RuleContext(settings, result.evidence)
    for root in result.roots:
        for placed in root.summary.events:
            for rule in ALL_RULES:
                for report in rule().check(Occurrence(placed, root), ctx):
                    yield report.site.node, report.site.top, report.site.stmt


@pytest.mark.parametrize("source", SOURCES)
def test_positions_match_libcst(source: bytes) -> None:
    module = cst.parse_module(source)
    whole = MetadataWrapper(module, unsafe_skip_copy=True).resolve(PositionProvider)
    cheap = Positions(module, source)
    by_top = Positions(module, source)
    for node, top, stmt in reported_nodes(module):
        start, end = whole[node].start, whole[node].end
        expected = (start.line, start.column + 1, end.line, end.column + 1)
        assert cheap.span(node, top, stmt) == expected  # the innermost statement alone
        assert by_top.span(node, top) == expected  # the module-level statement


@pytest.mark.parametrize("source", SOURCES)
def test_positions_generated_only_as_far_as_wanted_are_the_same(source: bytes) -> None:
    module = cst.parse_module(source)
    reported = list(reported_nodes(module))
    full = Positions(module, source)
    partial = Positions(module, source)
    for node, top, stmt in reported[::2]:  # some are wanted beforehand, the others are asked for later
        partial.want(node, top, stmt)
    for node, top, stmt in reported:
        assert partial.span(node, top, stmt) == full.span(node, top, stmt)


def test_tricky_source_positions() -> None:
    module = cst.parse_module(TRICKY)
    cheap = Positions(module, TRICKY)
    placed = sorted(cheap.of(node, top, stmt) for node, top, stmt in reported_nodes(module))
    assert placed == [(16, 38), (21, 9)]  # after comments between decorators; in a class method


@pytest.mark.parametrize(("source", "column"), [(TWO_SPACES, 38), (TABS, 36)])
def test_columns_in_a_file_not_indented_by_four_spaces(source: bytes, column: int) -> None:
    module = cst.parse_module(source)
    cheap = Positions(module, source)
    assert [cheap.of(node, top, stmt) for node, top, stmt in reported_nodes(module)] == [(9, column)]


def test_falls_back_when_ast_cannot_parse() -> None:
    # libcst accepts this (it is lenient about some constructs); when ``ast`` cannot map the
    # statements the whole-module pass is used instead.
    module = cst.parse_module(TRICKY)
    cheap = Positions(module, b"this is not python (")
    node, top, stmt = next(iter(reported_nodes(module)))
    whole = MetadataWrapper(module, unsafe_skip_copy=True).resolve(PositionProvider)[node].start
    assert cheap.of(node, top, stmt) == (whole.line, whole.column + 1)
