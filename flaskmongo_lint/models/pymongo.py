"""PyMongo and Motor (SPEC section 3): the method table, receivers, bulk requests and cursors.

The method table says, for each collection method, what kind of operation it is and where its
filter, update, replacement, documents and pipeline sit (by position and by keyword). Receivers
are collection-like when they are ``db.x``, ``db["x"]``, ``mongo.db.x``, ``client["d"]["c"]``,
``X.get_collection(...)``, a name bound to one of these, or a name that reads as one.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Dict, Optional, Tuple

from flaskmongo_lint.analysis.events import OpKind

Where = Tuple[Optional[int], str]  # (position, keyword)


@dataclass(frozen=True)
class Method:
    op: OpKind
    filter: Optional[Where] = None
    update: Optional[Where] = None
    replacement: Optional[Where] = None
    documents: Optional[Where] = None  # one document (insert_one) or a list (insert_many)
    many_documents: bool = False
    pipeline: Optional[Where] = None
    projection: Optional[Where] = None
    sort: Optional[Where] = None
    id_shorthand: bool = False  # a non-mapping filter means {"_id": value}
    ambiguous: bool = False  # needs a collection-like receiver
    legacy_update: bool = False  # update(spec, document): an operator-less document replaces


F0: Where = (0, "filter")
SORT: Where = (None, "sort")
METHODS: Dict[str, Method] = {
    "find_one": Method(OpKind.READ, filter=F0, projection=(1, "projection"), sort=SORT, id_shorthand=True),
    "find_one_or_404": Method(OpKind.READ, filter=F0, projection=(1, "projection"), id_shorthand=True),
    "find": Method(OpKind.READ, filter=F0, projection=(1, "projection"), sort=SORT, ambiguous=True),
    "find_raw_batches": Method(OpKind.READ, filter=F0, projection=(1, "projection")),
    "count_documents": Method(OpKind.READ, filter=F0),
    "count": Method(OpKind.READ, filter=F0, ambiguous=True),
    "distinct": Method(OpKind.READ, filter=(1, "filter"), ambiguous=True),
    "aggregate": Method(OpKind.AGGREGATE, pipeline=(0, "pipeline"), ambiguous=True),
    "aggregate_raw_batches": Method(OpKind.AGGREGATE, pipeline=(0, "pipeline")),
    "update_one": Method(OpKind.UPDATE, filter=F0, update=(1, "update")),
    "update_many": Method(OpKind.UPDATE, filter=F0, update=(1, "update")),
    "find_one_and_update": Method(OpKind.UPDATE, filter=F0, update=(1, "update"), projection=(2, "projection"), sort=SORT),
    "update": Method(OpKind.UPDATE, filter=(0, "spec"), update=(1, "document"), ambiguous=True, legacy_update=True),
    "replace_one": Method(OpKind.REPLACE, filter=F0, replacement=(1, "replacement")),
    "find_one_and_replace": Method(OpKind.REPLACE, filter=F0, replacement=(1, "replacement"),
                                   projection=(2, "projection"), sort=SORT),
    "save": Method(OpKind.REPLACE, replacement=(0, "to_save"), ambiguous=True),
    "delete_one": Method(OpKind.DELETE, filter=F0),
    "delete_many": Method(OpKind.DELETE, filter=F0),
    "find_one_and_delete": Method(OpKind.DELETE, filter=F0, projection=(1, "projection"), sort=SORT),
    "remove": Method(OpKind.DELETE, filter=(0, "spec_or_id"), ambiguous=True, id_shorthand=True),
    "insert_one": Method(OpKind.INSERT, documents=(0, "document")),
    "insert_many": Method(OpKind.INSERT, documents=(0, "documents"), many_documents=True),
    "insert": Method(OpKind.INSERT, documents=(0, "doc_or_docs"), ambiguous=True),
    "bulk_write": Method(OpKind.BULK, documents=(0, "requests"), many_documents=True),
}
# Methods whose result is a cursor, a document, a count.
CURSOR_RESULTS = frozenset({"find", "aggregate", "find_raw_batches", "aggregate_raw_batches"})
COUNT_RESULTS = frozenset({"count_documents", "count", "distinct"})
RETURNS_DOCUMENT_AFTER_WRITE = frozenset({"find_one_and_update", "find_one_and_replace", "find_one_and_delete"})
RAW_RESULTS = frozenset({"find_raw_batches", "aggregate_raw_batches"})  # BSON bytes, not documents
# Cursor methods that give one of its documents (the others give a count, a plan, a copy ...).
CURSOR_DOCUMENT_METHODS = frozenset({"next", "__next__", "try_next"})

# bulk_write request classes, read like the matching single calls.
BULK_REQUESTS: Dict[str, Tuple[str, Method]] = {
    "UpdateOne": ("update_one", Method(OpKind.UPDATE, filter=F0, update=(1, "update"))),
    "UpdateMany": ("update_many", Method(OpKind.UPDATE, filter=F0, update=(1, "update"))),
    "ReplaceOne": ("replace_one", Method(OpKind.REPLACE, filter=F0, replacement=(1, "replacement"))),
    "DeleteOne": ("delete_one", Method(OpKind.DELETE, filter=F0)),
    "DeleteMany": ("delete_many", Method(OpKind.DELETE, filter=F0)),
    "InsertOne": ("insert_one", Method(OpKind.INSERT, documents=(0, "document"))),
}
BULK_MODULES = ("pymongo",)

# Cursor methods that return the cursor itself.
CURSOR_CHAIN = frozenset({
    "sort", "limit", "skip", "batch_size", "hint", "max_time_ms", "collation", "comment", "allow_disk_use",
    "clone", "rewind", "max", "min", "where", "to_list",
})
CURSOR_SORT = "sort"
CURSOR_WHERE = "where"
MAP_REDUCE = frozenset({"map_reduce", "inline_map_reduce"})

CLIENT_CLASSES = frozenset({
    "pymongo.MongoClient", "pymongo.mongo_client.MongoClient", "pymongo.AsyncMongoClient",
    "motor.motor_asyncio.AsyncIOMotorClient", "motor.motor_tornado.MotorClient", "motor.MotorClient",
    "mongomock.MongoClient",
})
CLIENT_CLASS_NAMES = frozenset({"MongoClient", "AsyncIOMotorClient", "AsyncMongoClient", "MotorClient"})
WRAPPER_CLASSES = frozenset({"flask_pymongo.PyMongo"})  # Flask-PyMongo: ``mongo.db``
WRAPPER_CLASS_NAMES = frozenset({"PyMongo"})
WRAPPER_DATABASE = frozenset({"db"})
WRAPPER_CLIENT = frozenset({"cx"})
DATABASE_METHODS = frozenset({"get_database", "get_default_database"})
COLLECTION_METHODS = frozenset({"get_collection"})
# Methods of other libraries that hand out a PyMongo collection (MongoEngine's Document).
COLLECTION_FACTORIES = frozenset({"_get_collection"})
DATABASE_FACTORY_NAMES = frozenset({"get_db", "get_database", "get_default_database", "get_mongo_db"})

# Database attributes that are not collections.
DATABASE_ATTRIBUTES = frozenset({
    "client", "name", "command", "list_collection_names", "list_collections", "create_collection",
    "drop_collection", "get_collection", "with_options", "codec_options", "read_preference",
    "write_concern", "read_concern", "validate_collection", "dereference", "watch", "aggregate",
    "cursor_command", "session", "query", "execute", "commit", "rollback", "add", "Model", "Column",
})
COLLECTION_NAME = re.compile(r"(?:.*_)?(?:collection|coll|col|cols|collections)$|^(?:.*_)?(?:col|coll)_.*$", re.I)
DATABASE_NAME = re.compile(r"^(?:db|_db|.*_db|database|mongo_db|mongodb|mdb|db_\w+)$", re.I)
CLIENT_NAME = re.compile(r"^(?:client|mongo_client|mongoclient|.*mongo.*client.*|motor_client)$", re.I)
WRAPPER_NAME = re.compile(r"^(?:mongo|pymongo|mongodb)$", re.I)
