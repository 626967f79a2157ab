"""A small Flask + PyMongo app with the mistakes flaskmongo-lint looks for, and their fixes.

Try: flaskmongo-lint examples/
"""
import secrets

from bson import ObjectId, json_util
from bson.errors import InvalidId
from flask import Flask, abort, jsonify, request
from flask_login import current_user, login_required
from pymongo import MongoClient
from werkzeug.security import generate_password_hash

app = Flask(__name__)
db = MongoClient()["notes"]
EDITABLE = {"title", "body"}


# Vulnerable: any logged-in user reads any note by id (FM101), and a malformed id is a 500 (FM301).
@app.get("/notes/<note_id>")
@login_required
def read_note(note_id):
    note = db.notes.find_one({"_id": ObjectId(note_id)})
    if note is None:
        abort(404)
    return jsonify(title=note["title"], body=note["body"])


# Fixed: the id is validated and the query is scoped to the caller.
@app.get("/mine/<note_id>")
@login_required
def read_own_note(note_id):
    try:
        oid = ObjectId(note_id)
    except InvalidId:
        abort(404)
    note = db.notes.find_one({"_id": oid, "owner_id": current_user.id})
    if note is None:
        abort(404)
    return jsonify(title=note["title"], body=note["body"])


# Vulnerable: the client chooses which fields to set, "owner_id" included (FM201).
@app.patch("/mine/<note_id>")
@login_required
def update_note(note_id):
    if not ObjectId.is_valid(note_id):
        abort(404)
    data = request.get_json()
    db.notes.update_one({"_id": ObjectId(note_id), "owner_id": current_user.id}, {"$set": data})
    return jsonify(status="ok")


# Fixed: only allowlisted fields reach $set.
@app.put("/mine/<note_id>")
@login_required
def update_note_allowlisted(note_id):
    if not ObjectId.is_valid(note_id):
        abort(404)
    data = request.get_json() or {}
    changes = {k: v for k, v in data.items() if k in EDITABLE}
    db.notes.update_one({"_id": ObjectId(note_id), "owner_id": current_user.id}, {"$set": changes})
    return jsonify(status="ok")


# Vulnerable: {"title": {"$ne": null}} in the JSON body matches every note (FM302).
@app.post("/search")
@login_required
def search():
    title = request.get_json()["title"]
    found = db.notes.find({"title": title, "owner_id": current_user.id})
    return jsonify(ids=[str(n["_id"]) for n in found])


# Fixed: the title is coerced to a string before it reaches the filter.
@app.post("/search/coerced")
@login_required
def search_coerced():
    title = str(request.get_json().get("title", ""))
    found = db.notes.find({"title": title, "owner_id": current_user.id})
    return jsonify(ids=[str(n["_id"]) for n in found])


# Vulnerable: any logged-in user can delete anyone's note by id (FM102), and a bad id is a 500 (FM301).
@app.delete("/notes/<note_id>")
@login_required
def delete_note(note_id):
    db.notes.delete_one({"_id": ObjectId(note_id)})
    return "", 204


# Fixed: the delete is scoped to the caller and the id is validated.
@app.delete("/mine/<note_id>")
@login_required
def delete_own_note(note_id):
    if not ObjectId.is_valid(note_id):
        abort(404)
    db.notes.delete_one({"_id": ObjectId(note_id), "owner_id": current_user.id})
    return "", 204


# Vulnerable: the stored note becomes whatever the client sent; fields it leaves out are lost (FM203).
@app.put("/mine/<note_id>/replace")
@login_required
def replace_note(note_id):
    if not ObjectId.is_valid(note_id):
        abort(404)
    db.notes.replace_one({"_id": ObjectId(note_id), "owner_id": current_user.id}, request.get_json())
    return jsonify(status="ok")


# Vulnerable: no login at all, so anyone on the internet can archive any note by its id (FM104).
@app.post("/notes/<note_id>/archive")
def archive_note(note_id):
    if not ObjectId.is_valid(note_id):
        abort(404)
    db.notes.update_one({"_id": ObjectId(note_id)}, {"$set": {"archived": True}})
    return jsonify(status="archived")


# Fixed: the caller signs in and archives only their own notes.
@app.post("/mine/<note_id>/archive")
@login_required
def archive_own_note(note_id):
    if not ObjectId.is_valid(note_id):
        abort(404)
    db.notes.update_one({"_id": ObjectId(note_id), "owner_id": current_user.id}, {"$set": {"archived": True}})
    return jsonify(status="archived")


# Sign-up: this is how the app comes to store password hashes and API tokens in "users".
@app.post("/signup")
def signup():
    form = request.form
    db.users.insert_one({
        "name": str(form["name"]),
        "password_hash": generate_password_hash(str(form["password"])),
        "api_token": secrets.token_urlsafe(32),
    })
    return jsonify(status="created"), 201


# Vulnerable: the profile sends the whole user document, password hash and API token included (FM401;
# an opt-in rule: --extend-select FM401).
@app.get("/me")
@login_required
def profile():
    return json_util.dumps(db.users.find_one({"_id": current_user.id}))


# Fixed: the projection names the fields the profile shows.
@app.get("/me/public")
@login_required
def public_profile():
    return json_util.dumps(db.users.find_one({"_id": current_user.id}, {"name": 1}))
