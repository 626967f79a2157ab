"""Hostile input never ends the run, never hangs and never hides another file's findings.

Each generated file is what users meet in monorepos, vendored trees and generated code: huge
literals, long chains, deep nesting, invalid escapes, a module of megabytes. Each must finish
with its own findings (or FM001 where CPython itself refuses the file), and the file beside it
keeps its findings. What is asserted is the analysis' steps and the peak memory, never the time.
"""
from __future__ import annotations

import ast
import json
import subprocess
import sys
import textwrap
import tracemalloc
from pathlib import Path
from typing import Callable, Dict, List, Tuple

import libcst as cst
import pytest

from flaskmongo_lint.analysis.interp import expressions
from flaskmongo_lint.analysis.lattice import MAX_ITEMS, Entry
from flaskmongo_lint.analysis.project import ParsedModule, Project, ProjectResult
from flaskmongo_lint.checker import DEEP_RECURSION, check_source
from flaskmongo_lint import parsing
from flaskmongo_lint.parsing import Parsed, parse
from flaskmongo_lint.settings import AnalysisSettings
from flaskmongo_lint import syntax
from lintkit import syntax_tree

HEADER = textwrap.dedent(
    """\
    from bson import ObjectId
    from flask import Flask, request
    from pymongo import MongoClient
    app = Flask(__name__)
    db = MongoClient().shop
    """
)
# The neighbour: an ObjectId() of a route parameter, FM301 on its last line.
NEIGHBOUR = HEADER + '@app.get("/n/<item_id>")\ndef n(item_id):\n    return str(db.items.find_one({"_id": ObjectId(item_id)}))\n'


def big_dict(keys: int = 20_000) -> str:
    """A filter of 20,000 constant keys and one JSON value: FM302 on the dict's line."""
    entries = ", ".join(f'"k{i}": {i}' for i in range(keys - 1))
    return HEADER + f'@app.get("/d")\ndef d():\n    q = {{{entries}, "last": request.get_json()["x"]}}\n    return str(list(db.items.find(q)))\n'


def elif_chain(branches: int = 1_000) -> str:
    """1,000 branches that set a constant filter and an else that takes the body: FM303."""
    body = ['    v = request.args.get("v", "")', '    if v == "b0":', '        q = {"n": 0}']
    for i in range(1, branches):
        body += [f'    elif v == "b{i}":', f'        q = {{"n": {i}}}']
    body += ["    else:", "        q = request.get_json()", "    return str(list(db.items.find(q)))"]
    return HEADER + '@app.post("/e")\ndef e():\n' + "\n".join(body) + "\n"


def call_chain(calls: int = 1_000) -> str:
    """Client text through 1,000 ``.strip()`` calls into ``$where``: FM304."""
    return HEADER + ('@app.get("/c")\ndef c():\n    w = request.args.get("w", "")' + ".strip()" * calls
                     + '\n    return str(db.items.count_documents({"$where": w}))\n')


def concatenation(terms: int = 2_000) -> str:
    """2,000 string terms and the client's text in one ``$where``, reported on that statement."""
    chain = " + ".join(['"a"'] * terms)
    return HEADER + f'@app.get("/s")\ndef s():\n    return str(db.items.count_documents({{"$where": {chain} + request.args["w"]}}))\n'


def big_module(size: int = 5_000_000) -> str:
    """A generated data module of 5 MB (a table of rows, as code generators write them) with a
    handler at its end: FM301 on the last line."""
    rows: List[str] = []
    total = len(HEADER)
    while total < size:
        i = len(rows)
        rows.append(f'ROW_{i} = ("{i:08d}", "{"x" * 180}", {i}, {i * 2}.5, None)\n')
        total += len(rows[-1])
    return HEADER + "".join(rows) + '@app.get("/b/<item_id>")\ndef b(item_id):\n    return str(db.items.find_one({"_id": ObjectId(item_id)}))\n'


def nested_parentheses(depth: int = 3_000) -> str:
    """Deeper than CPython allows (200): libcst's native parser would overflow its stack."""
    return HEADER + "x = " + "(" * depth + "1" + ")" * depth + "\n"


def invalid_escape() -> str:
    return HEADER + 'x = "\\N{NOPE}"\n'


def long_chain(terms: int = 10_000) -> str:
    """A 10,000-term ``+`` chain: CPython's compiler gives up on it, libcst would take minutes."""
    return HEADER + "x = " + " + ".join(["1"] * terms) + "\n"


