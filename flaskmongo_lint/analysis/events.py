"""Events: what the interpreter hands to the rules, frozen once emitted.

One event per MongoDB operation (its filter, update, replacement, documents and pipeline already
abstracted into values), one per ``ObjectId()`` call and one per piece of server-side JavaScript
passed as an argument. A :class:`Placed` event carries the context it was reached in: the
exceptions caught around it and whether a role guard stands before it, composed along the calls
from the handler down to it.
"""
from __future__ import annotations

import enum
from dataclasses import dataclass
from typing import FrozenSet, Optional, Tuple

from flaskmongo_lint.analysis.lattice import EMPTY, Site, Value


class Caught(enum.Enum):
    """What an ``except`` clause around a call catches, as far as ``ObjectId()`` goes."""

    INVALID_ID = "invalid_id"  # bson.errors.InvalidId and what it derives from
    TYPE_ERROR = "type_error"  # what ObjectId() raises for a dict, a list, a number ...


class OpKind(enum.Enum):
    READ = "read"
    AGGREGATE = "aggregate"
    UPDATE = "update"
    REPLACE = "replace"
    DELETE = "delete"
    INSERT = "insert"
    BULK = "bulk"
    CURSOR = "cursor"  # a cursor modifier with a client-relevant argument (``cursor.sort(spec)``)


READS = frozenset({OpKind.READ, OpKind.AGGREGATE})
WRITES = frozenset({OpKind.UPDATE, OpKind.REPLACE, OpKind.DELETE})


@dataclass(frozen=True)
class Arg:
    """An argument of an operation: its abstract value and where it is written."""

    value: Value
    site: Site


@dataclass(frozen=True)
class Event:
    site: Site  # where a finding about the event as a whole is reported


@dataclass(frozen=True)
class Operation(Event):
    method: str = ""
    op: OpKind = OpKind.READ
    collection: Optional[str] = None
    filter: Optional[Arg] = None
    update: Optional[Arg] = None
    replacement: Optional[Arg] = None
    documents: Tuple[Arg, ...] = ()
    pipeline: Optional[Arg] = None
    projection: Optional[Arg] = None
    sort: Optional[Arg] = None
    id_shorthand: bool = False  # a non-mapping filter means {"_id": value}
    legacy_update: bool = False  # Collection.update(spec, document)

    @property
    def is_read(self) -> bool:
        return self.op in READS

    @property
    def is_write(self) -> bool:
        return self.op in WRITES


@dataclass(frozen=True)
class ObjectIdCall(Event):
    arg: Optional[Arg] = None
    caught: FrozenSet[Caught] = EMPTY  # caught around the call inside its own function


@dataclass(frozen=True)
class JavaScriptCall(Event):
    """JavaScript the server evaluates, passed as a call argument: ``cursor.where(code)``,
    ``collection.map_reduce(map, reduce, ...)``."""

    method: str = ""
    arg: Optional[Arg] = None


@dataclass(frozen=True)
class FieldRead(Event):
    """A named field read from a whole stored document (``user["password_hash"]``,
    ``user.get("otp_secret")``): evidence that its collection stores the field. Emitted only for
    fields named like secrets (``secret-fields``), the only ones the evidence is asked about."""

    collections: Tuple[str, ...] = ()
    field: str = ""


@dataclass(frozen=True)
class Response(Event):
    """A call that builds the response the client gets (``jsonify(...)``, ``make_response(...)``):
    its arguments, reported at the one that carries a whole document."""

    via: str = ""  # the callee, for messages ("jsonify")
    args: Tuple[Arg, ...] = ()


@dataclass(frozen=True)
class Returned(Event):
    """A ``return`` whose value is or holds a whole stored document, in the function ``function``
    ("module:qualname"): what a handler returns is the response (site: the returned expression)."""

    value: Optional[Arg] = None
    function: str = ""


@dataclass(frozen=True)
class Placed:
    """An event in the context it was reached in."""

    event: Event
    caught: FrozenSet[Caught] = EMPTY
    privileged: bool = False

    def under(self, caught: FrozenSet[Caught], privileged: bool) -> "Placed":
        """This event as seen from a call site with ``caught`` around it (and a role guard)."""
        if caught <= self.caught and (self.privileged or not privileged):
            return self
        return Placed(self.event, self.caught | caught, self.privileged or privileged)


__all__ = ["Arg", "Caught", "Event", "FieldRead", "JavaScriptCall", "ObjectIdCall", "OpKind", "Operation", "Placed",
           "READS", "Response", "Returned", "WRITES"]
