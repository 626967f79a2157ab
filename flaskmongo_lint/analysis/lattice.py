"""The abstract value: what the analysis knows about one runtime value, and how two of them join.

A :class:`Value` says which kinds of client data a value may be (the taint), whether it comes from
the authenticated subject (identity), what guards have proven about it (owned, a valid ObjectId,
escaped for a regex ...), where it came from (origin and trace, for messages and code flows), and,
for dict and list literals, their structure, so a filter or an update document can be read key by
key wherever it was built. A value may also be a symbolic object (:class:`Obj`): a project module,
function, class or instance, or something the framework models know (a request, a collection ...).

The join at the end of an ``if``, a ``try`` or a loop keeps everything any path may carry: the
union of the kinds, every entry of every shape (marked ``maybe`` when only some paths have it), and
the structure of one path together with the taint of another. Facts that guards establish are
*must* facts: a value is owned after the join only if it was owned on every path that tainted it.
The lattice is finite for a given function (keys and nodes come from its code), and :func:`widen`
bounds nesting, so fixpoints over loops and recursion terminate.
"""
from __future__ import annotations

import enum
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Dict, FrozenSet, Iterable, List, Optional, Tuple

from flaskmongo_lint.analysis.kinds import Kind

if TYPE_CHECKING:  # only in annotations: the models' tables import this module without the syntax tree
    from flaskmongo_lint import syntax as syn


CLIENT_MAPPINGS: FrozenSet[Kind] = frozenset({Kind.MAPPING, Kind.JSON})
EMPTY: FrozenSet[Any] = frozenset()
TEXT_KINDS: FrozenSet[Kind] = frozenset({Kind.TEXT})
NUMBER_KINDS: FrozenSet[Kind] = frozenset({Kind.NUMBER})
OPAQUE_KINDS: FrozenSet[Kind] = frozenset({Kind.OPAQUE})
JSON_MAPPING: FrozenSet[Kind] = frozenset({Kind.JSON, Kind.MAPPING})

MAX_TRACE = 6  # steps of provenance kept on a value
MAX_ITEMS = 48  # entries of a shape / elements of a list before they collapse
MAX_DEPTH = 5  # nesting of shapes kept by widen()


class ObjKind(enum.Enum):
    """What a symbolic object is, as far as the interpreter goes."""

    MODULE = "module"  # a module of the project (ref: its name)
    FUNCTION = "function"  # a function of the project (ref: "module:qualname")
    CLASS = "class"  # a class of the project (ref: "module:qualname")
    INSTANCE = "instance"  # an instance of a project class (ref: the class)
    VIEW = "view"  # the view a project decorator wraps (judging decorators by their bodies)
    FOREIGN = "foreign"  # built by a library the models do not know: plainly not MongoDB
    MODEL = "model"  # something the framework models know (ref: the model's tag)


# The lattice's records are immutable by convention (nothing assigns to a field after it is made)
# rather than frozen: a frozen dataclass costs six times as much to build, and the walk builds
# hundreds of values per function.
@dataclass(eq=True, unsafe_hash=True)
class Site:
    """A place in the code: a node of a module, and the module-level statement holding it."""

    module: str
    node: syn.CSTNode
    top: Optional[syn.CSTNode]
    scope: str = field(default="", compare=False)  # the enclosing function's signature ("" at module level)
    # The innermost statement holding the node, when the walk knows it: its position is found
    # by generating the code of that statement alone, not of the whole module-level one.
    stmt: Optional[syn.CSTNode] = field(default=None, compare=False)

    def __repr__(self) -> str:
        return f"Site({self.module}, {type(self.node).__name__}@{id(self.node):x})"


@dataclass(frozen=True)
class Step:
    """One step of a value's provenance, for code flows: where, and what happened there."""

    site: Site
    note: str
    call: bool = False  # passed into a function of the project


@dataclass(frozen=True)
class Obj:
    kind: ObjKind
    ref: Optional[str] = None  # the module / "module:qualname" / model tag
    name: Optional[str] = None  # a collection's name, a database's ...
    data: Tuple[Tuple[str, Any], ...] = ()  # a model's payload (a bulk request's arguments)

    def get(self, key: str) -> Any:
        for k, v in self.data:
            if k == key:
                return v
        return None