def last_line(text: str) -> int:
    return text.count("\n")


# name -> (source, the (line, code) findings it must give)
CASES: Dict[str, Callable[[], str]] = {
    "big_dict": big_dict,
    "elif_chain": elif_chain,
    "call_chain": call_chain,
    "concatenation": concatenation,
    "big_module": big_module,
    "nested_parentheses": nested_parentheses,
    "invalid_escape": invalid_escape,
    "long_chain": long_chain,
}
EXPECTED: Dict[str, Callable[[str], List[Tuple[int, str]]]] = {
    "big_dict": lambda s: [(last_line(s) - 1, "FM302")],
    "elif_chain": lambda s: [(last_line(s), "FM303")],
    "call_chain": lambda s: [(last_line(s), "FM304")],
    "concatenation": lambda s: [(last_line(s), "FM304")],
    "big_module": lambda s: [(last_line(s), "FM301")],
    "nested_parentheses": lambda s: [(last_line(s), "FM001")],
    "invalid_escape": lambda s: [(last_line(s), "FM001")],
    # Where CPython's compiler gives up on the chain (line 1 when it runs out of stack) is its own.
    "long_chain": lambda s: [(1, "FM001")],
}
# The run below lints all of them at once, in the forked child --jobs 1 uses.
PEAK_MEMORY = 1024 * 1024 * 1024  # bytes; a 10 MB file used to peak at 9.2 GB
ANALYSIS_MEMORY = 64 * 1024 * 1024  # bytes the analysis of one may allocate at its peak (a few MB today)
MEASURE = """\
import json, resource, subprocess, sys
done = subprocess.run([sys.executable, "-m", "flaskmongo_lint", "--no-cache", "--jobs", "1",
                       "--format", "json", "."], capture_output=True, text=True)
print(json.dumps({"status": done.returncode, "stdout": done.stdout, "stderr": done.stderr,
                  "peak_kb": resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss}))
"""


@pytest.fixture(scope="module")
def sources() -> Dict[str, str]:
    return {name: make() for name, make in CASES.items()}


def test_every_hostile_file_finishes_with_its_findings_beside_a_normal_one(tmp_path: Path, sources: Dict[str, str]) -> None:
    for name, text in sources.items():
        (tmp_path / f"{name}.py").write_text(text)
    (tmp_path / "neighbour.py").write_text(NEIGHBOUR)
    done = subprocess.run([sys.executable, "-c", MEASURE], cwd=tmp_path, capture_output=True, text=True, timeout=600)
    measured = json.loads(done.stdout)
    assert measured["status"] == 1 and measured["stderr"] == ""  # no warning noise, no crash
    found: Dict[str, List[Tuple[int, str]]] = {}
    for f in json.loads(measured["stdout"]):
        found.setdefault(f["path"], []).append((f["line"], f["code"]))
    expected = {f"{name}.py": EXPECTED[name](text) for name, text in sources.items()}
    expected["neighbour.py"] = [(last_line(NEIGHBOUR), "FM301")]
    if found.get("long_chain.py", [(0, "")])[0][0] == last_line(sources["long_chain"]):
        expected["long_chain.py"] = [(last_line(sources["long_chain"]), "FM001")]
    assert found == expected
    assert measured["peak_kb"] * 1024 < PEAK_MEMORY


def analyse(name: str, text: str) -> Tuple[Project, ProjectResult, int]:
    """The project analysis of one module, as the checker runs it (raised recursion limit), and
    the peak of the memory it allocated."""
    tree = syntax_tree(text)
    limit = sys.getrecursionlimit()
    sys.setrecursionlimit(DEEP_RECURSION)
    tracemalloc.start()
    try:
        project = Project([ParsedModule(name, f"{name}.py", tree)], AnalysisSettings())
        result = project.run()
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
        sys.setrecursionlimit(limit)
    return project, result, peak


# Steps are statements walked: the size of an expression costs memory and work, never steps.
@pytest.mark.parametrize(("name", "steps"), [
    ("big_dict", 2),
    ("elif_chain", 1 + 1_000 + 1 + 1 + 1),  # each branch's body walked once, never once per path
    ("call_chain", 2),
    ("concatenation", 1),
])
def test_huge_statements_are_walked_once_within_bounded_memory(name: str, steps: int, sources: Dict[str, str]) -> None:
    project, result, peak = analyse(name, sources[name])
    assert not result.errors and not result.notes  # it finished, and no budget cut it short
    assert project.engine.walks == 1  # the handler, walked once
    assert project.engine.total_steps == steps
    assert peak < ANALYSIS_MEMORY


