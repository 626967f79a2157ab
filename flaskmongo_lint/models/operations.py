"""Transfer functions of the PyMongo model: a collection method call becomes an Operation event,
and its result a document, a cursor or a count that remembers how it was selected."""
from __future__ import annotations

from typing import FrozenSet, List, Optional, Tuple

import libcst as cst

from flaskmongo_lint.analysis.cstutil import base_name, dotted, simple_name
from flaskmongo_lint.analysis.events import Arg, Event, JavaScriptCall, Operation, OpKind
from flaskmongo_lint.analysis.lattice import CLEAN, EMPTY, Obj, ObjKind, Site, Value, join_all
from flaskmongo_lint.analysis.transfer import CallSite, Outcome
from flaskmongo_lint.analysis.views import filter_of
from flaskmongo_lint.models import pymongo as pm
from flaskmongo_lint.models.tags import Tag
from flaskmongo_lint.settings import AnalysisSettings


def collection(name: Optional[str]) -> Value:
    return Value(obj=Obj(ObjKind.MODEL, Tag.COLLECTION, name))


def database(name: Optional[str] = None) -> Value:
    return Value(obj=Obj(ObjKind.MODEL, Tag.DATABASE, name))


def model(tag: Tag, name: Optional[str] = None) -> Value:
    return Value(obj=Obj(ObjKind.MODEL, tag, name))


def receiver_name(call: CallSite) -> Optional[str]:
    """The text of a method call's receiver, to name an unknown collection by."""
    node = call.site.node
    if isinstance(node, cst.Call) and isinstance(node.func, cst.Attribute):
        text = dotted(node.func.value)
        if text is not None:
            return text.rsplit(".", 1)[-1]
    return None


def _arg(call: CallSite, where: Optional[pm.Where]) -> Optional[Arg]:
    if where is None:
        return None
    found = call.argument(where[0], where[1])
    return Arg(found.value, found.site) if found is not None else None


def build(method: str, spec: pm.Method, collection_name: Optional[str], call: CallSite, site: Site) -> Operation:
    """The Operation of ``collection.method(...)`` (or of a bulk request built at ``site``)."""
    docs = _arg(call, spec.documents)
    documents: Tuple[Arg, ...] = ()
    if docs is not None:
        if spec.many_documents and docs.value.elements is not None:
            # Written in the call: each document where it is; built elsewhere: at the argument.
            inline = isinstance(docs.site.node, (cst.List, cst.Tuple, cst.ListComp))
            documents = tuple(Arg(e.value, e.site if inline else docs.site) for e in docs.value.elements)
            if docs.value.kinds:
                documents += (docs,)
        else:
            documents = (docs,)
    return Operation(
        site=site, method=method, op=spec.op, collection=collection_name,
        filter=_arg(call, spec.filter), update=_arg(call, spec.update), replacement=_arg(call, spec.replacement),
        documents=documents, pipeline=_arg(call, spec.pipeline), projection=_arg(call, spec.projection),
        sort=_arg(call, spec.sort), id_shorthand=spec.id_shorthand, legacy_update=spec.legacy_update,
    )


def collection_method(base: Value, name: str, call: CallSite, settings: AnalysisSettings) -> Optional[Outcome]:
    """``coll.name(...)`` on a collection-like receiver."""
    coll = base.obj.name if base.obj is not None else None
    spec = pm.METHODS.get(name)
    if spec is not None:
        if spec.op is OpKind.BULK:
            return bulk_write(coll, call)
        return _operation(name, spec, coll, call, settings)
    if name in pm.MAP_REDUCE:
        events = tuple(JavaScriptCall(site=call.site, method=name, arg=Arg(a.value, a.site)) for a in call.positional)
        return Outcome(CLEAN, events=events)
    if name in pm.COLLECTION_METHODS:
        return Outcome(collection(call.first.literal if call.first is not None else None))
    return None


def unknown_receiver_method(name: str, call: CallSite, settings: AnalysisSettings) -> Optional[Outcome]:
    """An unambiguous collection method on a receiver that is not plainly something else."""
    spec = pm.METHODS.get(name)
    if spec is None or spec.ambiguous:
        return None
    coll = receiver_name(call)
    if spec.op is OpKind.BULK:
        return bulk_write(coll, call)
    return _operation(name, spec, coll, call, settings)


def _operation(name: str, spec: pm.Method, coll: Optional[str], call: CallSite, settings: AnalysisSettings) -> Outcome:
    op = build(name, spec, coll, call, call.site)
    identity_use = any(_holds_identity(a.value) for a in call.args)
    if spec.op in (OpKind.READ, OpKind.AGGREGATE):
        value, pending = read_result(op, name, settings)
        return Outcome(value, events=(op,), pending=pending, identity_use=identity_use)
    if spec.op is OpKind.INSERT:
        return Outcome(CLEAN, events=(op,), identity_use=identity_use)
    doc = Value(doc=True) if name in pm.RETURNS_DOCUMENT_AFTER_WRITE else CLEAN
    return Outcome(doc, events=(op,), identity_use=identity_use)


