"""Events: what the function walk hands to the rules.

One event per MongoDB operation (with its filter, update, replacement, documents and pipeline
already abstracted into values) and one per ``ObjectId()`` call (with the exceptions caught around
it). Rules only read events; they never look at syntax.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import FrozenSet, List, Optional

import libcst as cst

from flaskmongo_lint.analysis.filters import FilterView
from flaskmongo_lint.analysis.values import Value

INVALID_ID = "invalid_id"  # bson.errors.InvalidId and what it derives from
TYPE_ERROR = "type_error"  # what ObjectId() raises for a dict, list, number...


@dataclass(frozen=True)
class Arg:
    """An argument of an operation: its abstract value and the node to report at."""

    value: Value
    node: cst.CSTNode


@dataclass
class FunctionContext:
    """Facts about the function a walk is in, shared by all its events."""

    name: str
    is_handler: bool
    auth_decorated: bool = False
    role_decorated: bool = False
    inherited_authenticated: bool = False  # a helper called from an authenticated handler
    uses_identity: bool = False  # set by the walk when it meets an identity
    top: Optional[cst.CSTNode] = None  # the module-level statement holding the function (for positions)

    @property
    def authenticated(self) -> bool:
        return self.auth_decorated or self.inherited_authenticated or self.uses_identity


@dataclass
class Event:
    node: cst.CSTNode
    context: FunctionContext


@dataclass
class MongoOp(Event):
    method: str = ""
    op: str = ""  # read, update, replace, delete, insert, aggregate
    collection: Optional[str] = None
    filter: Optional[FilterView] = None
    update: Optional[Arg] = None
    replacement: Optional[Arg] = None
    documents: List[Arg] = field(default_factory=list)
    pipeline: Optional[Arg] = None
    projection: Optional[Arg] = None
    sort: Optional[Arg] = None
    privileged: bool = False  # behind a role decorator or a role test of the identity
    legacy_update: bool = False  # Collection.update(spec, document)
    # Reads only: an ownership check on the fetched document after the read, before the
    # document was returned, makes the read safe.
    checked_after_fetch: bool = False
    returned_unchecked: bool = False

    @property
    def is_read(self) -> bool:
        return self.op in ("read", "aggregate")

    @property
    def is_write(self) -> bool:
        return self.op in ("update", "replace", "delete")


@dataclass
class ObjectIdCall(Event):
    arg: Optional[Arg] = None
    caught: FrozenSet[str] = frozenset()  # exception categories caught around the call
    errors_handled_by_app: bool = False  # the module registers an error handler for InvalidId


@dataclass
class JavaScriptCode(Event):
    """JavaScript the server evaluates, passed as a call argument: ``cursor.where(code)``,
    ``collection.map_reduce(map, reduce, ...)``."""

    method: str = ""
    arg: Optional[Arg] = None