ANY_FIELD = "*"  # among a record's removed fields: one the analysis cannot name (a key chosen at run time)


@dataclass(frozen=True)
class Record:
    """A stored record as one read fetched it, whole: not a field of it, not a dict built from named
    fields of it. A copy, a serialisation or a list of them still holds it."""

    source: Optional[str]  # the name of the store it was read from (None: unknown)
    read: Site  # the read that fetched it
    only: Optional[FrozenSet[str]] = None  # the read fetched only these fields (and what is under them)
    removed: FrozenSet[str] = EMPTY  # fields the read left out, or that were removed or overwritten since
    known: FrozenSet[str] = EMPTY  # fields the read selected by values the client sent: it has them already

    def holds(self, path: str) -> bool:
        """Whether the field ``path`` (dotted) is still in the record as it stands."""
        if ANY_FIELD in self.removed or _under(path, self.removed) or _under(path, self.known):
            return False
        return self.only is None or _under(path, self.only)

    def without(self, fields: Iterable[str]) -> "Record":
        """This record with ``fields`` removed."""
        removed = self.removed | frozenset(fields)
        return self if removed == self.removed else Record(self.source, self.read, self.only, removed, self.known)


def _under(path: str, fields: FrozenSet[str]) -> bool:
    """Whether ``path`` is one of ``fields`` or inside one of them (``auth.hash`` is inside ``auth``)."""
    if not fields:
        return False
    parts = path.split(".")
    return any(".".join(parts[:i]) in fields for i in range(1, len(parts) + 1))


@dataclass(eq=True, unsafe_hash=True)
class Entry:
    """One ``key: value`` of a dict literal (or one ``x[key] = value`` assignment)."""

    key: Optional[str]  # the constant key, None when computed
    key_value: "Value"  # what the key expression evaluates to (a client key taints it)
    value: "Value"
    site: Site  # the value expression: where a finding about it is reported
    key_site: Optional[Site] = None
    maybe: bool = False  # present on some paths only


@dataclass(eq=True, unsafe_hash=True)
class Element:
    """One element of a list or tuple."""

    value: "Value"
    site: Site
    maybe: bool = False


