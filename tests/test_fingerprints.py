"""Fingerprints survive unrelated edits, change with the finding, and number identical twins.

The engine-level tests use the simplest obviously vulnerable handler, ``ObjectId(item_id)`` with
no guard (FM301), whose meaning the engine keeps.
"""
from __future__ import annotations

import textwrap
from typing import List

import pytest

from flaskmongo_lint.config import Config
from flaskmongo_lint.findings import Finding
from flaskmongo_lint.checker import check_source
from flaskmongo_lint.fingerprints import assign_fingerprints, normalise_source, signature_of
from flaskmongo_lint.runner import lint_source
from flaskmongo_lint import syntax
from flaskmongo_lint.settings import AnalysisSettings
from lintkit import syntax_tree

HANDLER = textwrap.dedent(
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


def fm301(source: str, path: str = "app.py", root: str = ".") -> List[Finding]:
    result = lint_source(path, source.encode("utf-8"), Config(select=("FM301",), root=root))
    return [f for f in result.findings if f.code == "FM301"]


@pytest.mark.parametrize(
    "a, b",
    [
        ("f( a,b )", "f(a, b)"),
        ("f(\n    a,\n    b,\n)", "f(a, b)"),  # a formatter's magic trailing comma
        ("f(a,  # why\n  b)", "f(a, b)"),
        ("x if  y else z", "x if y else z"),
        ("f(a, \\\n b)", "f(a, b)"),
    ],
)
def test_layout_and_comments_do_not_count(a: str, b: str) -> None:
    assert normalise_source(a) == normalise_source(b)


@pytest.mark.parametrize(
    "a, b",
    [
        ("f(a)", "f(b)"),
        ("not x", "notx"),
        ('f("a  b")', 'f("a b")'),  # string contents are kept as written
        ("f('#')", "f()"),  # a "#" inside a string is not a comment
        ('f("""x\n  # y""")', 'f("""x""")'),
    ],
)
def test_code_and_strings_count(a: str, b: str) -> None:
    assert normalise_source(a) != normalise_source(b)


def test_signature_leaves_out_annotations_defaults_and_decorators() -> None:
    plain = syntax_tree("def get(self, note_id, *args, key=1, **kw):\n    pass\n").body[0]
    typed = syntax_tree(
        "@login_required\nasync def get(self, note_id: str, *args: int, key: int = 2, **kw) -> dict:\n    pass\n"
    ).body[0]
    assert isinstance(plain, syntax.FunctionDef) and isinstance(typed, syntax.FunctionDef)
    assert signature_of(plain) == signature_of(typed) == "get(self, note_id, *args, key, **kw)"
    only_kw = syntax_tree("def f(a, /, b, *, c):\n    pass\n").body[0]
    assert isinstance(only_kw, syntax.FunctionDef)
    assert signature_of(only_kw, "K.f") == "K.f(a, /, b, *, c)"


NESTED = """\
from bson import ObjectId
from flask.views import MethodView
from pymongo import MongoClient

db = MongoClient().shop


class NoteResource(MethodView):
    def get(self, note_id):
        def load(x):
            return db.notes.find({"$where": x})

        oid = ObjectId(note_id)
        return str(load(note_id)), str(oid)
"""


def test_scope_is_the_innermost_function_with_its_classes() -> None:
    found = {f.code: f for f in check_source(NESTED.encode(), "nested.py", AnalysisSettings())}
    assert found["FM304"].scope == "NoteResource.get.load(x)"
    assert found["FM301"].scope == "NoteResource.get(self, note_id)"


def test_the_checker_fills_end_snippet_and_scope() -> None:
    (finding,) = fm301(HANDLER)
    line = HANDLER.splitlines()[finding.line - 1]
    assert line[finding.col - 1:finding.end_col - 1] == "ObjectId(item_id)"
    assert finding.end_line == finding.line
    assert finding.snippet == "ObjectId(item_id)"
    assert finding.scope == "item(item_id)"
    assert len(finding.fingerprint) == 32


def test_unrelated_edits_keep_the_fingerprint() -> None:
    (before,) = fm301(HANDLER)
    edited = HANDLER.replace(
        "db = MongoClient().shop\n",
        "db = MongoClient().shop\nVERSION = 2  # a new line above moves everything down\n\n",
    ).replace(
        'return str(db.items.find_one({"_id": ObjectId(item_id)}))',
        'return str(\n        db.items.find_one({"_id": ObjectId( item_id )})  # reformatted\n    )',
    ).replace("def item(item_id):", "def item(item_id: str) -> str:")
    (after,) = fm301(edited)
    assert after.line != before.line
    assert after.fingerprint == before.fingerprint


def test_fingerprint_does_not_depend_on_the_working_directory(tmp_path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    root = tmp_path / "project"
    (root / "pkg").mkdir(parents=True)
    monkeypatch.chdir(root)
    (from_root,) = fm301(HANDLER, path="pkg/app.py", root=str(root))
    monkeypatch.chdir(root / "pkg")
    (from_pkg,) = fm301(HANDLER, path="app.py", root=str(root))
    assert from_root.fingerprint == from_pkg.fingerprint


@pytest.mark.parametrize(
    "change",
    [
        lambda s: s.replace("def item(item_id)", "def get_item(item_id)"),  # another function
        lambda s: s.replace("ObjectId(item_id)", "ObjectId(item_id.strip())"),  # another expression
    ],
)
def test_changing_the_finding_changes_the_fingerprint(change) -> None:  # type: ignore[no-untyped-def]
    (before,) = fm301(HANDLER)
    (after,) = fm301(change(HANDLER))
    assert after.fingerprint != before.fingerprint


def test_path_and_code_are_part_of_it() -> None:
    (a,) = fm301(HANDLER, path="a.py")
    (b,) = fm301(HANDLER, path="b.py")
    assert a.fingerprint != b.fingerprint
    same_place = Finding("a.py", 1, 1, "FM301", "m", snippet="x", scope="f()")
    other_code = Finding("a.py", 1, 1, "FM302", "m", snippet="x", scope="f()")
    fa, fb = assign_fingerprints([same_place, other_code], ".")
    assert fa.fingerprint != fb.fingerprint


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
TWIN = "    again = list(db.items.find(request.args.to_dict()))\n"


def test_identical_twins_are_numbered_in_file_order() -> None:
    """FM303 (a client mapping as the whole filter) is reported at each call, so two copies of
    the same call in one function are identical twins."""
    config = Config(select=("FM303",))
    (single,) = lint_source("app.py", SEARCH.encode(), config).findings
    below = SEARCH.replace("    return str(found)\n", TWIN + "    return str(found)\n")
    first, second = lint_source("app.py", below.encode(), config).findings
    assert (first.snippet, first.scope) == (second.snippet, second.scope)
    assert first.fingerprint == single.fingerprint
    assert second.fingerprint not in (first.fingerprint, single.fingerprint)


COMPOUND = """\
from bson import ObjectId
from flask import Flask

app = Flask(__name__)

if FEATURE:
    try:
        @app.get("/a/<x>")
        def a(x):
            return str(ObjectId(x))
    except ImportError:
        @app.get("/b/<y>")
        def b(y):
            return str(ObjectId(y))
"""


def test_scope_finds_functions_nested_in_compound_statements() -> None:
    found = check_source(COMPOUND.encode(), "compound.py", AnalysisSettings())
    assert [(f.code, f.scope) for f in found] == [("FM301", "a(x)"), ("FM301", "b(y)")]
