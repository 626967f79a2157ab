"""The interpreter knows Python and nothing of Flask or MongoDB: every framework name and every
MongoDB operator lives in flaskmongo_lint/models/. This reads the interpreter's code (docstrings and
comments aside) for such names."""
from __future__ import annotations

import ast
from pathlib import Path
from typing import Iterator, List, Tuple

PACKAGE = Path(__file__).resolve().parent.parent / "flaskmongo_lint"
INTERPRETER = sorted((PACKAGE / "analysis" / "interp").glob("*.py")) + [
    PACKAGE / "analysis" / name for name in ("lattice.py", "summaries.py", "transfer.py")
]
FRAMEWORK_WORDS = {
    "flask", "quart", "request", "session", "abort", "jsonify", "blueprint", "errorhandler", "before_request",
    "socketio", "restful", "restx", "smorest", "login_required", "current_user", "jwt", "httpauth",
    "pymongo", "mongo", "motor", "bson", "objectid", "invalidid", "collection", "database", "cursor",
    "find", "find_one", "update_one", "insert_one", "delete_one", "aggregate", "bulk_write",
}


def _docstrings(tree: ast.AST) -> set:
    out = set()
    for node in ast.walk(tree):
        if isinstance(node, (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)) and node.body:
            first = node.body[0]
            if isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant):
                out.add(id(first.value))
    return out


def words(path: Path) -> Iterator[Tuple[int, str]]:
    """Every identifier and string constant of the code, split into words."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    skip = _docstrings(tree)
    for node in ast.walk(tree):
        names: List[str] = []
        if isinstance(node, ast.Name):
            names = [node.id]
        elif isinstance(node, ast.Attribute):
            names = [node.attr]
        elif isinstance(node, (ast.FunctionDef, ast.ClassDef, ast.AsyncFunctionDef)):
            names = [node.name]
        elif isinstance(node, ast.arg):
            names = [node.arg]
        elif isinstance(node, ast.alias):
            names = [node.name, node.asname or ""]
        elif isinstance(node, ast.Constant) and isinstance(node.value, str) and id(node) not in skip:
            if node.value.startswith("$"):
                yield node.lineno, node.value
            names = [node.value]
        for name in names:
            for word in name.replace(".", "_").lower().split("_"):
                yield getattr(node, "lineno", 0), word
            yield getattr(node, "lineno", 0), name.lower()


def test_the_interpreter_names_no_framework_and_no_operator() -> None:
    found = []
    for path in INTERPRETER:
        for line, word in words(path):
            if word in FRAMEWORK_WORDS or word.startswith("$"):
                found.append(f"{path.relative_to(PACKAGE)}:{line}: {word}")
    assert not found, "\n".join(found)


def test_the_check_would_see_a_framework_name(tmp_path: Path) -> None:
    sample = tmp_path / "sample.py"
    sample.write_text('"""find_one in a docstring is fine."""\nx = obj.find_one({"$set": 1})\n', encoding="utf-8")
    assert {w for _, w in words(sample)} >= {"find_one", "$set"}
