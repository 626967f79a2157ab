"""A group too large to hold in memory at once (a monorepo where everything imports a shared
package) is analysed as one project per application, each with what it imports; the findings
come out as from the whole group."""
from __future__ import annotations

import textwrap
from pathlib import Path
from typing import Dict, List

import pytest

from flaskmongo_lint import runner
from flaskmongo_lint.config import Config

FILES: Dict[str, str] = {
    "vendor/__init__.py": "",
    "vendor/textutil.py": "def tidy(value):\n    return value\n",
    "shared/__init__.py": "",
    "shared/store.py": textwrap.dedent("""\
        from bson import ObjectId
        from pymongo import MongoClient
        from vendor.textutil import tidy
        db = MongoClient().corp
        def find_by(query):
            return list(db.items.find(query))  # noqa: FM303
        def load(item_id):
            return db.items.find_one({"_id": ObjectId(tidy(item_id))})
        def search(title):
            return list(db.items.find({"title": title}))
    """),
    "api/__init__.py": "",
    "api/views.py": textwrap.dedent("""\
        from flask import Blueprint, request
        from shared.store import find_by, search
        bp = Blueprint("api", __name__)
        @bp.post("/api/find")
        def find():
            return {"items": find_by(request.get_json())}
        @bp.post("/api/search")
        def lookup():
            return {"items": search(request.get_json()["title"])}
    """),
    "admin/__init__.py": "",
    "admin/views.py": textwrap.dedent("""\
        from flask import Blueprint, request
        from shared.store import load, search
        bp = Blueprint("admin", __name__)
        @bp.get("/admin/items/<item_id>")
        def item(item_id):
            return {"item": load(item_id)}
        @bp.post("/admin/search")
        def admin_search():
            # The same sink as api's lookup, reached by another flow: still one finding.
            wanted = request.get_json()
            return {"items": search(wanted["title"])}
    """),
    "tools/__init__.py": "",
    "tools/report.py": "from shared.store import search\nprint(search('x'))\n",
}


@pytest.fixture
def tree(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    for name, text in FILES.items():
        path = tmp_path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    monkeypatch.chdir(tmp_path)
    return tmp_path


def _findings(config: Config) -> List[str]:
    return [f.render() for f in runner.run(["."], config, jobs=1).findings]


def _projects() -> List[List[str]]:
    paths = runner.discover(["."], Config())
    sources = [Path(p).read_bytes() for p in paths]
    return [[Path(f.path).as_posix().lstrip("./") for f in g] for g in runner.groups_of(paths, sources)]


def test_a_small_group_is_one_project(tree: Path) -> None:
    assert len(_projects()) == 1


def test_a_large_group_is_a_project_per_application_with_what_it_imports(tree: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    whole = _projects()[0]
    total = sum((tree / p).stat().st_size for p in whole)
    monkeypatch.setattr(runner, "GROUP_BYTES", total - 1)
    projects = _projects()
    assert [p[0].split("/")[0] for p in projects] == ["admin", "api"]  # tools serves no requests
    assert all(sum((tree / f).stat().st_size for f in p) < total for p in projects)
    admin, api = projects
    assert {"admin/views.py", "shared/store.py", "vendor/textutil.py"} <= set(admin)
    assert "api/views.py" not in admin and "tools/report.py" not in admin
    assert {"api/views.py", "shared/store.py", "vendor/textutil.py"} <= set(api)


def test_split_projects_report_what_the_whole_group_reports(tree: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    config = Config(select=("FM", "FM002"))
    whole = _findings(config)
    codes = [line.split()[1] for line in whole]
    assert codes == ["FM301", "FM302"]  # in shared/store.py, reached from api and from admin
    monkeypatch.setattr(runner, "GROUP_BYTES", sum((tree / p).stat().st_size for p in _projects()[0]) - 1)
    assert len(_projects()) == 2
    # The noqa in shared/store.py is used by api's flow only: admin's project alone would call
    # it unused (FM002); merged, it is not.
    assert _findings(config) == whole


def test_standard_input_merges_the_projects_a_shared_file_is_in(tree: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    config = Config(select=("FM", "FM002"))
    whole = runner.lint_source("shared/store.py", FILES["shared/store.py"].encode(), config)
    assert [f.code for f in whole.findings] == ["FM301", "FM302"]
    monkeypatch.setattr(runner, "GROUP_BYTES", sum((tree / p).stat().st_size for p in _projects()[0]) - 1)
    split = runner.lint_source("shared/store.py", FILES["shared/store.py"].encode(), config)
    assert split.findings == whole.findings