def test_a_dict_literal_costs_linear_work(sources: Dict[str, str], monkeypatch: pytest.MonkeyPatch) -> None:
    """Each entry of a dict literal scans at most MAX_ITEMS earlier ones (the shape collapses
    beyond that): 20,000 keys are 20,000 bounded steps, not 200 million (it was quadratic)."""
    real = expressions.set_entry
    scanned: List[int] = []

    def counting(shape: Tuple[Entry, ...], entry: Entry) -> Tuple[Entry, ...]:
        scanned.append(len(shape))
        return real(shape, entry)

    monkeypatch.setattr(expressions, "set_entry", counting)
    analyse("big_dict", sources["big_dict"])
    assert len(scanned) >= 20_000
    assert max(scanned) <= MAX_ITEMS and sum(scanned) <= 20_000 * MAX_ITEMS


@pytest.mark.parametrize("name", ["nested_parentheses", "invalid_escape", "long_chain"])
def test_what_cpython_refuses_never_reaches_libcst(name: str, sources: Dict[str, str], monkeypatch: pytest.MonkeyPatch) -> None:
    def no_libcst(text: str, *args: object, **kwargs: object) -> cst.Module:
        raise AssertionError("libcst was asked to parse a file CPython refuses")

    monkeypatch.setattr(cst, "parse_module", no_libcst)
    got = parse(sources[name], f"{name}.py")
    assert not isinstance(got, Parsed)
    assert got.message.startswith("Python cannot compile this file: ")


def test_a_large_file_is_parsed_whole(sources: Dict[str, str]) -> None:
    text = sources["big_module"]
    tree = syntax_tree(text, "big_module.py")
    assert len(tree.body) == len(ast.parse(text).body)
    last = tree.body[-1]
    assert isinstance(last, syntax.FunctionDef) and last.name.value == "b"


@pytest.mark.parametrize("newline", ["\n", "\r\n"])
def test_positions_in_a_large_file_with_tabs_and_line_endings(newline: str) -> None:
    """Findings far down a large file, in blocks indented with tabs or spaces, sit on their own
    lines and columns, whatever the line endings."""
    filler = "".join(f'T{i} = "{"x" * 100}"\n' for i in range(3000))
    handler = '@app.get("/b/<item_id>")\ndef b(item_id):\n\treturn str(db.items.find_one({"_id": ObjectId(item_id)}))\n'
    text = (HEADER + filler + handler + filler + "class Late:\n  pass\n" + handler.replace("def b", "def c").replace("/b/", "/c/"))
    text = text.replace("\n", newline)
    lines = text.split(newline)
    expected = [(i + 1, "FM301") for i, line in enumerate(lines) if "ObjectId(item_id)" in line]
    assert len(expected) == 2
    findings = check_source(text.encode(), "large.py", AnalysisSettings())
    assert [(f.line, f.code) for f in findings] == expected
    for f in findings:
        assert lines[f.line - 1][f.col - 1:].startswith("ObjectId(item_id)")


def test_old_pythons_refuse_what_311_refuses(sources: Dict[str, str], monkeypatch: pytest.MonkeyPatch) -> None:
    """Python 3.9 and 3.10 compile a 10,000-term chain that libcst's parser then crashes on: there
    the front door measures the depth itself. (On 3.11+ CPython refuses such a file on its own.)"""
    def chain(terms: int) -> ast.Module:
        node: ast.expr = ast.Constant(1)
        for _ in range(terms):
            node = ast.BinOp(node, ast.Add(), ast.Constant(1))
        return ast.Module([ast.Expr(node)], [])

    assert parsing._deeper_than(chain(3100), parsing.OLD_PYTHON_DEPTH)
    assert not parsing._deeper_than(chain(2800), parsing.OLD_PYTHON_DEPTH)
    monkeypatch.setattr(parsing, "GUARD_DEPTH", True)
    monkeypatch.setattr(parsing, "OLD_PYTHON_DEPTH", 50)
    got = parse(HEADER + "x = " + " + ".join(["1"] * 100) + "\n", "chain.py")
    assert not isinstance(got, Parsed) and got.message.startswith("Python cannot compile this file: its expressions")
    assert isinstance(parse(HEADER + "x = " + " + ".join(["1"] * 40) + "\n", "short.py"), Parsed)