@dataclass(eq=True, unsafe_hash=True)
class Value:
    kinds: FrozenSet[Kind] = EMPTY
    origin: Optional[str] = None  # where the client data came from, in words
    # Where it came from, step by step (for code flows). Not part of the value's identity: two
    # values that differ only by the path they took are the same to joins, fixpoints and memos.
    trace: Tuple[Step, ...] = field(default=(), compare=False)
    identity: bool = False  # derived from the authenticated subject
    owned: bool = False  # client value proven to belong to the caller
    oid_valid: bool = False  # known to be a valid ObjectId string
    regex_safe: bool = False  # escaped for a regular expression
    eq_wrapped: bool = False  # {"$eq": x}: no operator can be smuggled in
    is_regex: bool = False  # a compiled pattern
    is_key: bool = False  # a key of a client mapping: a client-chosen field name
    prefixed: bool = False  # a constant prefix + client text: stays inside a sub-document
    const: bool = False  # a literal constant (str, number, None, bool)
    literal: Optional[str] = None  # the text of a string constant
    doc: bool = False  # a document fetched from the database
    reads: FrozenSet[Site] = EMPTY  # the reads that produced (part of) it
    fetched_by: FrozenSet[str] = EMPTY  # the local names that selected it
    scoped: bool = False  # fetched by an owner-scoped filter
    count: bool = False  # a count of documents
    encoded: FrozenSet[Kind] = EMPTY  # serialised client data of these kinds (a JSON round trip)
    stored_key: Optional[str] = None  # a value of the server-side per-user store under this key
    anonymous: bool = False  # an identity test that is true when nobody is signed in
    from_store: bool = False  # read from that store (or fetched by such a value)
    validates: FrozenSet[str] = EMPTY  # the result of validating these access paths
    # A document selected by client values with no owner scope: what the client chose. Its
    # ``_id`` (or the document itself, used as a filter) selects exactly that choice again.
    chosen: Optional["Value"] = None
    records: FrozenSet[Record] = EMPTY  # whole stored records it is or holds (a copy, a list, their text)
    shape: Optional[Tuple[Entry, ...]] = None  # dict structure
    elements: Optional[Tuple[Element, ...]] = None  # list/tuple structure
    obj: Optional[Obj] = None

    # --- questions -------------------------------------------------------------------------
    @property
    def is_client(self) -> bool:
        """Client-controlled and not proven to belong to the caller."""
        return bool(self.kinds) and not self.owned

    @property
    def is_client_mapping(self) -> bool:
        """A client value whose *keys* the client may choose (mapping or json)."""
        return bool(self.kinds & CLIENT_MAPPINGS) and not self.owned

    @property
    def trusted(self) -> bool:
        """Identity, or owned through a guard or a scoped parent lookup."""
        return self.identity or self.owned or self.scoped

    @property
    def server_unknown(self) -> bool:
        """A server-side value that is neither client data nor a literal (an unresolved import)."""
        return not self.kinds and not self.const and self.shape is None and self.elements is None and \
            (self.obj is None or self.obj.kind is ObjKind.FOREIGN)

    def chosen_id(self) -> Optional["Value"]:
        """``doc["_id"]`` of a document the client chose: that choice (owned once the document is)."""
        if self.chosen is None:
            return None
        return self.chosen.with_(owned=True) if self.owned else self.chosen

    @property
    def client_key(self) -> bool:
        """As a dict key: chosen by the client, and able to reach a top-level field."""
        return (self.is_client or self.is_key) and not self.prefixed

    def model(self, tag: str) -> bool:
        return self.obj is not None and self.obj.kind is ObjKind.MODEL and self.obj.ref == tag

    # --- derivations -----------------------------------------------------------------------
    def derived(self, kinds: Optional[FrozenSet[Kind]] = None, **changes: Any) -> "Value":
        """A value computed from this one: keeps taint facts and provenance, drops structure."""
        base = Value(
            kinds=self.kinds if kinds is None else kinds,
            origin=self.origin,
            trace=self.trace,
            identity=self.identity,
            owned=self.owned,
            oid_valid=self.oid_valid,
            regex_safe=self.regex_safe,
            reads=self.reads,
            fetched_by=self.fetched_by,
            scoped=self.scoped,
        )
        if changes:
            base.__dict__.update(changes)
        return base

    def with_(self, **changes: Any) -> "Value":
        """This value with some fields changed (a new value: values are never changed in place)."""
        out = object.__new__(Value)
        out.__dict__.update(self.__dict__)
        out.__dict__.update(changes)
        return out

    def step(self, site: Site, note: str) -> "Value":
        """This value with one more provenance step (only client data carries a trace)."""
        if not self.kinds or len(self.trace) >= MAX_TRACE:
            return self
        if self.trace and self.trace[-1].site.node is site.node:
            return self
        return self.with_(trace=self.trace + (Step(site, note),))

    def passed(self, site: Site, note: str) -> "Value":
        """This value passed into a function of the project at ``site``."""
        if not self.kinds or len(self.trace) >= MAX_TRACE:
            return self
        return self.with_(trace=self.trace + (Step(site, note, True),))


def _copy(record: Any, **changes: Any) -> Any:
    """A record of the lattice (an Entry, an Element) with some fields changed."""
    out = object.__new__(type(record))
    out.__dict__.update(record.__dict__)
    out.__dict__.update(changes)
    return out


CLEAN = Value()
CONST = Value(const=True)


def client(kinds: FrozenSet[Kind], origin: str, site: Optional[Site] = None) -> Value:
    """A fresh source of client data."""
    trace = (Step(site, origin),) if site is not None else ()
    return Value(kinds=kinds, origin=origin, trace=trace)


def item_kinds(kinds: FrozenSet[Kind]) -> FrozenSet[Kind]:
    """Kinds of ``x[k]`` / ``x.get(k)`` for x of the given kinds.

    An item of JSON is JSON (it may be a dict again). An item of a text mapping (``request.args``)
    is text. An item of text is text; an item of an opaque (typed) value is opaque.
    """
    out = set()
    if Kind.JSON in kinds:
        out.add(Kind.JSON)
    elif Kind.MAPPING in kinds or Kind.TEXT in kinds:
        out.add(Kind.TEXT)
    if Kind.OPAQUE in kinds:
        out.add(Kind.OPAQUE)
    if Kind.NUMBER in kinds and not out:
        out.add(Kind.NUMBER)
    return frozenset(out)


