"""The exact message of each rule: what the problem is, where the data came from, the remedy."""
from __future__ import annotations

import textwrap
from typing import Dict

from flaskmongo_lint.checker import check_source
from flaskmongo_lint.settings import AnalysisSettings

HEADER = """\
import re
from bson import ObjectId
from flask import Flask, request
from flask_login import current_user, login_required
from pymongo import MongoClient

app = Flask(__name__)
db = MongoClient().shop
"""

BODY = '''
@app.get("/mine")
@login_required
def mine():
    return {"n": db.notes.count_documents({"owner_id": current_user.id})}


@app.get("/notes/<note_id>")
@login_required
def read(note_id):
    return {"note": db.notes.find_one({"_id": note_id})}


@app.post("/notes/<note_id>/pin")
@login_required
def pin(note_id):
    db.notes.update_one({"_id": note_id}, {"$set": {"pinned": True}})
    return ""


@app.get("/users/<user_id>/notes")
@login_required
def theirs(user_id):
    return {"notes": list(db.notes.find({"user_id": user_id}))}


@app.post("/public/<note_id>/hide")
def hide(note_id):
    db.notes.update_one({"_id": note_id}, {"$set": {"hidden": True}})
    return ""


@app.post("/me")
@login_required
def me():
    db.users.update_one({"_id": current_user.id}, {"$set": request.get_json()})
    db.users.update_one({"_id": current_user.id}, request.get_json())
    db.users.replace_one({"_id": current_user.id}, request.get_json())
    db.users.insert_one(request.get_json())
    return ""


@app.get("/item")
def item():
    oid = ObjectId(request.args["id"])
    body = request.get_json()
    found = db.items.find_one({"name": body["name"]})
    listed = list(db.items.find(request.args.to_dict()))
    scripted = list(db.items.find({"$where": "this.n > " + request.args["n"]}))
    matched = list(db.items.find({"name": {"$regex": request.args["q"]}}))
    return {"a": str(oid), "b": found, "c": listed, "d": scripted, "e": matched}


@app.get("/account")
@login_required
def account():
    db.accounts.update_one({"_id": current_user.id}, {"$set": {"api_key": "k"}})
    return {"account": db.accounts.find_one({"_id": current_user.id})}
'''

SOURCE = HEADER + BODY
ROUTE = "route parameter 'note_id'"
EXPECTED: Dict[str, str] = {
    "FM101": f"find_one selects by '_id' ({ROUTE}); the filter has no owner key and no ownership check guards it; "
             "scope the filter with the caller's identity, e.g. \"owner_id\": current_user.id",
    "FM102": f"update_one selects by '_id' ({ROUTE}); the filter has no owner key; scope the filter with the "
             "caller's identity, e.g. \"owner_id\": current_user.id",
    "FM103": "owner key 'user_id' of find takes its value from route parameter 'user_id': the client chooses whose "
             "documents it gets; use the caller's identity instead",
    "FM104": f"update_one selects by '_id' ({ROUTE}) in a handler that no authentication protects: anyone can "
             "change any document by its id; require a login and scope the filter with the caller's identity",
    "FM201": "$set of update_one takes a whole mapping from request.get_json(): the client chooses which fields "
             "change; copy only allowed fields or load it through a schema",
    "FM202": "the update document of update_one is request.get_json(): the client chooses the operators and "
             "fields; build {\"$set\": ...} from allowed fields",
    "FM203": "replace_one replaces the document with request.get_json(): fields the client leaves out are dropped "
             "and any it adds are stored; $set named fields instead",
    "FM204": "insert_one stores request.get_json() as the document: the client can set any field; build the "
             "document from named fields",
    "FM301": "ObjectId() of request.args['id'] can raise InvalidId: check ObjectId.is_valid() first or catch "
             "bson.errors.InvalidId, and answer 400/404",
    "FM302": "filter value 'name' of find_one is request.get_json()['name'], which may be an object such as "
             "{\"$ne\": null}; coerce it (str(), int()) or use {\"$eq\": value}",
    "FM303": "the filter of find is request.args: the client writes the query; build it from named, coerced values",
    "FM304": "$where of find runs JavaScript built from request.args['n']; express the condition with query "
             "operators",
    "FM305": "request.args['q'] is used as a regular expression in find; escape it with re.escape()",
    "FM401": "the handler returns a whole document of 'accounts', which stores 'api_key'; send only the fields "
             "the client needs (a projection such as {\"api_key\": 0}, or a serializer that names them)",
}


def test_each_rule_says_exactly_this() -> None:
    findings = check_source(SOURCE.encode(), "messages.py", AnalysisSettings())
    got: Dict[str, str] = {}
    for f in findings:
        got.setdefault(f.code, f.message)
    assert got == EXPECTED


def test_confidence_follows_the_evidence() -> None:
    findings = {f.code: f for f in check_source(SOURCE.encode(), "messages.py", AnalysisSettings())}
    assert findings["FM101"].confidence == "high"  # notes are per-owner (the count in mine())
    assert findings["FM102"].confidence == "high"
    assert findings["FM104"].confidence == "high"  # the other handlers are authenticated: this one stands out
    lone = textwrap.dedent('''\
        from flask import Flask
        from pymongo import MongoClient
        app = Flask(__name__)
        db = MongoClient().x
        @app.post("/rules/<rule_id>/off")
        def off(rule_id):
            db.rules.update_one({"_id": rule_id}, {"$set": {"on": False}})
            return ""
    ''')
    (only,) = check_source(lone.encode(), "lone.py", AnalysisSettings())
    assert (only.code, only.confidence) == ("FM104", "medium")  # no authentication in the app, no evidence
