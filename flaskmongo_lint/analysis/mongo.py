"""What counts as a MongoDB operation (SPEC section 3).

The method table says, for each collection method, what kind of operation it is and where its
filter, update, replacement, documents and pipeline sit (by position and by keyword). Receiver
classification decides whether ``R`` in ``R.m(...)`` is collection-like: ``db.x``, ``db["x"]``,
``mongo.db.x``, ``client["d"]["c"]``, ``X.get_collection(...)``, a name assigned from one of
those, or a name that reads as one (``*_collection``, ``*_coll``, ``*_col``).
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Callable, Dict, Optional, Tuple

import libcst as cst

from flaskmongo_lint.analysis.module import ModuleFacts, dotted, positional, string_value

READ, UPDATE, REPLACE, DELETE, INSERT, BULK, AGGREGATE = "read", "update", "replace", "delete", "insert", "bulk", "aggregate"


@dataclass(frozen=True)
class Method:
    op: str
    filter: Optional[Tuple[int, str]] = None  # (position, keyword)
    update: Optional[Tuple[int, str]] = None
    replacement: Optional[Tuple[int, str]] = None
    documents: Optional[Tuple[int, str]] = None  # one document (insert_one) or a list (insert_many)
    many_documents: bool = False
    pipeline: Optional[Tuple[int, str]] = None
    projection: Optional[Tuple[int, str]] = None
    id_shorthand: bool = False  # a non-mapping filter means {"_id": value}
    ambiguous: bool = False  # needs a collection-like receiver
    legacy_update: bool = False  # update(spec, document): operator-less document replaces


F0 = (0, "filter")
METHODS: Dict[str, Method] = {
    "find_one": Method(READ, filter=F0, projection=(1, "projection"), id_shorthand=True),
    "find_one_or_404": Method(READ, filter=F0, projection=(1, "projection"), id_shorthand=True),
    "find": Method(READ, filter=F0, projection=(1, "projection"), ambiguous=True),
    "find_raw_batches": Method(READ, filter=F0, projection=(1, "projection")),
    "count_documents": Method(READ, filter=F0),
    "count": Method(READ, filter=F0, ambiguous=True),
    "distinct": Method(READ, filter=(1, "filter"), ambiguous=True),
    "aggregate": Method(AGGREGATE, pipeline=(0, "pipeline"), ambiguous=True),
    "update_one": Method(UPDATE, filter=F0, update=(1, "update")),
    "update_many": Method(UPDATE, filter=F0, update=(1, "update")),
    "find_one_and_update": Method(UPDATE, filter=F0, update=(1, "update"), projection=(2, "projection")),
    "update": Method(UPDATE, filter=(0, "spec"), update=(1, "document"), ambiguous=True, legacy_update=True),
    "replace_one": Method(REPLACE, filter=F0, replacement=(1, "replacement")),
    "find_one_and_replace": Method(REPLACE, filter=F0, replacement=(1, "replacement"), projection=(2, "projection")),
    "save": Method(REPLACE, replacement=(0, "to_save"), ambiguous=True),
    "delete_one": Method(DELETE, filter=F0),
    "delete_many": Method(DELETE, filter=F0),
    "find_one_and_delete": Method(DELETE, filter=F0, projection=(1, "projection")),
    "remove": Method(DELETE, filter=(0, "spec_or_id"), ambiguous=True, id_shorthand=True),
    "insert_one": Method(INSERT, documents=(0, "document")),
    "insert_many": Method(INSERT, documents=(0, "documents"), many_documents=True),
    "insert": Method(INSERT, documents=(0, "doc_or_docs"), ambiguous=True),
    "bulk_write": Method(BULK, documents=(0, "requests"), many_documents=True),
}

# bulk_write request classes, read like the matching single calls.
BULK_OPERATIONS: Dict[str, str] = {
    "UpdateOne": "update_one",
    "UpdateMany": "update_many",
    "ReplaceOne": "replace_one",
    "DeleteOne": "delete_one",
    "DeleteMany": "delete_many",
    "InsertOne": "insert_one",
}
BULK_SIGNATURES: Dict[str, Method] = {
    "UpdateOne": Method(UPDATE, filter=F0, update=(1, "update")),
    "UpdateMany": Method(UPDATE, filter=F0, update=(1, "update")),
    "ReplaceOne": Method(REPLACE, filter=F0, replacement=(1, "replacement")),
    "DeleteOne": Method(DELETE, filter=F0),
    "DeleteMany": Method(DELETE, filter=F0),
    "InsertOne": Method(INSERT, documents=(0, "document")),
}

# Database attributes that are not collections.
DATABASE_ATTRIBUTES = {
    "client", "name", "command", "list_collection_names", "list_collections", "create_collection",
    "drop_collection", "get_collection", "with_options", "codec_options", "read_preference",
    "write_concern", "read_concern", "validate_collection", "dereference", "watch", "aggregate",
    "cursor_command", "session", "query", "execute", "commit", "rollback", "add", "Model", "Column",
}
_COLLECTION_NAME = re.compile(r"(?:.*_)?(?:collection|coll|col|cols|collections)$|^(?:.*_)?(?:col|coll)_.*$", re.I)
_DB_NAME = re.compile(r"^(?:db|_db|.*_db|database|mongo_db|mongodb|mdb|db_\w+)$", re.I)
_CLIENT_NAME = re.compile(r"^(?:client|mongo_client|mongoclient|.*mongo.*client.*|motor_client)$", re.I)
_MONGO_NAME = re.compile(r"^(?:mongo|pymongo|mongodb)$", re.I)
CLIENT_FACTORIES = {"MongoClient", "AsyncIOMotorClient", "AsyncMongoClient", "MotorClient"}
WRAPPER_FACTORIES = {"PyMongo"}  # Flask-PyMongo: ``mongo.db``
DB_FACTORIES = {"get_db", "get_database", "get_default_database", "get_mongo_db"}


@dataclass(frozen=True)
class Receiver:
    kind: str  # "collection", "db", "client", "wrapper"
    name: Optional[str] = None  # collection name (or the text of the receiver)


# Resolves a local name to what it was assigned from, if the caller knows (function locals).
LocalLookup = Callable[[str], Optional[Receiver]]


def classify(expr: cst.BaseExpression, facts: ModuleFacts, local: LocalLookup, depth: int = 0) -> Optional[Receiver]:
    """What a receiver expression is, as far as MongoDB goes."""
    if depth > 8:
        return None
    if isinstance(expr, cst.Await):
        return classify(expr.expression, facts, local, depth + 1)
    if isinstance(expr, cst.Name):
        name = expr.value
        found = local(name)
        if found is not None:
            return found
        assigned = facts.assignments.get(name)
        if assigned is not None:
            found = classify(assigned, facts, local, depth + 1)
            if found is not None:
                return found if found.kind != "collection" or found.name else Receiver("collection", name)
            if isinstance(assigned, cst.Call):
                # ``db = SQLAlchemy(app)``: a name built by some other library is plainly not MongoDB.
                return None
        return _by_name(name)
    if isinstance(expr, cst.Attribute):
        attr = expr.attr.value
        base = classify(expr.value, facts, local, depth + 1)
        if base is not None:
            if base.kind == "db":
                return None if attr in DATABASE_ATTRIBUTES else Receiver("collection", attr)
            if base.kind == "client":
                return Receiver("db", attr)
            if base.kind == "wrapper":
                return Receiver("db", attr) if attr in ("db", "cx") else None
            if base.kind == "collection":
                return Receiver("collection", f"{base.name}.{attr}") if attr not in DATABASE_ATTRIBUTES else None
        if attr == "db" or _DB_NAME.match(attr):
            return Receiver("db", dotted(expr))
        if _COLLECTION_NAME.match(attr):
            return Receiver("collection", attr)
        return None
    if isinstance(expr, cst.Subscript):
        base = classify(expr.value, facts, local, depth + 1)
        key = _subscript_string(expr)
        if base is not None:
            if base.kind == "db":
                return Receiver("collection", key or dotted(expr.value))
            if base.kind == "client":
                return Receiver("db", key)
        return None
    if isinstance(expr, cst.Call):
        func = expr.func
        fname = func.attr.value if isinstance(func, cst.Attribute) else func.value if isinstance(func, cst.Name) else None
        if fname in CLIENT_FACTORIES:
            return Receiver("client")
        if fname in WRAPPER_FACTORIES:
            return Receiver("wrapper")
        if fname == "get_collection":
            args = positional(expr)
            return Receiver("collection", string_value(args[0]) if args else None)
        if fname in DB_FACTORIES:
            return Receiver("db")
        return None
    return None


def _subscript_string(expr: cst.Subscript) -> Optional[str]:
    if len(expr.slice) != 1:
        return None
    inner = expr.slice[0].slice
    if isinstance(inner, cst.Index):
        return string_value(inner.value)
    return None


def _by_name(name: str) -> Optional[Receiver]:
    if _COLLECTION_NAME.match(name):
        return Receiver("collection", name)
    if _DB_NAME.match(name):
        return Receiver("db", name)
    if _CLIENT_NAME.match(name):
        return Receiver("client", name)
    if _MONGO_NAME.match(name):
        return Receiver("wrapper", name)
    return None
