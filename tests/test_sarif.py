"""SARIF output validates against the official SARIF 2.1.0 schema and carries what GitHub code
scanning uses: informationUri, helpUri into docs/rules.md, regions with end positions,
partialFingerprints, codeFlows and relatedLocations."""
from __future__ import annotations

import hashlib
import json
import re
from pathlib import Path
from typing import Any, Dict, List
from urllib.parse import urlparse

import jsonschema
import pytest

from cli_support import OBJECTID, OBJECTID_LINE, SEARCH, SYNTAX_ERROR, invoke, write
from flaskmongo_lint import PROJECT_URL
from flaskmongo_lint.findings import Finding, FlowStep, Location
from flaskmongo_lint.report import sarif

SCHEMAS = Path(__file__).parent / "schemas"
DOCS = Path(__file__).resolve().parent.parent / "docs" / "rules.md"
SCHEMA_SHA256 = "ddddcccbf95c7c50c037b5b07eff4140556278ca574ff374db46786b5fce7949"


@pytest.fixture(scope="module")
def validator() -> jsonschema.Draft4Validator:
    text = (SCHEMAS / "sarif-schema-2.1.0.json").read_text(encoding="utf-8")
    # The copy is the official file (see schemas/README.md): a damaged one could pass anything.
    assert hashlib.sha256(text.encode("utf-8")).hexdigest() == SCHEMA_SHA256
    schema = json.loads(text)
    jsonschema.Draft4Validator.check_schema(schema)
    return jsonschema.Draft4Validator(schema, format_checker=jsonschema.Draft4Validator.FORMAT_CHECKER)


def errors(validator: jsonschema.Draft4Validator, document: Any) -> List[str]:
    return [f"{'/'.join(map(str, e.absolute_path))}: {e.message}" for e in validator.iter_errors(document)]


