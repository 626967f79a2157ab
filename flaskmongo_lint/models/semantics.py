"""The one door the interpreter knocks on: what an imported name is, what an attribute, an item
or a call of a modelled object gives, what a call used as a test proves."""
from __future__ import annotations

from dataclasses import replace
from typing import FrozenSet, Optional, Protocol

from flaskmongo_lint import syntax as syn

from flaskmongo_lint.analysis.syntaxutil import code_of, simple_name
from flaskmongo_lint.analysis.events import Arg, Caught, Event, FieldRead, ObjectIdCall, Response
from flaskmongo_lint.analysis.lattice import (
    CLEAN, EMPTY, JSON_MAPPING, TEXT_KINDS, Kind, Obj, ObjKind, Site, Value, client, item_of, records_in,
)
from flaskmongo_lint.analysis.transfer import CallSite, Outcome, TestOutcome, unknown
from flaskmongo_lint.models import auth, bson, flask, operations, operators, python, quart, restful, socketio
from flaskmongo_lint.models import pymongo as pm
from flaskmongo_lint.models.tags import Tag
from flaskmongo_lint.settings import AnalysisSettings

REQUEST = flask.REQUEST | quart.REQUEST
G = flask.G | quart.G
SESSION = flask.SESSION | quart.SESSION
IDENTITY_OBJECTS = auth.IDENTITY_OBJECTS | quart.IDENTITY_OBJECTS
LEAVING = flask.LEAVING_CALLS | quart.LEAVING_CALLS | restful.LEAVING_CALLS | python.LEAVING_CALLS
JSON_LOADS = python.JSON_LOADS | flask.JSON_LOADS | bson.JSON_LOADS
JSON_DUMPS = python.JSON_DUMPS | flask.JSON_DUMPS | bson.JSON_DUMPS
RESPONSE_CALLS = flask.RESPONSE_CALLS | quart.RESPONSE_CALLS
APP_CLASSES = flask.APP_CLASSES | quart.APP_CLASSES
BLUEPRINT_CLASSES = flask.BLUEPRINT_CLASSES | quart.BLUEPRINT_CLASSES | restful.BLUEPRINT_CLASSES
OBJECT_CLASSES = {
    **{q: Tag.APP for q in APP_CLASSES},
    **{q: Tag.BLUEPRINT for q in BLUEPRINT_CLASSES},
    **{q: Tag.API for q in restful.API_CLASSES},
    **{q: Tag.SOCKETIO for q in socketio.SOCKETIO_CLASSES},
    **{q: Tag.HTTPAUTH for q in auth.HTTPAUTH_CLASSES},
    **{q: Tag.CLIENT for q in pm.CLIENT_CLASSES},
    **{q: Tag.WRAPPER for q in pm.WRAPPER_CLASSES},
}


KNOWN = (REQUEST | G | SESSION | IDENTITY_OBJECTS | LEAVING | JSON_LOADS | JSON_DUMPS | bson.OBJECTID | bson.REGEX |
         bson.CODE | auth.IDENTITY_CALLS | auth.ENFORCING_CALLS | RESPONSE_CALLS | frozenset(OBJECT_CLASSES))


class World(Protocol):
    """What the models may ask the project analysis."""

    def stored(self, attr: str) -> Optional[Value]:
        """The value the application's code stores in ``g.<attr>``, if any code does."""


def _model(tag: Tag, name: Optional[str] = None) -> Value:
    return Value(obj=Obj(ObjKind.MODEL, tag, name))