def item_of(value: Value) -> Value:
    """The value of one item of ``value``: the join of its structure and its taint."""
    parts: List[Value] = []
    if value.shape:
        parts.extend(e.value for e in value.shape)
    if value.elements:
        parts.extend(e.value for e in value.elements)
    if value.kinds or value.doc or value.reads or value.identity or value.owned or value.scoped:
        parts.append(value.derived(kinds=item_kinds(value.kinds)))
    return join_all(parts)


def text_of(values: Iterable[Value]) -> Value:
    """A string built from ``values`` (``+``, an f-string, ``%``, ``.format``)."""
    vals = list(values)
    tainted = [v for v in vals if v.kinds]
    if not tainted:
        const = bool(vals) and all(v.const for v in vals)
        return Value(identity=any(v.identity for v in vals), const=const, reads=_union(v.reads for v in vals))
    only_numbers = all(v.kinds <= NUMBER_KINDS for v in tainted)
    first = tainted[0]
    return Value(
        kinds=NUMBER_KINDS if only_numbers else TEXT_KINDS,
        origin=next((v.origin for v in tainted if v.origin), None),
        trace=first.trace,
        owned=all(v.owned for v in tainted),
        regex_safe=all(v.regex_safe for v in tainted),  # "^" + re.escape(q) is still escaped
        reads=_union(v.reads for v in vals),
    )


def _union(sets: Iterable[FrozenSet[Any]]) -> FrozenSet[Any]:
    out: FrozenSet[Any] = EMPTY
    for s in sets:
        if s:
            out = out | s
    return out


def join(a: Value, b: Value) -> Value:
    """The value of a variable that is ``a`` on one path and ``b`` on another.

    Clean + tainted gives the tainted one's taint; structure + taint keeps both (the entries of
    ``{...}`` joined with ``request.args.to_dict()`` are still read, as ``maybe`` entries, and the
    whole value may also be a client mapping).
    """
    if a is b:
        return a
    ta, tb = bool(a.kinds), bool(b.kinds)
    tainted = [v for v, t in ((a, ta), (b, tb)) if t]
    subjects = [v for v in (a, b) if v.kinds or v.doc]  # what ownership is proven of
    lead = a if ta or not tb else b
    return Value(
        kinds=a.kinds | b.kinds,
        origin=lead.origin or a.origin or b.origin,
        trace=lead.trace,
        identity=a.identity and b.identity,
        owned=bool(subjects) and all(v.owned for v in subjects),
        oid_valid=bool(tainted) and all(v.oid_valid for v in tainted),
        regex_safe=bool(tainted) and all(v.regex_safe for v in tainted),
        eq_wrapped=a.eq_wrapped and b.eq_wrapped,
        is_regex=a.is_regex or b.is_regex,
        is_key=a.is_key or b.is_key,
        prefixed=bool(tainted) and all(v.prefixed for v in tainted),
        const=a.const and b.const,
        literal=a.literal if a.literal == b.literal else None,
        doc=a.doc or b.doc,
        reads=a.reads | b.reads,
        fetched_by=a.fetched_by | b.fetched_by,
        scoped=a.scoped and b.scoped,
        count=a.count or b.count,
        encoded=a.encoded | b.encoded,
        stored_key=a.stored_key if a.stored_key == b.stored_key else (a.stored_key or b.stored_key),
        anonymous=a.anonymous and b.anonymous,
        from_store=a.from_store or b.from_store,
        validates=a.validates & b.validates,
        chosen=(join(a.chosen, b.chosen) if a.chosen is not None and b.chosen is not None
                else a.chosen or b.chosen),
        records=join_records(a.records, b.records),
        shape=_join_shapes(a.shape, b.shape),
        elements=_join_elements(a.elements, b.elements),
        obj=_join_obj(a.obj, b.obj),
    )


def join_all(values: Iterable[Value]) -> Value:
    out: Optional[Value] = None
    for v in values:
        out = v if out is None else join(out, v)
    return out if out is not None else CLEAN


def _join_obj(a: Optional[Obj], b: Optional[Obj]) -> Optional[Obj]:
    if a == b:
        return a
    if a is None or b is None:
        return a or b
    if a.kind is b.kind and a.ref == b.ref:
        return Obj(a.kind, a.ref, a.name if a.name == b.name else None)
    return None


