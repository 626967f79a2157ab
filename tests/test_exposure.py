"""FM401 excessive-data-exposure: what shows a collection stores a secret, where the finding goes,
and which application the evidence belongs to."""
from __future__ import annotations

import json
import textwrap
from pathlib import Path
from typing import List, Tuple

import pytest
from cli_support import invoke
from lintkit import expected, found, lint, write_tree

from flaskmongo_lint.checker import check_source
from flaskmongo_lint.settings import AnalysisSettings

HEADER = """\
from flask import Flask, jsonify
from flask_login import current_user, login_required
from pymongo import MongoClient

app = Flask(__name__)
db = MongoClient().shop
"""

SEND = """

@app.get("/me")
@login_required
def me():
    return jsonify(db.users.find_one({"_id": current_user.id}))
"""


def fm401(body: str, **settings: Tuple[str, ...]) -> List[Tuple[int, str]]:
    source = HEADER + textwrap.dedent(body) + SEND
    found_ = check_source(source.encode(), "app.py", AnalysisSettings(**settings))
    return [(f.line, f.message) for f in found_ if f.code == "FM401"]


WRITE_HANDLER = '''
@app.post("/{name}")
@login_required
def {name}():
    {statement}
    return ""
'''


def _writes(statement: str, name: str = "w") -> str:
    return WRITE_HANDLER.replace("{statement}", statement).replace("{name}", name)


@pytest.mark.parametrize("statement, field", [
    ('db.users.insert_one({"name": "x", "password_hash": make_hash()})', "password_hash"),
    ('db.users.insert_many([{"name": "x", "Password": make_hash()}])', "Password"),  # any case
    ('db.users.update_one({"_id": current_user.id}, {"$set": {"api_key": new_key()}})', "api_key"),
    ('db.users.update_one({"_id": current_user.id}, {"$setOnInsert": {"auth": {"otp_secret": s()}}}, upsert=True)',
     "auth.otp_secret"),
    ('db.users.update_one({"_id": current_user.id}, {"$set": {"auth.password_hash": h()}})', "auth.password_hash"),
    ('db.users.replace_one({"_id": current_user.id}, {"name": "x", "secret_answer": a()})', "secret_answer"),
    ('db.users.find_one({"email": e(), "password_hash": h()})', "password_hash"),  # a filter reads it
    ('check(db.users.find_one({"_id": current_user.id})["refresh_token"])', "refresh_token"),  # a document read
    ('check(db.users.find_one({"_id": current_user.id}).get("otp"))', "otp"),
])
def test_what_shows_a_collection_stores_a_secret(statement: str, field: str) -> None:
    (only,) = fm401(_writes(statement))
    assert f"stores '{field}'" in only[1]


@pytest.mark.parametrize("statements", [
    ['db.users.update_one({"_id": current_user.id}, {"$inc": {"token_count": 1}})'],  # a counter
    ['db.users.insert_one({"name": "x", "otp_enabled": True})',  # a flag, whatever reads it
     'check(db.users.find_one({"_id": 1})["otp_enabled"])'],
    ['db.users.find_one({"email": e(), "email_verified_token_sent": False})'],  # a flag in a filter
    ['db.users.insert_one({"name": "x", "email": e()})'],  # nothing secret
    ['db.sessions.insert_one({"token": t()})'],  # another collection
])
def test_counters_flags_and_other_collections_are_no_evidence(statements: List[str]) -> None:
    assert fm401("".join(_writes(s, f"w{i}") for i, s in enumerate(statements))) == []


def test_the_secret_fields_are_configurable() -> None:
    body = _writes('db.users.insert_one({"name": "x", "pin": p(), "password": h()})')
    assert ["'password'" in m for _, m in fm401(body)] == [True]
    (only,) = fm401(body, secret_fields=("pin",))
    assert "stores 'pin';" in only[1]
    assert fm401(body, secret_fields=("PIN",))  # the patterns ignore case too


@pytest.mark.parametrize("projection", [
    '{"auth": 0}', '{"auth.otp_secret": 0}', '{"name": 1}', '{"_id": 0, "name": True}', '["name", "email"]',
])
def test_a_projection_that_leaves_a_nested_secret_out(projection: str) -> None:
    body = _writes('db.users.update_one({"_id": current_user.id}, {"$set": {"auth.otp_secret": s()}})')
    send = SEND.replace("{\"_id\": current_user.id})", "{\"_id\": current_user.id}, " + projection + ")")
    source = HEADER + textwrap.dedent(body) + send
    assert [f for f in check_source(source.encode(), "app.py", AnalysisSettings()) if f.code == "FM401"] == []