@pytest.fixture(autouse=True)
def in_tmp(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    return tmp_path


def test_the_validator_rejects_what_the_issue_reported(validator: jsonschema.Draft4Validator) -> None:
    """A 0-based column (the old FM001) fails the schema, so the tests below can fail too."""
    document = json.loads(sarif.render([Finding("a.py", 1, 1, "FM001", "cannot parse")]))
    assert errors(validator, document) == []
    document["runs"][0]["results"][0]["locations"][0]["physicalLocation"]["region"]["startColumn"] = 0
    assert errors(validator, document) != []


def test_a_real_run_validates(tmp_path: Path, validator: jsonschema.Draft4Validator) -> None:
    write(tmp_path, "src/app.py", OBJECTID)
    write(tmp_path, "src/search.py", SEARCH)
    write(tmp_path, "src/bad.py", SYNTAX_ERROR)
    write(tmp_path, "src/hygiene.py", "from flask import Flask  # noqa: FM301\n")
    result = invoke("--format", "sarif", "--extend-select", "FM002", "src")
    assert result.exit_code == 1
    document = json.loads(result.stdout)
    assert errors(validator, document) == []
    results = document["runs"][0]["results"]
    assert sorted(r["ruleId"] for r in results) == ["FM001", "FM002", "FM301", "FM303"]


def test_regions_fingerprints_and_driver(tmp_path: Path) -> None:
    write(tmp_path, "app.py", OBJECTID)
    as_json = json.loads(invoke("--format", "json", "app.py").stdout)
    document = json.loads(invoke("--format", "sarif", "app.py").stdout)
    run = document["runs"][0]
    driver = run["tool"]["driver"]
    assert driver["informationUri"] == PROJECT_URL
    (result,) = run["results"]
    column = OBJECTID.splitlines()[OBJECTID_LINE - 1].index("ObjectId(") + 1
    assert result["locations"][0]["physicalLocation"]["region"] == {
        "startLine": OBJECTID_LINE,
        "startColumn": column,
        "endLine": OBJECTID_LINE,
        "endColumn": column + len("ObjectId(item_id)"),
    }
    assert result["partialFingerprints"] == {sarif.FINGERPRINT_KEY: as_json[0]["fingerprint"]}
    # The engine's code flow: from the route parameter to the ObjectId() call.
    (flow,) = result["codeFlows"]
    steps = [step["location"] for step in flow["threadFlows"][0]["locations"]]
    assert [s["message"]["text"] for s in steps] == ["route parameter 'item_id'", "FM301: ObjectId(item_id)"]
    assert steps[-1]["physicalLocation"]["region"]["startColumn"] == column
    assert "relatedLocations" not in result


VIEWS = """\
from flask import Blueprint, jsonify
from flask_login import current_user, login_required

from . import services

bp = Blueprint("notes", __name__)


@bp.get("/notes/<note_id>")
@login_required
def note(note_id):
    return jsonify(services.note_for(note_id))


@bp.get("/notes")
@login_required
def notes():
    return jsonify(services.mine(current_user.id))
"""
SERVICES = """\
from bson import ObjectId
from bson.errors import InvalidId
from flask_pymongo import PyMongo

mongo = PyMongo()


def note_for(note_id):
    try:
        oid = ObjectId(note_id)
    except InvalidId:
        return None
    return mongo.db.notes.find_one({"_id": oid})


def mine(user_id):
    return list(mongo.db.notes.find({"owner_id": user_id}))
"""


def test_code_flows_cross_modules_and_related_locations(tmp_path: Path, validator: jsonschema.Draft4Validator) -> None:
    write(tmp_path, "shop/__init__.py", "")
    write(tmp_path, "shop/views.py", VIEWS)
    write(tmp_path, "shop/services.py", SERVICES)
    document = json.loads(invoke("--format", "sarif", "shop").stdout)
    assert errors(validator, document) == []
    (result,) = document["runs"][0]["results"]
    assert result["ruleId"] == "FM101"
    steps = [step["location"] for step in result["codeFlows"][0]["threadFlows"][0]["locations"]]
    where = [(s["physicalLocation"]["artifactLocation"]["uri"], s["physicalLocation"]["region"]["startLine"],
              s["message"]["text"]) for s in steps]
    assert where == [
        ("shop/views.py", 11, "route parameter 'note_id'"),
        ("shop/views.py", 12, "passed to note_for()"),
        ("shop/services.py", 10, "ObjectId(note_id)"),
        ("shop/services.py", 13, 'FM101: mongo.db.notes.find_one({"_id": oid})'),
    ]
    (related,) = result["relatedLocations"]
    assert related["physicalLocation"]["artifactLocation"]["uri"] == "shop/services.py"
    assert related["physicalLocation"]["region"]["startLine"] == 17  # the owner-scoped twin query


def _anchors(markdown: str) -> List[str]:
    """The ids GitHub gives the headings of a Markdown file (lower case, punctuation dropped,
    spaces to dashes)."""
    return [re.sub(r"[^\w\- ]", "", m.group(1).strip().lower()).replace(" ", "-")
            for m in re.finditer(r"^#+ (.+)$", markdown, re.M)]


def test_every_rule_has_a_help_uri_into_docs_rules_md() -> None:
    document = json.loads(sarif.render([]))
    rules = document["runs"][0]["tool"]["driver"]["rules"]
    anchors = set(_anchors(DOCS.read_text(encoding="utf-8")))
    for rule in rules:
        uri = urlparse(rule["helpUri"])
        assert uri.scheme == "https" and uri.netloc
        assert uri.path.endswith("/docs/rules.md"), rule["helpUri"]
        assert uri.fragment in anchors, rule["helpUri"]
        assert uri.fragment.startswith(rule["id"].lower() + "-")
        # The help text is clean (terminal rendering); the Markdown is the docs/rules.md section.
        assert not re.search(r"\*\*\w[^*\n]*\*\*|``|::\n", rule["help"]["text"]), rule["id"]
        assert rule["help"]["markdown"].startswith(f"## {rule['id']} {rule['name']}")


def _hand_built() -> Finding:
    """An FM101 the way the engine will report it: the flow from the route parameter to the
    sink, and the owner-scoped twin query that shows the collection is per-user."""
    return Finding(
        "app.py", 12, 12, "FM101", "find_one selects by '_id' (route parameter 'note_id') ...", "high",
        end_line=12, end_col=52, snippet="db.notes.find_one(...)", scope="read_note(note_id)",
        flow=(
            FlowStep("app.py", 10, 15, 10, 22, "route parameter 'note_id'"),
            FlowStep("app.py", 11, 11, 11, 28, "ObjectId(note_id)"),
            FlowStep("app.py", 12, 12, 12, 52, "find_one filter '_id'"),
        ),
        related=(
            Location("app.py", 30, 12, 30, 70, "the same collection is scoped by owner_id here"),
            Location("app.py", 30, 12, 30, 70, "the same collection is scoped by owner_id here"),
            Location("models.py", 4, 5, 4, 9, ""),
        ),
        fingerprint="0123456789abcdef0123456789abcdef",
    )


def test_code_flows_and_related_locations_render_from_the_finding(validator: jsonschema.Draft4Validator) -> None:
    document = json.loads(sarif.render([_hand_built()]))
    assert errors(validator, document) == []
    (result,) = document["runs"][0]["results"]
    (flow,) = result["codeFlows"]
    (thread,) = flow["threadFlows"]
    steps: List[Dict[str, Any]] = [step["location"] for step in thread["locations"]]
    assert [s["message"]["text"] for s in steps] == [
        "route parameter 'note_id'", "ObjectId(note_id)", "find_one filter '_id'"
    ]
    assert steps[0]["physicalLocation"]["region"] == {"startLine": 10, "startColumn": 15, "endLine": 10, "endColumn": 22}
    related = result["relatedLocations"]
    # The duplicate is dropped (SARIF wants them unique); ids number the rest.
    assert [r["id"] for r in related] == [1, 2]
    assert related[0]["message"]["text"] == "the same collection is scoped by owner_id here"
    assert related[1]["physicalLocation"]["artifactLocation"]["uri"] == "models.py"
    assert "message" not in related[1]
    assert result["properties"] == {"confidence": "high"}


def test_json_carries_flow_and_related_too(tmp_path: Path) -> None:
    from flaskmongo_lint.report import json as json_report

    item = json.loads(json_report.render([_hand_built()]))[0]
    assert [step["message"] for step in item["flow"]] == [
        "route parameter 'note_id'", "ObjectId(note_id)", "find_one filter '_id'"
    ]
    assert item["related"][2] == {
        "path": "models.py", "line": 4, "column": 5, "end_line": 4, "end_column": 9, "message": ""
    }


def test_missing_path_marks_the_run_unsuccessful(tmp_path: Path, validator: jsonschema.Draft4Validator) -> None:
    write(tmp_path, "app.py", OBJECTID)
    result = invoke("--format", "sarif", "app.py", "gone.py")
    assert result.exit_code == 2
    document = json.loads(result.stdout)
    assert errors(validator, document) == []
    assert document["runs"][0]["invocations"] == [{"executionSuccessful": False}]
    assert [r["ruleId"] for r in document["runs"][0]["results"]] == ["FM301"]
