#!/usr/bin/env python3
"""Time flaskmongo-lint over synthetic Flask + PyMongo code.

Generates N modules (a mix of vulnerable and clean handlers, a few hundred lines each) in a
temporary directory, then lints them in-process through the runner (one process, and the
automatic number of workers) and as a subprocess (``python -m flaskmongo_lint``, what a user
or pre-commit pays, interpreter start-up included). Prints files, lines, seconds and lines per
second for each. Not part of the test suite: timings depend on the machine.

    .venv/bin/python scripts/benchmark.py --files 200
"""
from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from typing import Callable, List, Optional, Tuple

HEADER = '''\
"""Synthetic module {index} for the flaskmongo-lint benchmark."""
from bson import ObjectId
from bson.errors import InvalidId
from flask import Blueprint, abort, jsonify, request
from flask_login import current_user, login_required
from pymongo import MongoClient

bp = Blueprint("bench{index}", __name__)
db = MongoClient()["bench"]
EDITABLE = {{"title", "body", "tags"}}

'''

# Each template is one handler; {n} makes names unique within a module.
VULNERABLE = [
    '''
@bp.route("/v{n}/notes/<note_id>")
@login_required
def read_note_{n}(note_id):
    note = db.notes.find_one({{"_id": ObjectId(note_id)}})
    if note is None:
        abort(404)
    return jsonify(title=note["title"], body=note["body"])
''',
    '''
@bp.route("/v{n}/notes/<note_id>", methods=["PATCH"])
@login_required
def update_note_{n}(note_id):
    data = request.get_json()
    db.notes.update_one({{"_id": note_id, "owner_id": current_user.id}}, {{"$set": data}})
    return jsonify(status="ok")
''',
    '''
@bp.route("/v{n}/search")
def search_{n}():
    query = request.get_json() or {{}}
    found = db.notes.find({{"title": query.get("title")}})
    return jsonify(items=[str(doc["_id"]) for doc in found])
''',
    '''
@bp.route("/v{n}/notes/<note_id>", methods=["DELETE"])
def delete_note_{n}(note_id):
    db.notes.delete_one({{"_id": note_id}})
    return "", 204
''',
]

CLEAN = [
    '''
@bp.route("/c{n}/notes/<note_id>")
@login_required
def read_own_note_{n}(note_id):
    try:
        oid = ObjectId(note_id)
    except InvalidId:
        abort(404)
    note = db.notes.find_one({{"_id": oid, "owner_id": current_user.id}})
    if note is None:
        abort(404)
    return jsonify(title=note["title"], body=note["body"])
''',
    '''
@bp.route("/c{n}/notes/<note_id>", methods=["PATCH"])
@login_required
def update_own_note_{n}(note_id):
    data = request.get_json() or {{}}
    changes = {{k: v for k, v in data.items() if k in EDITABLE}}
    if not ObjectId.is_valid(note_id):
        abort(404)
    db.notes.update_one({{"_id": ObjectId(note_id), "owner_id": current_user.id}}, {{"$set": changes}})
    return jsonify(status="ok")
''',
    '''
def summarise_{n}(items):
    total = 0
    for item in items:
        if item.get("tags"):
            total += len(item["tags"])
    return {{"count": len(items), "tags": total}}
''',
]


def make_module(index: int, handlers: int) -> str:
    parts = [HEADER.format(index=index)]
    for n in range(handlers):
        templates = VULNERABLE if (index + n) % 3 == 0 else CLEAN
        parts.append(templates[(index * 7 + n) % len(templates)].format(n=n))
    return "".join(parts)


def generate(directory: str, files: int, handlers: int) -> Tuple[int, int]:
    """Write the modules; returns (files, lines)."""
    lines = 0
    for index in range(files):
        text = make_module(index, handlers)
        lines += text.count("\n")
        package = os.path.join(directory, f"pkg{index // 50}")
        os.makedirs(package, exist_ok=True)
        with open(os.path.join(package, f"module_{index:04d}.py"), "w", encoding="utf-8") as handle:
            handle.write(text)
    return files, lines


def timed(label: str, action: Callable[[], object], files: int, lines: int) -> None:
    started = time.perf_counter()
    action()
    seconds = time.perf_counter() - started
    print(f"{label:<28} {files:>6} {lines:>9} {seconds:>9.2f} {lines / seconds if seconds else 0:>12,.0f}")


def main(argv: Optional[List[str]] = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--files", type=int, default=100, help="modules to generate (default 100)")
    parser.add_argument("--handlers", type=int, default=30, help="handlers per module (default 30, about 250 lines)")
    parser.add_argument("--keep", metavar="DIR", help="generate into DIR and keep it, instead of a temporary directory")
    args = parser.parse_args(argv)

    # Imported here so that --help works without the package installed.
    from flaskmongo_lint.config import Config
    from flaskmongo_lint.runner import run

    with tempfile.TemporaryDirectory(prefix="fml-bench-") as temporary:
        directory = args.keep or temporary
        os.makedirs(directory, exist_ok=True)
        files, lines = generate(directory, args.files, args.handlers)
        config = Config(root=directory)
        print(f"{'mode':<28} {'files':>6} {'lines':>9} {'seconds':>9} {'lines/second':>12}")
        findings = len(run([directory], config, jobs=1).findings)  # warm-up: imports, disk cache
        timed("in-process, 1 process", lambda: run([directory], config, jobs=1), files, lines)
        timed(f"in-process, auto ({os.cpu_count()} cpu)", lambda: run([directory], config), files, lines)
        command = [sys.executable, "-m", "flaskmongo_lint", "--exit-zero", "--format", "json", directory]
        timed(
            "subprocess, auto",
            lambda: subprocess.run(command, check=True, stdout=subprocess.DEVNULL, cwd=directory),
            files,
            lines,
        )
        print(f"findings: {findings}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
