"""The two ways to the syntax tree agree: CPython's ``ast`` (every file CPython can read) and
libcst (grammar newer than the interpreter) give the same nodes, fields and positions, and
positions agree with libcst's own PositionProvider, which the libcst way uses.

Where ``ast`` cannot tell what libcst can, the trees differ on purpose (see
:mod:`flaskmongo_lint.syntax.from_ast`): implicitly joined strings arrive joined, and the text
of an f-string is kept as read. Places are compared for what a finding can point at (expressions,
statements, arguments, elements); the helper nodes around them (a comparison's target, a
parameter) and the names of an import, ``global``, ``nonlocal`` or a mapping or keyword pattern take an approximate place in the ``ast`` tree.
"""
from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path
from typing import Iterator, List, Tuple

import libcst
import pytest

from flaskmongo_lint import parsing, syntax
from flaskmongo_lint.checker import DEEP_RECURSION, check_source
from flaskmongo_lint.settings import AnalysisSettings
from flaskmongo_lint.syntax import from_ast, from_libcst

HERE = Path(__file__).parent
FIXTURES = sorted((HERE / "fixtures").rglob("*.py")) + sorted((HERE.parent / "examples").rglob("*.py"))

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


MORE = b'''x = ("a" "b", f"c{d!r:>{w}}" "e", b"f", 0x1F, 1_000, 2.5, 3j, ..., None, True)
a, *b = c = d[1:2, ::3], e[(1, 2)], e[1, 2], f[*g] if sys.version_info >= (3, 11) else 0
del a, b[0], c.d
r = [i for i in x if i for j in i], {k: v for k, v in y}, {s for s in z}, (g for g in w)
print(*a, key=1, **k); lambda p, /, q=1, *r, s, t=2, **u: p
async def f(x: int = 1, *, y: "str") -> None:
    async with a as (b, c), d:
        async for i in j:
            await k
    yield; yield x; yield from y
    global g; nonlocal h
    raise A from B
    assert x, "m"
    x += 1; x: int = 2; y @= z
    if not a and b or c and d: pass
    elif 1 < a <= b is not c not in d: pass
    else:
        if e: pass
    try: pass
    except (A, B) as e: pass
    except C: pass
    else: pass
    finally: pass
    while x: break
    else: continue
class C(B, metaclass=M, **kw): x = 1
from . import a as b
from ..c.d import *
import e.f as g, h
@dec(1)
class D: pass
match p:
    case 1 | "a" | None | -1: pass
    case [x, *rest] | (x, y): pass
    case {"k": v, **kw}: pass
    case Point(1, y=2) as q if q: pass
    case _: pass
'''
# A form feed between definitions and line separators inside a string and a comment: str.splitlines()
# ends lines there, CPython does not.
BREAKS = TWO_SPACES.replace(b"@app.route", "\x0c\n# \u2028 \x85\nnote = '\u2029'\n@app.route".encode())
SOURCES = [p.read_bytes() for p in FIXTURES] + [TRICKY, TWO_SPACES, TABS, CRLF, NESTED, NESTED.replace(b"    ", b"\t"), MORE,
                                                 BREAKS]

# Fields whose values differ by design between the two ways (see the module docstring).
_NOT_COMPARED = {"FormattedStringText": {"value"}}  # libcst keeps the text as written, ast as read


def both(source: bytes) -> Tuple[syntax.CSTNode, syntax.CSTNode]:
    text = parsing.decode(source)
    limit = sys.getrecursionlimit()
    sys.setrecursionlimit(DEEP_RECURSION)
    try:
        return from_ast.convert(ast.parse(text), text), from_libcst.convert(libcst.parse_module(text), text)
    finally:
        sys.setrecursionlimit(limit)


# What a finding can point at: these must have the same place both ways.
_PLACED = (syntax.BaseExpression, syntax.BaseSmallStatement, syntax.BaseCompoundStatement, syntax.Arg,
           syntax.Element, syntax.StarredElement, syntax.DictElement, syntax.Decorator)


def _data(value: object) -> object:
    """A plain field's value; nodes held as data (``async``, the dots of a relative import) by kind."""
    if isinstance(value, syntax.CSTNode):
        return type(value).__name__
    if isinstance(value, list):
        return [_data(v) for v in value]
    return value


def _joined(node: syntax.CSTNode) -> bool:
    """A string that ``ast`` reads as one literal and libcst as several (``"a" "b"``)."""
    return isinstance(node, syntax.ConcatenatedString)


def differences(a: syntax.CSTNode, b: syntax.CSTNode, path: str = "") -> Iterator[str]:
    """Where the ``ast`` tree ``a`` and the libcst tree ``b`` disagree (walked side by side)."""
    stack: List[Tuple[syntax.CSTNode, syntax.CSTNode, str]] = [(a, b, path)]
    while stack:
        x, y, where = stack.pop()
        kind = type(y).__name__
        if _joined(y):
            if not isinstance(x, (syntax.SimpleString, syntax.FormattedString)):
                yield f"{where}: joined string is {type(x).__name__}"
            continue
        if type(x) is not type(y):
            yield f"{where}: {type(x).__name__} != {kind}"
            continue
        for field in type(y).__slots__:
            if field in type(y)._fields or field in _NOT_COMPARED.get(kind, ()):
                continue
            if _data(getattr(x, field)) != _data(getattr(y, field)):
                yield f"{where}.{field}: {getattr(x, field)!r} != {getattr(y, field)!r}"
        if isinstance(y, _PLACED) and not any(k in where for k in ("Import", "NameItem", "MatchKeyword", "MatchMapping")) and (x._p is None or y._p is None or x._p[:4] != y._p[:4]):
            yield f"{where}: {kind} at {x._p and x._p[:4]} != {y._p and y._p[:4]}"
        xs, ys = x.children, y.children
        if len(xs) != len(ys):
            yield f"{where}: {kind} has {len(xs)} children, not {len(ys)}"
            continue
        for i, (cx, cy) in enumerate(zip(xs, ys)):
            stack.append((cx, cy, f"{where}/{kind}[{i}]"))


