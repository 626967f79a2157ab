"""The abstract values the function walk computes for every expression.

A :class:`Value` says what the analysis knows about one runtime value: which kinds of client data it
may be (the taint), whether it comes from the authenticated subject (identity), whether a guard has
proven that it belongs to the caller (owned), and, for dict and list literals, their structure, so a
filter or an update document can be read key by key wherever it was built.

Joins (at the end of an ``if``, a loop, a ``try``) are *may* for the taint and *must* for the facts
guards establish: a value is owned after the join only if it was owned on every path.
"""
from __future__ import annotations

from dataclasses import dataclass, replace
from typing import FrozenSet, Iterable, Optional, Tuple

import libcst as cst

# The kinds of client data (SPEC section 1). OPAQUE is a client value that still picks *which*
# document but is no longer text: ``ObjectId(x)``, a ``<uuid:...>`` route parameter, a custom converter.
TEXT = "text"
NUMBER = "number"
JSON = "json"
MAPPING = "mapping"
OPAQUE = "opaque"

CLIENT_MAPPINGS = frozenset({MAPPING, JSON})
EMPTY: FrozenSet[str] = frozenset()


@dataclass(frozen=True)
class Entry:
    """One ``key: value`` of a dict literal (or one ``x[key] = value`` assignment)."""

    key: Optional[str]  # the constant key, None when the key is computed
    key_value: "Value"  # what the key expression evaluates to (a client key taints it)
    value: "Value"
    node: cst.CSTNode  # the value expression, where a finding about it is reported
    key_node: Optional[cst.CSTNode] = None
    maybe: bool = False  # present on some paths only (set under an ``if``)


@dataclass(frozen=True)
class Element:
    """One element of a list or tuple literal."""

    value: "Value"
    node: cst.CSTNode


@dataclass(frozen=True)
class Value:
    kinds: FrozenSet[str] = EMPTY
    origin: Optional[str] = None  # where the client data came from, for messages
    identity: bool = False  # derived from the authenticated subject
    owned: bool = False  # client value proven to belong to the caller (guard or scoped lookup)
    oid_valid: bool = False  # ``ObjectId.is_valid`` has been checked on it
    regex_safe: bool = False  # passed through ``re.escape``
    eq_wrapped: bool = False  # ``{"$eq": x}``: an operator cannot be smuggled in
    is_regex: bool = False  # a compiled pattern (``re.compile(x)``, ``Regex(x)``)
    # Documents fetched from MongoDB: which read events produced them (to tie a later ownership
    # check back to the read), and which client values selected them.
    is_doc: bool = False
    reads: FrozenSet[int] = EMPTY
    fetched_by: FrozenSet[str] = EMPTY
    scoped_lookup: bool = False  # fetched by an owner-scoped filter
    is_key: bool = False  # a key of a client mapping (a client-chosen field name)
    literal: Optional[str] = None  # the text of a string constant
    shape: Optional[Tuple[Entry, ...]] = None  # dict literal structure
    elements: Optional[Tuple[Element, ...]] = None  # list/tuple literal structure
    special: Optional[str] = None  # symbolic objects: "collection", "db", "cursor", ...
    collection: Optional[str] = None  # for special == "collection"/"cursor": its name

    # --- questions -------------------------------------------------------------------------
    @property
    def is_client(self) -> bool:
        """Client-controlled and not proven to belong to the caller."""
        return bool(self.kinds) and not self.owned

    @property
    def is_client_mapping(self) -> bool:
        """A client value whose *keys* the client may choose (mapping or json)."""
        return bool(self.kinds & CLIENT_MAPPINGS)

    @property
    def trusted_scope(self) -> bool:
        """Identity, or owned through a guard or a scoped parent lookup."""
        return self.identity or self.owned or self.scoped_lookup

    # --- derivations -----------------------------------------------------------------------
    def derived(self, kinds: Optional[FrozenSet[str]] = None, **changes: object) -> "Value":
        """A value computed from this one: keeps taint facts and provenance, drops structure."""
        base = Value(
            kinds=self.kinds if kinds is None else kinds,
            origin=self.origin,
            identity=self.identity,
            owned=self.owned,
            oid_valid=self.oid_valid,
            regex_safe=self.regex_safe,
            reads=self.reads,
            fetched_by=self.fetched_by,
            is_doc=False,
            scoped_lookup=self.scoped_lookup,
        )
        return replace(base, **changes) if changes else base

    def with_(self, **changes: object) -> "Value":
        return replace(self, **changes)


CLEAN = Value()