def bulk_write(coll: Optional[str], call: CallSite) -> Outcome:
    """``bulk_write([UpdateOne(f, u), ...])``: each request read like the matching single call,
    reported where the request was built (its value remembers its arguments)."""
    requests = call.argument(0, "requests")
    events: List[Event] = []
    identity_use = False
    for el in (requests.value.elements or ()) if requests is not None else ():
        req = el.value.obj
        if req is None or req.kind is not ObjKind.MODEL or req.ref != Tag.BULK_REQUEST:
            continue
        method, spec = pm.BULK_REQUESTS[req.name or ""]
        inner: CallSite = req.get("call")
        events.append(build(method, spec, coll, inner, inner.site))
        identity_use = identity_use or any(_holds_identity(a.value) for a in inner.args)
    return Outcome(CLEAN, events=tuple(events), identity_use=identity_use)


def bulk_request(name: str, call: CallSite) -> Value:
    """``UpdateOne(...)`` and friends: a value that remembers its evaluated arguments."""
    return Value(obj=Obj(ObjKind.MODEL, Tag.BULK_REQUEST, name, (("call", call),)),
                 reads=frozenset().union(*(a.value.reads for a in call.args)) if call.args else EMPTY)


def read_result(op: Operation, method: str, settings: AnalysisSettings) -> Tuple[Value, FrozenSet[Site]]:
    """What a read gives, and the reads left unchecked: a document (or cursor, or count) that
    remembers which read produced it, which client values selected it, and whether the filter
    scoped it to the caller. A document fetched by the identity (or by a credential, the way auth
    code finds the caller) is an identity itself."""
    view = filter_of(op)
    scoped = view is not None and view.is_owner_scoped(settings)
    client_terms = [t for t in view.terms() if t.value.is_client] if view is not None else []
    credential = bool(client_terms) and all(settings.matches("capability_fields", t.key) for t in client_terms)
    identity = view is not None and ((view.has_identity_term() and not client_terms) or credential)
    fetched_by = frozenset(n for n in (_selected_by(t.site.node) for t in client_terms) if n is not None)
    pending: FrozenSet[Site] = frozenset({op.site}) if client_terms and not scoped and not identity else EMPTY
    # Fetched by what the server session holds: presence of it tells whether a session is signed in.
    from_store = view is not None and not client_terms and \
        any(t.value.from_store or t.value.stored_key is not None for t in view.terms())
    chosen = join_all(t.value for t in client_terms) if client_terms and not scoped and not identity else None
    result = Value(doc=True, reads=frozenset({op.site}), fetched_by=fetched_by, scoped=scoped, identity=identity,
                   from_store=from_store, chosen=chosen)
    if method in pm.CURSOR_RESULTS:
        return result.with_(obj=Obj(ObjKind.MODEL, Tag.CURSOR, op.collection)), pending
    if method in pm.COUNT_RESULTS:
        return Value(count=True, reads=result.reads, fetched_by=fetched_by, scoped=scoped), EMPTY
    return result, pending


def cursor_method(base: Value, name: str, call: CallSite) -> Optional[Outcome]:
    """Methods of a cursor: chaining keeps the cursor; ``sort(spec)`` and ``where(js)`` take
    client-relevant arguments."""
    events: Tuple[Event, ...] = ()
    first = call.argument(0)
    if name == pm.CURSOR_WHERE and first is not None:
        events = (JavaScriptCall(site=call.site, method=name, arg=Arg(first.value, first.site)),)
    elif name == pm.CURSOR_SORT and first is not None:
        events = (Operation(site=call.site, method=name, op=OpKind.CURSOR,
                            collection=base.obj.name if base.obj else None, sort=Arg(first.value, first.site)),)
    if name in pm.CURSOR_CHAIN:
        return Outcome(base, events=events)
    return Outcome(base.with_(obj=None), events=events)


def _holds_identity(value: Value) -> bool:
    if value.identity:
        return True
    for e in value.shape or ():
        if _holds_identity(e.value):
            return True
    for e in value.elements or ():
        if _holds_identity(e.value):
            return True
    return False


def _selected_by(node: cst.CSTNode) -> Optional[str]:
    """The variable a filter value was read from (``ObjectId(pid)`` -> ``pid``)."""
    expr = node
    while isinstance(expr, cst.Call) and len(expr.args) >= 1 and isinstance(expr.func, (cst.Name, cst.Attribute)):
        expr = expr.args[0].value
    if isinstance(expr, cst.Call) and simple_name(expr.func) is None:
        return None
    return base_name(expr) if isinstance(expr, cst.BaseExpression) else None


holds_identity = _holds_identity
