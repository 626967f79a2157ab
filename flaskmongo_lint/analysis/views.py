"""Views the rules read: a MongoDB filter as terms, its owner scope, what the client selects it by.

A filter value (a dict literal, possibly built over several statements and joined over branches)
is flattened into terms: ``{"_id": {"$in": [a, b]}, "owner": me}`` gives ``_id $in a``,
``_id $in b`` and ``owner = me``. ``$and``/``$or``/``$nor`` keep their branches, because scope is
an all-branches question: an ``$or`` with one unscoped branch is unscoped.
"""
from __future__ import annotations

import enum
import re
from dataclasses import dataclass, field
from typing import Iterator, List, Optional

from flaskmongo_lint.analysis.events import Arg, Operation, OpKind
from flaskmongo_lint.analysis.lattice import Site, Value
from flaskmongo_lint.models import operators as ops
from flaskmongo_lint.settings import AnalysisSettings

_ID_KEY = re.compile(r"^(?:_id|id|.*_id|.*Id|.*ID)$")
COMPUTED_KEY = "?"  # the key of a term whose key is computed


class ScopedBy(enum.Enum):
    """How an owner-scoped filter is tied to the caller."""

    OWNER = "owner"  # a key bound to the identity, or an owner field bound to a server value
    PARENT = "parent"  # only through a value proven to be the caller's (a parent document, its id)


@dataclass(frozen=True)
class Term:
    key: str  # the field name (last part of a dotted path), COMPUTED_KEY when computed
    path: str  # the full key path, for messages
    value: Value
    site: Site
    operator: Optional[str] = None  # the query operator the value sits under ($in, $regex ...)
    maybe: bool = False  # only on some paths
    key_value: Optional[Value] = None  # what a computed key evaluates to


@dataclass
class FilterNode:
    terms: List[Term] = field(default_factory=list)
    all_of: List["FilterNode"] = field(default_factory=list)  # $and branches
    any_of: List[List["FilterNode"]] = field(default_factory=list)  # $or / $nor groups


@dataclass
class FilterView:
    arg: Arg
    root: FilterNode

    @property
    def value(self) -> Value:
        return self.arg.value

    def terms(self) -> Iterator[Term]:
        stack = [self.root]
        while stack:
            n = stack.pop()
            yield from n.terms
            stack.extend(n.all_of)
            for group in n.any_of:
                stack.extend(group)

    @property
    def whole_is_client(self) -> bool:
        """The filter itself is a client mapping or json value (the client writes the query)."""
        return self.value.is_client_mapping

    def client_keyed(self) -> List[Term]:
        """Terms whose key the client chose and whose value is client data too (``{k: v}``)."""
        return [t for t in self.terms() if t.key_value is not None and t.key_value.client_key and t.value.is_client]

    def is_owner_scoped(self, settings: AnalysisSettings) -> bool:
        return _scoped(self.root, settings) is not None

    def scoped_by(self, settings: AnalysisSettings) -> Optional[ScopedBy]:
        """How the filter is owner-scoped (None: it is not): the rules ask whether, the route map how."""
        return _scoped(self.root, settings)

    def client_selectors(self, settings: AnalysisSettings, ids_only: bool) -> List[Term]:
        """Terms whose value the client controls, minus capability keys (and non-id keys if asked)."""
        out = []
        for t in self.terms():
            if not t.value.is_client or ops.is_operator(t.key) or t.key == COMPUTED_KEY:
                continue
            if settings.matches("capability_fields", t.key):
                continue
            if ids_only and not (_ID_KEY.match(t.key) or settings.matches("id_fields", t.key)):
                continue
            out.append(t)
        return out

    def capability_lookup(self, settings: AnalysisSettings) -> bool:
        """Selected by a capability key (a token whose unguessable value is the permission)."""
        return any(settings.matches("capability_fields", t.key) and t.value.kinds for t in self.terms())

    def client_owner_terms(self, settings: AnalysisSettings) -> List[Term]:
        """Owner keys whose value comes from the request: a scope chosen by the client."""
        return [t for t in self.terms() if settings.matches("owner_fields", t.key) and t.value.is_client]

    def has_identity_term(self) -> bool:
        return any(t.value.identity and not t.maybe for t in self.terms())


def _scoped(node: FilterNode, settings: AnalysisSettings) -> Optional[ScopedBy]:
    """Whether (and how) a filter node is owner-scoped; OWNER wins over PARENT when both hold."""
    found: List[ScopedBy] = []
    for t in node.terms:
        if t.maybe or (t.operator is not None and t.operator not in ops.SCOPING_OPERATORS):
            continue
        v = t.value
        if v.identity:
            return ScopedBy.OWNER  # whatever the key is called: {"patient": current_user.id}
        if settings.matches("owner_fields", t.key) and (v.owned or v.scoped or v.server_unknown):
            # An owner field bound to a server value the analysis cannot resolve: the author meant
            # to scope, and a linter that cannot prove otherwise stays silent. Bound to a client
            # value a guard compared with the identity, it is the identity; bound to something of
            # a document fetched with an owner scope, it is scoped through that parent.
            if v.scoped or v.doc:
                found.append(ScopedBy.PARENT)
                continue
            return ScopedBy.OWNER
        if t.key != "_id" and t.key != COMPUTED_KEY and (v.owned or v.scoped):
            found.append(ScopedBy.PARENT)  # through a parent the caller owns: {"_id": tid, "project_id": pid}
    found.extend(b for b in (_scoped(n, settings) for n in node.all_of) if b is not None)
    for group in node.any_of:
        branches = [_scoped(n, settings) for n in group]
        if group and all(b is not None for b in branches):
            found.append(ScopedBy.OWNER if all(b is ScopedBy.OWNER for b in branches) else ScopedBy.PARENT)
    if ScopedBy.OWNER in found:
        return ScopedBy.OWNER
    return ScopedBy.PARENT if found else None