def _maybe_entries(entries: Tuple[Entry, ...]) -> Tuple[Entry, ...]:
    return tuple(e if e.maybe else _copy(e, maybe=True) for e in entries)


def _join_shapes(a: Optional[Tuple[Entry, ...]], b: Optional[Tuple[Entry, ...]]) -> Optional[Tuple[Entry, ...]]:
    if a is None and b is None:
        return None
    if a is None or b is None:
        return _maybe_entries(a if a is not None else b)  # type: ignore[arg-type]
    if a == b:
        return a
    by_key_b: Dict[Any, Entry] = {(e.key if e.key is not None else id(e.site.node)): e for e in b}
    out: List[Entry] = []
    seen = set()
    for e in a:
        k = e.key if e.key is not None else id(e.site.node)
        other = by_key_b.get(k)
        if other is not None:
            seen.add(k)
            out.append(Entry(e.key, join(e.key_value, other.key_value), join(e.value, other.value), e.site,
                             e.key_site, e.maybe or other.maybe))
        else:
            out.append(e if e.maybe else _copy(e, maybe=True))
    for e in b:
        k = e.key if e.key is not None else id(e.site.node)
        if k not in seen:
            out.append(e if e.maybe else _copy(e, maybe=True))
    return tuple(out)


def _join_elements(a: Optional[Tuple[Element, ...]], b: Optional[Tuple[Element, ...]]) -> Optional[Tuple[Element, ...]]:
    if a is None and b is None:
        return None
    if a is None or b is None:
        els = a if a is not None else b
        return tuple(e if e.maybe else _copy(e, maybe=True) for e in els)  # type: ignore[union-attr]
    if a == b:
        return a
    if len(a) == len(b) and all(x.site.node is y.site.node for x, y in zip(a, b)):
        return tuple(Element(join(x.value, y.value), x.site, x.maybe or y.maybe) for x, y in zip(a, b))
    by_node = {id(e.site.node): e for e in b}
    out: List[Element] = []
    seen = set()
    for e in a:
        other = by_node.get(id(e.site.node))
        if other is not None:
            seen.add(id(e.site.node))
            out.append(Element(join(e.value, other.value), e.site, e.maybe or other.maybe))
        else:
            out.append(e if e.maybe else _copy(e, maybe=True))
    for e in b:
        if id(e.site.node) not in seen:
            out.append(e if e.maybe else _copy(e, maybe=True))
    return tuple(out)


def set_entry(shape: Tuple[Entry, ...], entry: Entry) -> Tuple[Entry, ...]:
    """``shape`` with ``entry`` added, replacing an earlier entry of the same constant key."""
    if entry.key is None:
        for i, e in enumerate(shape):
            if e.key is None and e.site.node is entry.site.node:
                return shape[:i] + (entry,) + shape[i + 1:]
        return _cap_entries(shape + (entry,))
    for i, e in enumerate(shape):
        if e.key == entry.key:
            return shape[:i] + shape[i + 1:] + (entry,)
    return _cap_entries(shape + (entry,))


def add_element(elements: Tuple[Element, ...], element: Element) -> Tuple[Element, ...]:
    """``elements`` with ``element`` appended; an element built by the same node joins the earlier
    one instead (a loop appending ``UpdateOne(...)`` holds one representative element)."""
    for i, e in enumerate(elements):
        if e.site.node is element.site.node:
            merged = Element(join(e.value, element.value), e.site, e.maybe and element.maybe)
            return elements[:i] + (merged,) + elements[i + 1:]
    if len(elements) >= MAX_ITEMS:
        last = elements[-1]
        return elements[:-1] + (Element(join(last.value, element.value), last.site, True),)
    return elements + (element,)


def _cap_entries(shape: Tuple[Entry, ...]) -> Tuple[Entry, ...]:
    if len(shape) <= MAX_ITEMS:
        return shape
    last = shape[-1]
    merged = join_all(e.value for e in shape[MAX_ITEMS - 1:])
    return shape[:MAX_ITEMS - 1] + (_copy(last, value=merged, maybe=True),)