@pytest.mark.parametrize("source", SOURCES, ids=lambda s: s[:40].decode(errors="replace"))
def test_ast_and_libcst_give_the_same_tree(source: bytes) -> None:
    if b"match " in source and sys.version_info < (3, 10):
        pytest.skip("CPython reads match statements from 3.10 on")
    if b"f[*g]" in source and sys.version_info < (3, 11):
        source = source.replace(b"f[*g]", b"f[g]")
    a, b = both(source)
    assert list(differences(a, b)) == []


def test_the_comparison_sees_a_difference() -> None:
    """The walk above can fail: a changed name, field or place is reported."""
    a, b = both(b"x = f(a, k=1)\n")
    call = b.body[0].body[0].value
    call.args[1].keyword.value = "j"
    assert any("value" in d for d in differences(a, b))
    call.func._p = (9, 9, 9, 9, call.func._p[4])
    assert any("Name at" in d for d in differences(a, b))


@pytest.mark.parametrize("path", FIXTURES, ids=lambda p: p.name)
def test_findings_are_the_same_from_libcst(path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A file analysed from libcst's tree (as one CPython cannot read) has the same findings."""
    source = path.read_bytes()
    settings = AnalysisSettings()
    from_cpython = check_source(source, path.name, settings)
    monkeypatch.setattr(parsing, "python_tree", lambda text, name: None)
    assert check_source(source, path.name, settings) == from_cpython


def test_lines_end_where_cpython_ends_them() -> None:
    """A form feed or a Unicode line separator does not end a line: the finding after them is
    placed on its line, and its flow quotes its own code."""
    findings = check_source(BREAKS, "breaks.py", AnalysisSettings())
    lines = BREAKS.decode().split("\n")
    assert [(f.line, f.code) for f in findings] == [(i + 1, "FM301") for i, line in enumerate(lines) if "ObjectId(i)" in line]
    (finding,) = findings
    assert lines[finding.line - 1][finding.col - 1:].startswith("ObjectId(i)")
    assert finding.flow and finding.flow[-1].message == "FM301: ObjectId(i)"


@pytest.mark.parametrize("source", ["t = (a, b)\n", "t = (a), b\n", "t = ((a), b)\n", "t = (a,)\n", "t = (a),\n",
                                    "t = ((a),)\n", "t = ()\n", "f((a, b), (c), d)\n"])
def test_a_tuple_is_placed_inside_its_own_parentheses(source: str) -> None:
    """CPython places a tuple from its first parenthesis, its own or its first element's; libcst
    inside its own parentheses only. (The element around a parenthesised value keeps the value's
    place, without the parentheses libcst gives it: no finding points at an element.)"""
    a, b = both(source.encode())
    ours = [n._p[:4] for n in syntax.walk(a) if isinstance(n, syntax.Tuple)]
    theirs = [n._p[:4] for n in syntax.walk(b) if isinstance(n, syntax.Tuple)]
    assert ours == theirs and ours


def test_spans_are_characters_not_bytes() -> None:
    """CPython counts columns in UTF-8 bytes; findings count characters."""
    tree, _ = both("t = 'é' + f(x)\n".encode())
    call = tree.body[0].body[0].value.right
    assert syntax.span(call) == (1, 11, 1, 15)
    assert syntax.code_of(call) == "f(x)"


NEWER = '''from bson import ObjectId
from flask import Flask
from pymongo import MongoClient
app = Flask(__name__)
db = MongoClient().shop
type Document = dict
@app.get("/n/<item_id>")
def n(item_id):
    item = db.items.find_one({"_id": ObjectId(item_id)})
    return f"{item["name"]}"
'''


@pytest.mark.skipif(sys.version_info >= (3, 12), reason="this interpreter reads PEP 695 and 701 itself")
def test_grammar_newer_than_the_interpreter_is_read_with_libcst() -> None:
    """A ``type`` statement and an f-string with its own quotes inside (Python 3.12) are read by
    libcst when the running CPython cannot: the file is analysed, not FM001."""
    findings = check_source(NEWER.encode(), "newer.py", AnalysisSettings())
    assert [(f.line, f.col, f.code) for f in findings] == [(9, 38, "FM301")]


LOADED = """\
import sys
from flaskmongo_lint.checker import check_source
from flaskmongo_lint.settings import AnalysisSettings
found = check_source(sys.stdin.buffer.read(), "m.py", AnalysisSettings())
print(sorted({f.code for f in found}), "libcst" in sys.modules)
"""


def test_libcst_is_loaded_only_for_what_cpython_cannot_read() -> None:
    ordinary = NEWER.replace("type Document = dict\n", "").replace('item["name"]', "item['name']")
    run = [sys.executable, "-c", LOADED]
    assert subprocess.run(run, input=ordinary.encode(), capture_output=True, check=True).stdout.decode().split() == \
        ["['FM301']", "False"]
    broken = subprocess.run(run, input=b"def f(:\n", capture_output=True, check=True).stdout.decode()
    assert broken.split() == ["['FM001']", "True"]  # CPython cannot read it: libcst judges it