def read_filter(arg: Arg, id_shorthand: bool) -> FilterView:
    """Abstract a filter argument."""
    root = FilterNode()
    value = arg.value
    if value.chosen is not None and value.shape is None:
        # A document the client chose, used as the filter: {"_id": <that choice>}.
        root.terms.append(Term("_id", "_id", value.chosen_id(), arg.site))  # type: ignore[arg-type]
    elif value.shape is not None:
        _read_shape(value, "", root, None, False)
    elif id_shorthand and (value.kinds or value.identity or value.owned) and not value.is_client_mapping:
        root.terms.append(Term("_id", "_id", value, arg.site))
    return FilterView(arg, root)


def filter_of(op: Operation) -> Optional[FilterView]:
    """The filter of an operation; for an aggregation, its first ``$match`` stage."""
    if op.filter is not None:
        return read_filter(op.filter, op.id_shorthand)
    if op.op is OpKind.AGGREGATE and op.pipeline is not None:
        for stage in op.pipeline.value.elements or ():
            for entry in stage.value.shape or ():
                if entry.key == ops.MATCH_STAGE:
                    return read_filter(Arg(entry.value, entry.site), False)
    return None


def filters_of(op: Operation) -> List[FilterView]:
    """Every filter of an operation: its filter, or each ``$match`` stage of its pipeline."""
    if op.filter is not None:
        return [read_filter(op.filter, op.id_shorthand)]
    out = []
    if op.op is OpKind.AGGREGATE and op.pipeline is not None:
        for stage in op.pipeline.value.elements or ():
            for entry in stage.value.shape or ():
                if entry.key == ops.MATCH_STAGE:
                    out.append(read_filter(Arg(entry.value, entry.site), False))
    return out


def _read_shape(value: Value, prefix: str, into: FilterNode, operator: Optional[str], maybe: bool) -> None:
    for entry in value.shape or ():
        key = entry.key
        m = maybe or entry.maybe
        if key is None:
            path = f"{prefix}.{COMPUTED_KEY}" if prefix else COMPUTED_KEY
            into.terms.append(Term(COMPUTED_KEY, path, entry.value, entry.site, operator, m, entry.key_value))
            continue
        if key in ops.LOGICAL:
            branches = [e.value for e in (entry.value.elements or ())]
            nodes = []
            for b in branches:
                child = FilterNode()
                _read_shape(b, prefix, child, None, m)
                nodes.append(child)
            if entry.value.elements is None and entry.value.kinds:
                child = FilterNode()
                child.terms.append(Term(COMPUTED_KEY, key, entry.value, entry.site, None, m))
                nodes.append(child)
            if key == ops.CONJUNCTION:
                into.all_of.extend(nodes)
            else:
                into.any_of.append(nodes)
            continue
        if ops.is_operator(key):
            # An operator under a field: {"field": {"$in": [...]}} (prefix is the field).
            field_key = prefix.rsplit(".", 1)[-1] if prefix else key
            _read_value(entry.value, entry.site, field_key, prefix or key, into, key, m)
            continue
        path = f"{prefix}.{key}" if prefix else key
        _read_value(entry.value, entry.site, key.rsplit(".", 1)[-1], path, into, operator, m)


def _read_value(value: Value, site: Site, key: str, path: str, into: FilterNode,
                operator: Optional[str], maybe: bool) -> None:
    # A value joined over paths may be both a structure and client data: read both.
    if value.shape is not None:
        if any(e.key and ops.is_operator(e.key) for e in value.shape):
            for e in value.shape:  # operators on this field
                if e.key is None:
                    continue
                _read_value(e.value, e.site, key, path, into, e.key, maybe or e.maybe)
        else:
            _read_shape(value, path, into, operator, maybe)
        if not value.kinds:
            return
    elif value.elements is not None and operator in ops.LIST_OPERATORS | {None}:
        for el in value.elements:
            _read_value(el.value, el.site, key, path, into, operator or ops.IN, maybe or el.maybe)
        if not value.kinds:
            return
    into.terms.append(Term(key, path, value, site, operator, maybe))


def is_id_key(key: str, settings: AnalysisSettings) -> bool:
    return bool(_ID_KEY.match(key)) or settings.matches("id_fields", key)


def stores_identity(value: Value) -> bool:
    """An inserted document with the caller's identity in one of its fields."""
    return any(e.value.identity for e in value.shape or ())


__all__ = [
    "COMPUTED_KEY", "FilterNode", "FilterView", "ScopedBy", "Term", "filter_of", "filters_of", "is_id_key", "read_filter",
    "stores_identity",
]
