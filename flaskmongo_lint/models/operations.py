"""Transfer functions of the PyMongo model: a collection method call becomes an Operation event,
and its result a document, a cursor or a count that remembers how it was selected."""
from __future__ import annotations

from typing import FrozenSet, List, Optional, Tuple

from flaskmongo_lint import syntax as syn

from flaskmongo_lint.analysis.syntaxutil import base_name, dotted, simple_name
from flaskmongo_lint.analysis.events import Arg, Event, JavaScriptCall, Operation, OpKind
from flaskmongo_lint.analysis.lattice import CLEAN, EMPTY, Entry, Obj, ObjKind, Record, Site, Value, join_all
from flaskmongo_lint.analysis.transfer import CallSite, Outcome
from flaskmongo_lint.analysis.views import COMPUTED_KEY, Term, filter_of
from flaskmongo_lint.models import operators as ops
from flaskmongo_lint.models import pymongo as pm
from flaskmongo_lint.models.python import ID_FIELD
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
    if isinstance(node, syn.Call) and isinstance(node.func, syn.Attribute):
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
            inline = isinstance(docs.site.node, (syn.List, syn.Tuple, syn.ListComp))
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
    if name in pm.RETURNS_DOCUMENT_AFTER_WRITE:
        view = filter_of(op)
        doc = Value(doc=True, records=fetched(op, [t for t in view.terms() if t.value.is_client] if view else []))
    else:
        doc = CLEAN
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
    records = fetched(op, client_terms) if method not in pm.COUNT_RESULTS | pm.RAW_RESULTS else EMPTY
    result = Value(doc=True, reads=frozenset({op.site}), fetched_by=fetched_by, scoped=scoped, identity=identity,
                   from_store=from_store, chosen=chosen, records=records)
    if method in pm.CURSOR_RESULTS:
        return result.with_(obj=Obj(ObjKind.MODEL, Tag.CURSOR, op.collection)), pending
    if method in pm.COUNT_RESULTS:
        return Value(count=True, reads=result.reads, fetched_by=fetched_by, scoped=scoped), EMPTY
    return result, pending


# --- whole documents (FM401) -----------------------------------------------------------------
Fields = Tuple[Optional[FrozenSet[str]], FrozenSet[str]]  # (only these fields, minus these), as a projection says


def fetched(op: Operation, client_terms: List[Term]) -> FrozenSet[Record]:
    """The whole document a read gives, as a record: its collection, the fields its projection (or
    its pipeline's ``$project``/``$unset``) keeps or leaves out, and the fields its filter matched to
    values the client sent (the client has those already: ``find_one({"token": t})`` tells it no
    secret). Nothing when the read's result is not the stored document or cannot be read: a
    projection or pipeline built from client data (FM303's), a ``$group``, an unknown stage."""
    if op.collection is None:
        return EMPTY
    spec = pipeline_fields(op.pipeline) if op.op is OpKind.AGGREGATE else projection_fields(op.projection)
    if spec is None:
        return EMPTY
    known = frozenset(t.path for t in client_terms
                      if not t.maybe and t.operator in (None, ops.EQUALITY) and t.key != COMPUTED_KEY)
    return frozenset({Record(op.collection, op.site, spec[0], spec[1], known)})


def projection_fields(arg: Optional[Arg]) -> Optional[Fields]:
    """What a projection keeps: ``{"password_hash": 0}`` leaves that field out, ``{"name": 1}`` and
    ``["name"]`` keep only the named fields; None (no projection) keeps everything. Returns None
    when the projection cannot be read (client data, an unknown value)."""
    if arg is None:
        return None, EMPTY
    value = arg.value
    if value.kinds:
        return None
    if value.shape is not None:
        return _field_spec(value)
    if value.elements is not None:
        names = [e.value.literal for e in value.elements]
        if any(n is None for n in names):
            return None
        return frozenset(n for n in names if n is not None) | {ID_FIELD}, EMPTY
    if value.const and value.literal is None:
        return None, EMPTY  # projection=None
    return None


def _field_spec(value: Value) -> Optional[Fields]:
    if value.kinds:
        return None  # built from client data: FM303's, and nobody can tell what it keeps
    included, excluded = set(), set()
    for e in value.shape or ():
        if e.key is None or e.value.kinds:
            return None
        flag = _flag(e)
        if flag is None:
            return None
        (included if flag else excluded).add(e.key)
    if included - {ID_FIELD}:
        return frozenset(included | ({ID_FIELD} - excluded)), frozenset(excluded)
    return None, frozenset(excluded)


def _flag(entry: Entry) -> Optional[bool]:
    """Whether a projection entry keeps its field: ``0``/``False`` leave it out, ``1``/``True``,
    ``"$path"`` or an expression keep (or compute) it; None when the analysis cannot tell."""
    node = entry.site.node
    if isinstance(node, (syn.Integer, syn.Float)):
        return node.evaluated_value != 0
    if isinstance(node, syn.Name) and node.value in ("True", "False"):
        return node.value == "True"
    if entry.value.shape is not None or entry.value.literal is not None:
        return True
    return None


def pipeline_fields(arg: Optional[Arg]) -> Optional[Fields]:
    """What an aggregation pipeline leaves of the stored documents: each ``$project`` and ``$unset``
    narrows them, stages that keep documents whole pass them on; None when a stage makes new
    documents (``$group``, ``$replaceRoot`` ...) or the pipeline cannot be read."""
    if arg is None or arg.value.kinds or arg.value.elements is None:
        return None
    only: Optional[FrozenSet[str]] = None
    removed: FrozenSet[str] = EMPTY
    for element in arg.value.elements:
        shape = element.value.shape
        if element.value.kinds or not shape or len(shape) != 1 or shape[0].key is None:
            return None
        stage, body = shape[0].key, shape[0].value
        if stage in ops.KEEPING_STAGES:
            continue
        if stage == ops.PROJECT_STAGE:
            spec = _field_spec(body) if body.shape is not None else None
            if spec is None:
                return None
            only = spec[0] if only is None else (only & spec[0] if spec[0] is not None else only)
            removed = removed | spec[1]
        elif stage == ops.UNSET_STAGE:
            names = [body.literal] if body.literal is not None else [e.value.literal for e in body.elements or ()]
            if not names or any(n is None for n in names):
                return None
            removed = removed | frozenset(n for n in names if n is not None)
        else:
            return None
    return only, removed


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
    # ``cursor.next()`` is one of its documents; ``cursor.count()``, ``.explain()`` ... are not.
    records = base.records if name in pm.CURSOR_DOCUMENT_METHODS else EMPTY
    return Outcome(base.with_(obj=None, records=records), events=events)


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


def _selected_by(node: syn.CSTNode) -> Optional[str]:
    """The variable a filter value was read from (``ObjectId(pid)`` -> ``pid``)."""
    expr = node
    while isinstance(expr, syn.Call) and len(expr.args) >= 1 and isinstance(expr.func, (syn.Name, syn.Attribute)):
        expr = expr.args[0].value
    if isinstance(expr, syn.Call) and simple_name(expr.func) is None:
        return None
    return base_name(expr) if isinstance(expr, syn.BaseExpression) else None


holds_identity = _holds_identity