class Semantics:
    ID_FIELD = python.ID_FIELD  # the field a document is selected by

    def __init__(self, settings: AnalysisSettings) -> None:
        self.settings = settings

    # ------------------------------------------------------------------ names
    def external(self, qualname: str, site: Site) -> Optional[Value]:
        """An imported name, used as a value."""
        if qualname in REQUEST:
            return _model(Tag.REQUEST)
        if qualname in G:
            return _model(Tag.G)
        if qualname in SESSION:
            return _model(Tag.SESSION)
        if qualname in IDENTITY_OBJECTS:
            return Value(identity=True, origin=qualname.rsplit(".", 1)[-1])
        return None

    def knows(self, qualname: str) -> bool:
        """Whether a library name means something to the models (for ``from flask import *``)."""
        return qualname in KNOWN or self.object_class(qualname) is not None

    def unbound(self, name: str) -> Optional[Value]:
        """A name nothing binds (an unresolved import, a global) that reads as MongoDB."""
        if pm.COLLECTION_NAME.match(name):
            return operations.collection(name)
        if pm.DATABASE_NAME.match(name):
            return _model(Tag.DATABASE, name)
        if pm.CLIENT_NAME.match(name):
            return _model(Tag.CLIENT, name)
        if pm.WRAPPER_NAME.match(name):
            return _model(Tag.WRAPPER, name)
        return None

    def object_class(self, qualname: str) -> Optional[Tag]:
        """What an instance of an imported class is (an app, a blueprint, a Mongo client ...)."""
        found = OBJECT_CLASSES.get(qualname)
        if found is not None:
            return found
        last = qualname.rsplit(".", 1)[-1]
        if last in pm.CLIENT_CLASS_NAMES:
            return Tag.CLIENT
        if last in pm.WRAPPER_CLASS_NAMES:
            return Tag.WRAPPER
        return None

    # ------------------------------------------------------------------ attributes and items
    def attribute(self, base: Value, attr: str, site: Site, world: World) -> Optional[Value]:
        obj = base.obj
        if obj is not None and obj.kind is ObjKind.MODEL:
            return self._model_attribute(obj, attr, site, world)
        if base.identity:
            if attr in auth.ANONYMOUS_ATTRIBUTES:
                return Value(identity=True, anonymous=True, origin=base.origin)
            return None
        if base.kinds or base.doc or base.const or base.shape is not None or base.elements is not None:
            return None
        if obj is not None:
            return None  # a project object, or a library's
        if attr in pm.WRAPPER_DATABASE or pm.DATABASE_NAME.match(attr):
            return _model(Tag.DATABASE, attr)
        if pm.COLLECTION_NAME.match(attr):
            return operations.collection(attr)
        return None

    def _model_attribute(self, obj: Obj, attr: str, site: Site, world: World) -> Optional[Value]:
        tag = obj.ref
        if tag == Tag.REQUEST:
            if attr in flask.REQUEST_MAPPINGS:
                return client(frozenset({Kind.MAPPING}), f"request.{attr}", site)
            if attr in flask.REQUEST_JSON:
                return client(JSON_MAPPING, f"request.{attr}", site)
            if attr in flask.REQUEST_TEXT:
                return client(TEXT_KINDS, f"request.{attr}", site)
            return CLEAN
        if tag == Tag.G:
            found = world.stored(attr)
            if found is not None:
                return found
            if self.settings.matches("identity_names", attr):
                return Value(identity=True, origin=f"g.{attr}")
            return CLEAN
        if tag == Tag.WRAPPER:
            if attr in pm.WRAPPER_DATABASE:
                return _model(Tag.DATABASE, attr)
            if attr in pm.WRAPPER_CLIENT:
                return _model(Tag.CLIENT, attr)
            return None
        if tag == Tag.CLIENT:
            return _model(Tag.DATABASE, attr)
        if tag == Tag.DATABASE:
            return None if attr in pm.DATABASE_ATTRIBUTES else operations.collection(attr)
        if tag == Tag.COLLECTION:
            if attr in pm.DATABASE_ATTRIBUTES or attr in pm.METHODS:
                return None
            return operations.collection(f"{obj.name}.{attr}" if obj.name else attr)
        if tag == Tag.API and attr == restful.PAYLOAD:
            return client(JSON_MAPPING, f"{code_of(site.node)}", site)
        return None

    def subscript(self, base: Value, key: Value, site: Site) -> Optional[Value]:
        obj = base.obj
        if obj is None or obj.kind is not ObjKind.MODEL:
            return None
        if obj.ref == Tag.SESSION:
            return self.session_value(key)
        if obj.ref == Tag.DATABASE:
            return operations.collection(key.literal)
        if obj.ref == Tag.CLIENT:
            return _model(Tag.DATABASE, key.literal)
        return None

    def session_value(self, key: Value) -> Value:
        """``session[key]``: the user under a key that names them, else server state."""
        if key.literal is not None and self.settings.matches("session_user_keys", key.literal):
            return Value(identity=True, origin=f"session[{key.literal!r}]")
        return Value(stored_key=key.literal or "?")

    # ------------------------------------------------------------------ calls
    def call(self, qualname: str, call: CallSite) -> Optional[Outcome]:
        """A call of an imported function or class."""
        first = call.first
        if qualname in bson.OBJECTID:
            return self.objectid(call)
        if qualname in LEAVING:
            return Outcome(CLEAN, leaves=True)
        if qualname in RESPONSE_CALLS:
            return self.response(qualname, call)
        if qualname in JSON_LOADS:
            return Outcome(python.json_loads(first or CLEAN))
        if qualname in JSON_DUMPS:
            return Outcome(python.json_dumps(first or CLEAN))
        if qualname in auth.IDENTITY_CALLS:
            return Outcome(Value(identity=True, origin=f"{qualname.rsplit('.', 1)[-1]}()"))
        if qualname in auth.ENFORCING_CALLS:
            return Outcome(CLEAN, enforces_auth=True, identity_use=True)
        tag = self.object_class(qualname)
        if tag is not None:
            return Outcome(_model(tag))
        if qualname in bson.REGEX:
            return Outcome((first or CLEAN).derived(is_regex=True))
        if qualname in bson.CODE:
            return Outcome(first or CLEAN)
        last = qualname.rsplit(".", 1)[-1]
        if last in pm.BULK_REQUESTS and qualname.split(".")[0] in pm.BULK_MODULES:
            return Outcome(operations.bulk_request(last, call))
        found = python.library(qualname, call)
        if found is not None:
            return found
        return self.named_call(last, call)

    def response(self, qualname: str, call: CallSite) -> Optional[Outcome]:
        """``jsonify(...)``, ``make_response(...)``, ``Response(...)``: an event when an argument is or
        holds a whole stored document (FM401 judges it); the result is a library's object, as for
        any call the models do not know."""
        sent = tuple(Arg(a.value, a.site) for a in call.args if records_in(a.value))
        if not sent:
            return None
        event = Response(site=call.site, via=qualname.rsplit(".", 1)[-1], args=sent)
        return Outcome(unknown(call.args, foreign=True), events=(event,))

    def field_read(self, base: Value, key: Value, site: Site) -> Optional[Event]:
        """``doc["password_hash"]`` of a whole stored document: evidence that its collection stores
        that field, for the fields named like secrets (the only ones FM401 asks about)."""
        if key.literal is None or not base.records:
            return None
        if not any(self.settings.matches("secret_fields", part) for part in key.literal.split(".")):
            return None
        names = tuple(sorted({r.source for r in base.records if r.source is not None}))
        return FieldRead(site=site, collections=names, field=key.literal) if names else None

    def builtin(self, name: str, call: CallSite) -> Optional[Outcome]:
        """A call of a bare name that nothing in the project or its imports binds."""
        found = python.builtin(name, call)
        if found is not None:
            return found
        if name in pm.BULK_REQUESTS:
            return Outcome(operations.bulk_request(name, call))
        if name in pm.CLIENT_CLASS_NAMES:
            return Outcome(_model(Tag.CLIENT))
        return self.named_call(name, call)

    def named_call(self, name: str, call: CallSite) -> Optional[Outcome]:
        """Calls known by their name alone: identity helpers, database factories."""
        if self.settings.matches("identity_functions", name):
            return Outcome(Value(identity=True, origin=f"{name}()"))
        if name in pm.DATABASE_FACTORY_NAMES:
            return Outcome(_model(Tag.DATABASE))
        return None

    def objectid(self, call: CallSite) -> Outcome:
        """``ObjectId(x)``: an event when x is client data; x is a valid id past the call (a bad
        one stopped the request here, and is reported here); the result still picks which
        document, but is no longer text."""
        pos = call.positional
        if not pos:
            return Outcome(CLEAN)
        arg = pos[0]
        value = arg.value
        if not value.kinds:
            return Outcome(value.derived())
        event = ObjectIdCall(site=call.site, arg=Arg(value, arg.site))
        result = python.opaque(value).step(call.site, f"ObjectId({code_of(arg.node)})")
        return Outcome(result, events=(event,), refine=((0, value.with_(oid_valid=True)),))

    def method(self, base: Value, name: str, call: CallSite) -> Optional[Outcome]:
        """``x.name(...)`` where x is an object the models know."""
        obj = base.obj
        assert obj is not None
        tag = obj.ref
        if tag == Tag.REQUEST:
            kinds = flask.REQUEST_METHODS.get(name)
            if kinds is not None:
                return Outcome(client(kinds, f"request.{name}()", call.site))
            return Outcome(CLEAN)
        if tag == Tag.SESSION:
            if name in python.ITEM_METHODS and call.first is not None:
                return Outcome(self.session_value(call.first))
            return Outcome(CLEAN)
        if tag == Tag.COLLECTION:
            return operations.collection_method(base, name, call, self.settings)
        if tag == Tag.CURSOR:
            return operations.cursor_method(base, name, call)
        if tag == Tag.DATABASE:
            if name in pm.COLLECTION_METHODS:
                return Outcome(operations.collection(call.first.literal if call.first is not None else None))
            return Outcome(CLEAN)
        if tag == Tag.CLIENT:
            if name in pm.DATABASE_METHODS:
                return Outcome(_model(Tag.DATABASE, call.first.literal if call.first is not None else None))
            return Outcome(CLEAN)
        if tag == Tag.HTTPAUTH and name in auth.HTTPAUTH_IDENTITY_METHODS:
            return Outcome(Value(identity=True, origin=f"{name}()"))
        if tag == Tag.BULK_REQUEST:
            return Outcome(CLEAN)
        return None

    def value_method(self, base: Value, name: str, call: CallSite) -> Optional[Outcome]:
        """``x.name(...)`` on a plain value: Python's own methods, or an unambiguous collection
        method on a receiver that is not plainly something else."""
        found = python.value_method(base, name, call)
        if found is not None:
            if name in python.ITEM_METHODS and base.records and call.first is not None:
                read = self.field_read(base, call.first, call.site)  # doc.get("password_hash")
                if read is not None:
                    return replace(found, events=found.events + (read,))
            return found
        if name in pm.COLLECTION_FACTORIES:
            return Outcome(operations.collection(operations.receiver_name(call)))
        plainly_else = bool(base.kinds) or base.identity or base.const or base.shape is not None or \
            base.elements is not None or base.doc or (base.obj is not None and base.obj.kind is not ObjKind.FOREIGN)
        if not plainly_else:
            return operations.unknown_receiver_method(name, call, self.settings)
        return None

    # ------------------------------------------------------------------ tests and guards
    def test(self, qualname: Optional[str], name: Optional[str], base: Optional[Value], call: CallSite) -> Optional[TestOutcome]:
        """What ``if f(...):`` proves when true (and when false)."""
        pos = call.positional
        if qualname is not None and qualname.rsplit(".", 1)[0] in bson.OBJECTID and name == bson.IS_VALID and pos:
            return TestOutcome(when_true=((0, pos[0].value.with_(oid_valid=True)),))
        if qualname is None and name in python.CALLABLE_NAMES and len(pos) == 2:
            kind = self._positive_type(pos[1].node)
            value = pos[0].value
            if kind is not None and value.kinds:
                return TestOutcome(when_true=((0, value.with_(kinds=frozenset({kind}), shape=None)),))
            return None
        if qualname in python.REGEX_TESTS and len(pos) >= 2:
            value = pos[1].value
            if Kind.JSON in value.kinds:
                return TestOutcome(when_true=((1, value.with_(kinds=(value.kinds - JSON_MAPPING) | TEXT_KINDS)),))
            return None
        if name and auth.ROLE_WORD.search(name) and (not pos or any(a.value.identity for a in pos)):
            return TestOutcome(privileged=True)  # `if not is_admin(current_user): abort(403)`
        if name and self.settings.matches("authz_functions", name):
            return TestOutcome(owns_args=True, authed=True)
        if name and self.settings.matches("validator_functions", name):
            return TestOutcome(validates_args=True)
        if base is not None and base.identity and auth.ROLE_WORD.search(code_of(call.site.node)):
            return TestOutcome(privileged=True)  # current_user.has_role("admin")
        return None

    def statement(self, name: Optional[str]) -> Optional[TestOutcome]:
        """What a call in statement position proves past it: it returns only when it passed."""
        if name and self.settings.matches("authz_functions", name):
            return TestOutcome(owns_args=True, authed=True)
        if name and self.settings.matches("validator_functions", name):
            return TestOutcome(validates_args=True)
        return None

    def membership(self, item: Value, container: Value) -> Optional[TestOutcome]:
        """``"user_id" in session``: somebody is signed in; ``"admin" in session``: a role."""
        if container.model(Tag.SESSION) and item.literal is not None:
            if self.settings.matches("session_user_keys", item.literal):
                return TestOutcome(authed=True)
            if auth.ROLE_WORD.search(item.literal):
                return TestOutcome(privileged=True)
        return None

    def role_test(self, value: Value, node: syn.BaseExpression) -> bool:
        """Whether testing ``value`` (written as ``node``) tests a role of the caller."""
        if not (value.identity or value.stored_key is not None):
            return False
        text = value.stored_key if value.stored_key not in (None, "?") else code_of(node)
        return bool(auth.ROLE_WORD.search(text or ""))

    def is_store(self, qualname: str) -> bool:
        """``flask.g``: the per-request namespace auth code stores the signed-in user in."""
        return qualname in G

    def validated(self, value: Value) -> Value:
        """A mapping a validator accepted: typed values under known keys."""
        return python.validated(value)

    def contained_prefix(self, prefix: str) -> bool:
        """Whether a key that starts with ``prefix`` keeps a client-chosen rest inside one
        sub-document (``"settings." + k``): any constant that is not an operator."""
        return not operators.is_operator(prefix)

    def caught(self, name: Optional[str]) -> FrozenSet[Caught]:
        """What ``except <name>`` (None: a bare except) catches of ObjectId()'s failures."""
        if name is None:
            return bson.BOTH
        return bson.CAUGHT_BY.get(name, EMPTY)

    def _positive_type(self, node: syn.BaseExpression) -> Optional[Kind]:
        names = [simple_name(e.value) for e in node.elements] if isinstance(node, syn.Tuple) else [simple_name(node)]
        kinds = [python.TYPE_KINDS.get(n or "") for n in names]
        if not kinds or any(k is None for k in kinds):
            return None
        return Kind.TEXT if Kind.TEXT in kinds else kinds[0]


__all__ = ["Semantics", "World", "item_of"]
