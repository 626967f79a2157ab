"""bson: ObjectId and its errors, json_util, Regex and Code."""
from __future__ import annotations

from typing import Dict, FrozenSet

from flaskmongo_lint.analysis.events import Caught

# Flask-PyMongo re-exports bson's class.
OBJECTID = frozenset({"bson.ObjectId", "bson.objectid.ObjectId", "flask_pymongo.ObjectId"})
IS_VALID = "is_valid"
JSON_LOADS = frozenset({"bson.json_util.loads"})
JSON_DUMPS = frozenset({"bson.json_util.dumps"})
REGEX = frozenset({"bson.regex.Regex", "bson.Regex"})
CODE = frozenset({"bson.Code", "bson.code.Code"})

BOTH: FrozenSet[Caught] = frozenset({Caught.INVALID_ID, Caught.TYPE_ERROR})
# What an ``except`` clause naming these catches of what ObjectId() raises.
CAUGHT_BY: Dict[str, FrozenSet[Caught]] = {
    "Exception": BOTH,
    "BaseException": BOTH,
    "InvalidId": frozenset({Caught.INVALID_ID}),
    "BSONError": frozenset({Caught.INVALID_ID}),
    "TypeError": frozenset({Caught.TYPE_ERROR}),
}
# Error handlers that turn an ObjectId() failure into a clean response.
HANDLED_ERRORS: Dict[str, FrozenSet[Caught]] = CAUGHT_BY
