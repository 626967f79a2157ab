"""The analysis is bounded (SPEC section 6): whatever the code's shape, it finishes within its
step budgets and keeps what it found. Steps and memory are asserted, never the wall time."""
from __future__ import annotations

import tracemalloc
from typing import Tuple


from flaskmongo_lint.analysis.interp.engine import FILE_BUDGET, FUNCTION_BUDGET
from flaskmongo_lint.analysis.project import ParsedModule, Project, ProjectResult
from flaskmongo_lint.checker import check_source
from flaskmongo_lint.settings import AnalysisSettings
from lintkit import syntax_tree

HEADER = """\
from bson import ObjectId
from flask import Flask, request
from flask.views import MethodView
from pymongo import MongoClient

app = Flask(__name__)
db = MongoClient().bench
"""
MEMORY = 300 * 1024 * 1024  # bytes a module of this size may allocate at its peak


def analyse(source: str) -> Tuple[ProjectResult, Project, int]:
    tracemalloc.start()
    try:
        project = Project([ParsedModule("generated", "generated.py", syntax_tree(source))], AnalysisSettings())
        result = project.run()
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    return result, project, peak


def recursive_methods(n: int = 30) -> str:
    lines = [HEADER, "class Walker(MethodView):"]
    for i in range(n):
        a, b, c = (i + 1) % n, (i + 7) % n, (i * 3 + 2) % n
        lines.append(f"""
    def m{i}(self, x, depth):
        if depth > 0:
            y = self.m{a}(x, depth - 1)
            z = self.m{b}(y, depth - 1)
            return self.m{c}(z, depth) or x
        db.items.find_one({{"_id": ObjectId(x)}})
        return x
""")
    lines.append("""
    def get(self, item_id):
        return {"r": self.m0(item_id, 5)}
""")
    return "\n".join(lines)


def test_mutual_recursion_among_30_methods_is_summarised() -> None:
    source = recursive_methods()
    result, project, peak = analyse(source)
    engine = project.engine
    # Each method is walked a bounded number of times (a few rounds of its cycle), not once per path.
    assert engine.walks <= 30 * 8
    assert engine.total_steps < FILE_BUDGET
    assert peak < MEMORY
    # It keeps what it finds: the client id reaches ObjectId() in the methods (once a call has
    # returned, its conversion succeeded, so later ones on the same path are no second problem).
    findings = check_source(source.encode(), "generated.py", AnalysisSettings())
    assert {f.code for f in findings} == {"FM301"}
    assert 10 <= len(findings) <= 30
    assert check_source(source.encode(), "generated.py", AnalysisSettings()) == findings  # deterministic


def long_handler(statements: int = 3000) -> str:
    body = ['    v0 = request.args.get("q", "")']
    for i in range(1, statements):
        body.append(f'    v{i} = v{i - 1}.strip() if v{i - 1} else "x{i}"')
    body.append(f'    return {{"n": db.items.count_documents({{"$where": v{statements - 1}}})}}')
    return HEADER + '\n@app.get("/long")\ndef long_handler():\n' + "\n".join(body) + "\n"


def test_a_3000_line_handler_is_walked_within_its_budget() -> None:
    source = long_handler()
    result, project, peak = analyse(source)
    assert 3000 <= project.engine.total_steps <= FUNCTION_BUDGET
    assert not result.notes  # nothing was cut short
    assert peak < MEMORY
    findings = check_source(source.encode(), "generated.py", AnalysisSettings())
    assert [(f.line, f.code) for f in findings] == [(source.count("\n"), "FM304")]


def branches(count: int = 500) -> str:
    body = ["    q = {}"]
    for i in range(count):
        body.append(f'    if request.args.get("f{i}"):')
        body.append("        q = request.get_json()" if i % 2 else f'        q = {{"n": {i}}}')
    body.append("    return {'items': list(db.items.find(q))}")
    return HEADER + '\n@app.post("/branches")\ndef branchy():\n' + "\n".join(body) + "\n"


def test_500_sequential_branches_reassigning_a_tainted_value() -> None:
    source = branches()
    result, project, peak = analyse(source)
    assert project.engine.total_steps <= 3 * 500 + 10  # each branch walked once, never per path
    assert peak < MEMORY
    findings = check_source(source.encode(), "generated.py", AnalysisSettings())
    assert [(f.line, f.code) for f in findings] == [(source.count("\n"), "FM303")]


def test_a_spent_budget_keeps_what_was_found_and_says_so(monkeypatch) -> None:  # type: ignore[no-untyped-def]
    from flaskmongo_lint.analysis.interp import engine

    source = HEADER + '''
@app.delete("/a/<item_id>")
def early(item_id):
    db.items.delete_one({"_id": ObjectId(item_id)})
''' + "\n".join(f"    x{i} = {i}" for i in range(200)) + '''
    db.items.find({"$where": request.args["w"]})
'''
    monkeypatch.setattr(engine, "FUNCTION_BUDGET", 50)
    result, project, _ = analyse(source)
    assert any("budget" in note for note in result.notes)
    findings = check_source(source.encode(), "generated.py", AnalysisSettings())
    codes = [f.code for f in findings]
    assert "FM104" in codes and "FM301" in codes  # found before the budget ran out
    assert "FM304" not in codes  # after it: not walked
