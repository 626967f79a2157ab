"""The pre-filter is exact: skipping the groups of files it skips, and splitting the files into
groups by their imports, loses no finding. Every run here is compared with the same files
analysed as one project, nothing skipped."""
from __future__ import annotations

import random
import textwrap
from pathlib import Path
from typing import List, Set, Tuple

import pytest
from cli_support import log_analysed

from flaskmongo_lint import runner
from flaskmongo_lint.config import Config
from flaskmongo_lint.files import discover
from flaskmongo_lint.models.markers import may_serve_requests
from flaskmongo_lint.modules import name_files

FIXTURES = Path(__file__).parent / "fixtures"
Key = Tuple[str, int, int, str]


def filtered(paths: List[str]) -> Set[Key]:
    result = runner.run(paths, Config(), jobs=1)
    return {(f.path, f.line, f.col, f.code) for f in result.findings}


def unfiltered(paths: List[str]) -> Set[Key]:
    """Every file, whatever it mentions, in one project."""
    files = discover(paths, Config())
    sources = [Path(p).read_bytes() for p in files]
    named = [f for f in name_files(files, sources) if not runner.skips_file(f.source)]
    results, _ = runner.check_group(named, Config())
    return {(f.path, f.line, f.col, f.code) for r in results for f in r.findings}


@pytest.mark.parametrize("folder", sorted(str(p) for p in FIXTURES.iterdir() if p.is_dir()) + [str(FIXTURES)])
def test_fixtures_give_the_same_findings_filtered_or_not(folder: str) -> None:
    assert filtered([folder]) == unfiltered([folder])


# ------------------------------------------------------------------ generated packages
# Pieces of a package, most of them without a word of Flask: a blueprint imported from the
# package or from outside the linted files, a decorator and a collection from modules of their
# own, imports after ``;`` or inside a one-line suite, view classes whose base comes from a
# project module, and modules that nothing imports.
INIT = ["from flask import Blueprint\nbp = Blueprint('notes', __name__)\n", "", "VERSION = '1'\n"]
AUTH = [
    "from functools import wraps\n\n\ndef login_required(view):\n    @wraps(view)\n    def inner(*a, **k):\n"
    "        if not token_ok():\n            return 'no', 401\n        return view(*a, **k)\n    return inner\n\n\n"
    "def token_ok():\n    return False\n",
    "def login_required(view):\n    return view\n",
]
STORE = [
    "from pymongo import MongoClient\nnotes = MongoClient().app.notes\n",
    "import pymongo\nnotes = pymongo.MongoClient()['app']['notes']\n",
]
BP_IMPORT = ["from . import bp\n", "from shop import bp\n", "import os; from . import bp\n"]
STORE_IMPORT = ["from .store import notes\n", "if True: from .store import notes\n",
                "from .store import (\n    notes,\n)\n", "from . import store\nnotes = store.notes\n"]
ROUTES = [
    '@bp.get("/notes/<nid>")\n@login_required\ndef get_note(nid):\n    return str(notes.find_one({"_id": nid}))\n',
    '@bp.delete(\n    "/notes/<nid>"\n)\ndef drop_note(nid):\n    notes.delete_one({"_id": ObjectId(nid)})\n    return ""\n',
    '@bp.route("/notes/<nid>", methods=["PUT"])\ndef put_note(nid):\n    notes.replace_one({"_id": nid}, {"t": 1})\n    return ""\n',
    '@bp.post(r"/notes/<nid>/tag")\n@login_required\ndef tag_note(nid):\n'
    '    notes.update_one({"_id": nid}, {"$addToSet": {"tags": "x"}})\n    return ""\n',
]
VIEW_CLASS = (
    "from .base import MethodView\n\n\nclass NoteView(MethodView):\n"
    "    def delete(self, nid):\n        notes.delete_one({'_id': nid})\n        return ''\n"
)
BASE = "from flask.views import MethodView  # noqa: F401\n"
NOISE = "import json\n\n\ndef load(text):\n    data = json.loads(text)\n    return data.get('/x')\n"


def _package(rng: random.Random, root: Path, name: str) -> None:
    pkg = root / name
    pkg.mkdir(parents=True)
    (pkg / "__init__.py").write_text(rng.choice(INIT))
    (pkg / "auth.py").write_text(rng.choice(AUTH))
    (pkg / "store.py").write_text(rng.choice(STORE))
    (pkg / "base.py").write_text(BASE if rng.random() < 0.5 else "class MethodView:\n    pass\n")
    (pkg / "noise.py").write_text(NOISE)
    views = [rng.choice(BP_IMPORT), "from .auth import login_required\n", "from bson import ObjectId\n",
             rng.choice(STORE_IMPORT), "\n\n"]
    views.extend(rng.sample(ROUTES, rng.randint(1, len(ROUTES))))
    if rng.random() < 0.5:
        views.append("\n\n" + VIEW_CLASS)
    (pkg / "views.py").write_text("\n".join(views))


@pytest.mark.parametrize("seed", range(12))
def test_generated_packages_give_the_same_findings_filtered_or_not(tmp_path: Path, seed: int) -> None:
    rng = random.Random(seed)
    for i in range(3):
        _package(rng, tmp_path, f"pkg{i}")
    (tmp_path / "script.py").write_text(NOISE)
    found = filtered([str(tmp_path)])
    assert found == unfiltered([str(tmp_path)])
    assert any(code != "FM001" for _, _, _, code in found)  # the packages do have findings


def test_a_view_module_without_a_flask_word_is_analysed(tmp_path: Path) -> None:
    """The blueprint comes from outside the linted files, the decorator and the collection
    from project modules: no file says flask, and the handler's findings are still found."""
    pkg = tmp_path / "notes"
    pkg.mkdir()
    (pkg / "__init__.py").write_text("")
    (pkg / "store.py").write_text(STORE[0])
    (pkg / "views.py").write_text(BP_IMPORT[1] + STORE_IMPORT[0] + "\n\n" + ROUTES[2])
    assert {code for _, _, _, code in filtered([str(tmp_path)])} == {"FM104"}


def test_files_that_cannot_matter_are_not_parsed(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The filter is not vacuous: a group of plain Python never reaches the parser."""
    (tmp_path / "tool.py").write_text(NOISE.replace("'/x'", "'x'"))
    (tmp_path / "lib.py").write_text("from tool import load\n\n\ndef run(x):\n    return load(x)\n")
    (tmp_path / "app.py").write_text(textwrap.dedent("""\
        from flask import Flask, request
        app = Flask(__name__)
    """))
    log = log_analysed(monkeypatch, tmp_path / "parsed.log")
    runner.run([str(tmp_path)], Config(), jobs=1)
    assert log.read_text().split() == ["app.py"]


@pytest.mark.parametrize(("text", "kept"), [
    (b"@bp.get('/x')\ndef f(): pass\n", True),
    (b"@bp.get(\n    # the list\n    \"/x\")\n", True),
    (b"@bp.post('' '/x')\n", True),
    (b"@api.route('')\n", True),
    (b"app.add_url_rule('/x', view_func=f)\n", True),
    (b"@sio.on('chat')\ndef on_chat(data): pass\n", True),
    (b"class Items(Resource):\n    pass\n", True),
    (b"from quart import request\n", True),
    (b"data.get('key'); data.post('x')\n", False),
    (b"import json\nprint(json.dumps({'route': 1}))\n", False),
    (b"class Viewer:\n    pass\n", False),
])
def test_markers(text: bytes, kept: bool) -> None:
    assert may_serve_requests(text) is kept