def item_kinds(kinds: FrozenSet[str]) -> FrozenSet[str]:
    """Kinds of ``x[k]`` / ``x.get(k)`` for x of the given kinds.

    An item of JSON is JSON (it may be a dict again). An item of a text mapping (``request.args``)
    is text. An item of text is text.
    """
    out = set()
    if JSON in kinds:
        out.add(JSON)
    elif MAPPING in kinds or TEXT in kinds:
        out.add(TEXT)
    if OPAQUE in kinds:
        out.add(OPAQUE)
    return frozenset(out)


def item_of(value: Value) -> Value:
    """The value of one item of ``value``."""
    if value.shape is not None and not value.kinds:
        return join_all([e.value for e in value.shape]) if value.shape else CLEAN
    kinds = item_kinds(value.kinds)
    return value.derived(kinds=kinds)


def text_of(values: Iterable[Value]) -> Value:
    """The result of building a string from ``values`` (``+``, f-string, ``%``, ``.format``)."""
    vals = list(values)
    tainted = [v for v in vals if v.kinds]
    if not tainted:
        identity = any(v.identity for v in vals)
        return Value(identity=identity, reads=_union(v.reads for v in vals))
    only_numbers = all(v.kinds <= {NUMBER} for v in tainted)
    kinds = frozenset({NUMBER}) if only_numbers else frozenset({TEXT})
    return Value(
        kinds=kinds,
        origin=next((v.origin for v in tainted if v.origin), None),
        owned=all(v.owned for v in tainted),
        regex_safe=all(v.regex_safe for v in tainted),  # "^" + re.escape(q) is still escaped
        reads=_union(v.reads for v in vals),
    )


def _union(sets: Iterable[FrozenSet]) -> FrozenSet:
    out: FrozenSet = EMPTY
    for s in sets:
        if s:
            out = out | s
    return out


def join(a: Value, b: Value) -> Value:
    """The value of a variable that is ``a`` on one path and ``b`` on another."""
    if a is b:
        return a
    tainted = [v for v in (a, b) if v.kinds]
    return Value(
        kinds=a.kinds | b.kinds,
        origin=a.origin or b.origin,
        identity=a.identity and b.identity,
        owned=bool(tainted) and all(v.owned for v in tainted),
        oid_valid=bool(tainted) and all(v.oid_valid for v in tainted),
        regex_safe=bool(tainted) and all(v.regex_safe for v in tainted),
        eq_wrapped=a.eq_wrapped and b.eq_wrapped,
        is_doc=a.is_doc and b.is_doc,
        reads=a.reads | b.reads,
        fetched_by=a.fetched_by | b.fetched_by,
        scoped_lookup=a.scoped_lookup and b.scoped_lookup,
        is_key=a.is_key or b.is_key,
        literal=a.literal if a.literal == b.literal else None,
        shape=_join_shapes(a.shape, b.shape),
        elements=a.elements if a.elements == b.elements else None,
        special=a.special if a.special == b.special else None,
        collection=a.collection if a.collection == b.collection else None,
    )


def join_all(values: Iterable[Value]) -> Value:
    out: Optional[Value] = None
    for v in values:
        out = v if out is None else join(out, v)
    return out if out is not None else CLEAN


def _join_shapes(a: Optional[Tuple[Entry, ...]], b: Optional[Tuple[Entry, ...]]) -> Optional[Tuple[Entry, ...]]:
    if a is None or b is None:
        return None
    if a == b:
        return a
    by_key_b = {e.key: e for e in b if e.key is not None}
    out = []
    seen = set()
    for e in a:
        other = by_key_b.get(e.key) if e.key is not None else None
        if other is not None:
            out.append(replace(e, value=join(e.value, other.value), maybe=e.maybe or other.maybe))
            seen.add(e.key)
        else:
            out.append(replace(e, maybe=True))
    for e in b:
        if e.key is None or e.key not in seen:
            out.append(replace(e, maybe=True))
    return tuple(out)


def set_entry(shape: Tuple[Entry, ...], entry: Entry) -> Tuple[Entry, ...]:
    """``shape`` with ``entry`` added, replacing an earlier entry of the same constant key."""
    if entry.key is None:
        return shape + (entry,)
    return tuple(e for e in shape if e.key != entry.key) + (entry,)


__all__ = [
    "CLEAN", "CLIENT_MAPPINGS", "EMPTY", "JSON", "MAPPING", "NUMBER", "OPAQUE", "TEXT",
    "Element", "Entry", "Value", "item_kinds", "item_of", "join", "join_all", "set_entry", "text_of",
]