def widen(value: Value, depth: int = MAX_DEPTH) -> Value:
    """``value`` with structure nested deeper than ``depth`` collapsed into its contents' join,
    so a loop that wraps a value in itself (``x = {"a": x}``) reaches a fixpoint."""
    if value.shape is None and value.elements is None:
        return value
    if depth <= 0:
        inner = item_of(value.with_(shape=None, elements=None)) if value.kinds else CLEAN
        contents = join_all([e.value for e in value.shape or ()] + [e.value for e in value.elements or ()])
        flat = _flatten(contents)
        return value.with_(shape=None, elements=None, kinds=value.kinds | flat.kinds,
                           origin=value.origin or flat.origin or inner.origin, reads=value.reads | flat.reads,
                           records=value.records | flat.records)
    shape = tuple(_copy(e, value=widen(e.value, depth - 1)) for e in value.shape) if value.shape else value.shape
    elements = tuple(_copy(e, value=widen(e.value, depth - 1)) for e in value.elements) \
        if value.elements else value.elements
    return value.with_(shape=shape, elements=elements)


def _flatten(value: Value) -> Value:
    """Every piece of taint anywhere in ``value``, without structure (mapping-ness dropped: a dict
    holding client values is not a client mapping)."""
    parts = [value.with_(shape=None, elements=None, kinds=value.kinds)]
    for e in value.shape or ():
        parts.append(_flatten(e.value))
    for e in value.elements or ():
        parts.append(_flatten(e.value))
    return join_all(parts)


def join_records(a: FrozenSet[Record], b: FrozenSet[Record]) -> FrozenSet[Record]:
    """The records of a value that is ``a`` on one path and ``b`` on another. The same record
    (same read, same projection) with fields removed on some paths only is one record without
    them: code that removes a field on some path (``for key in SECRETS: doc.pop(key)``, a loop
    that may run no turn; ``if not admin: doc.pop(...)``) has dealt with that field, and a lint
    that reported it anyway would be switched off."""
    if a == b or not b:
        return a
    if not a:
        return b
    merged: Dict[Tuple[Optional[str], Site, Optional[FrozenSet[str]], FrozenSet[str]], Record] = {}
    for r in sorted(a | b, key=lambda r: len(r.removed)):
        key = (r.source, r.read, r.only, r.known)
        old = merged.get(key)
        merged[key] = r if old is None else old.without(r.removed)
    return frozenset(merged.values())


def records_in(value: Value, depth: int = MAX_DEPTH) -> FrozenSet[Record]:
    """Every whole record ``value`` is or holds, in its entries and elements too (``{"items": docs}``)."""
    out = value.records
    if depth > 0:
        for e in value.shape or ():
            if e.value.records or e.value.shape or e.value.elements:
                out = out | records_in(e.value, depth - 1)
        for el in value.elements or ():
            if el.value.records or el.value.shape or el.value.elements:
                out = out | records_in(el.value, depth - 1)
    return out


def without_fields(value: Value, fields: FrozenSet[str], reads: Optional[FrozenSet[Site]] = None) -> Value:
    """``value`` with ``fields`` removed from the records it is and from those of its elements (a
    list whose every item had them removed); only the records of ``reads`` when given.

    A value holding no record comes back as it is: removing a key changes nothing else the analysis knows."""
    if not fields:
        return value
    changes: Dict[str, Any] = {}
    if value.records:
        records = frozenset(r.without(fields) if reads is None or r.read in reads else r for r in value.records)
        if records != value.records:
            changes["records"] = records
    if value.elements:
        elements = tuple(_copy(e, value=without_fields(e.value, fields, reads)) if e.value.records else e
                         for e in value.elements)
        if any(a is not b for a, b in zip(elements, value.elements)):
            changes["elements"] = elements
    return value.with_(**changes) if changes else value


__all__ = [
    "ANY_FIELD", "Record", "join_records", "records_in", "without_fields",
    "CLEAN", "CLIENT_MAPPINGS", "CONST", "EMPTY", "Element", "Entry", "JSON_MAPPING", "Kind", "NUMBER_KINDS",
    "OPAQUE_KINDS", "Obj", "ObjKind", "Site", "Step", "TEXT_KINDS", "Value", "add_element", "client",
    "item_kinds", "item_of", "join", "join_all", "set_entry", "text_of", "widen",
]