def test_message_flow_and_related_location(tmp_path: Path) -> None:
    write_tree(tmp_path, {"app.py": HEADER + _writes('db.users.insert_one({"password_hash": h()})') + SEND})
    result = invoke("--extend-select", "FM401", "--format", "json", str(tmp_path / "app.py"))
    (finding,) = [f for f in json.loads(result.stdout) if f["code"] == "FM401"]
    assert finding["message"] == (
        "jsonify() sends a whole document of 'users', which stores 'password_hash'; send only the fields the "
        "client needs (a projection such as {\"password_hash\": 0}, or a serializer that names them)")
    assert (finding["line"], finding["column"]) == (18, 20)  # the argument of jsonify()
    assert finding["severity"] == "warning" and finding["cwe"] == 213 and finding["confidence"] is None
    assert [(r["line"], r["column"], r["message"]) for r in finding["related"]] == [
        (11, 26, "'users' is shown here to store 'password_hash'")]  # the key the insert writes
    assert [(s["line"], s["message"]) for s in finding["flow"]] == [
        (18, "a whole 'users' document is read here"),
        (18, "FM401: db.users.find_one({\"_id\": current_user.id})"),
    ]


def test_evidence_stays_in_its_application(tmp_path: Path) -> None:
    """Two applications linted together (they share a helper module, so they are one project):
    what one stores in its `users` says nothing of the other's."""
    write_tree(tmp_path, {
        "common/__init__.py": "",
        "common/clock.py": "def now():\n    return 0\n",
        "alpha/__init__.py": "",
        "alpha/app.py": '''\
            from flask import Flask, jsonify, request
            from pymongo import MongoClient

            from common.clock import now

            app = Flask(__name__)
            db = MongoClient().alpha


            @app.post("/signup")
            def signup():
                db.users.insert_one({"name": str(request.form["name"]), "password_hash": h(), "at": now()})
                return ""


            @app.get("/users")
            def users():
                return jsonify(list(db.users.find()))  # expect: FM401
        ''',
        "beta/__init__.py": "",
        "beta/app.py": '''\
            from flask import Flask, jsonify
            from pymongo import MongoClient

            from common.clock import now

            app = Flask(__name__)
            db = MongoClient().beta


            @app.get("/users")
            def users():
                return jsonify(list(db.users.find()), at=now())
        ''',
    })
    assert found(lint(tmp_path), tmp_path) == expected(tmp_path)


def test_serialising_view_decorators(tmp_path: Path) -> None:
    """What a flask-restx ``@marshal_with`` or a flask-smorest ``@blp.response`` view returns goes
    through its model's named fields; the same return from a plain Resource is sent whole."""
    write_tree(tmp_path, {"api.py": '''\
        from flask import Flask
        from flask_restx import Api, Namespace, Resource, fields
        from flask_smorest import Blueprint
        from pymongo import MongoClient

        app = Flask(__name__)
        api = Api(app)
        ns = Namespace("users")
        api.add_namespace(ns)
        blp = Blueprint("users", __name__)
        db = MongoClient().shop
        user_model = ns.model("User", {"name": fields.String})


        @ns.route("/signup")
        class Signup(Resource):
            def post(self):
                db.users.insert_one({"name": str(ns.payload["name"]), "password_hash": h()})
                return {"ok": True}


        @ns.route("/<string:user_id>")
        class User(Resource):
            @ns.marshal_with(user_model)
            def get(self, user_id):
                return db.users.find_one({"_id": user_id})


        @ns.route("/<string:user_id>/raw")
        class RawUser(Resource):
            def get(self, user_id):
                return db.users.find_one({"_id": user_id})  # expect: FM401


        @blp.get("/u/<user_id>")
        @blp.response(200, UserSchema)
        def smorest_user(user_id):
            return db.users.find_one({"_id": user_id})
    '''})
    assert found(lint(tmp_path), tmp_path) == expected(tmp_path)


def test_a_helper_s_return_is_not_a_response() -> None:
    """Only what a handler returns is sent; a helper that returns the document hands it to its caller."""
    body = _writes('db.users.insert_one({"password_hash": h()})') + '''

def fetch():
    return db.users.find_one({"_id": current_user.id})


@app.get("/name")
@login_required
def name():
    return jsonify(name=fetch()["name"])
'''
    assert [line for line, _ in fm401(body)] == [28]  # SEND's jsonify, not fetch()'s return
