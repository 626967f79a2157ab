"""Reading a MongoDB filter: its terms, its owner scope, and what the client selects it by.

A filter value (a dict literal, possibly built over several statements) is flattened into terms:
``{"_id": {"$in": [a, b]}, "owner": me}`` gives ``_id $in a``, ``_id $in b`` and ``owner = me``.
``$and``/``$or``/``$nor`` keep their branches, because scope is an all-branches question: an ``$or``
with one unscoped branch is unscoped.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Iterator, List, Optional

import libcst as cst

from flaskmongo_lint.analysis.values import Value
from flaskmongo_lint.settings import AnalysisSettings

_ID_KEY = re.compile(r"^(?:_id|id|.*_id|.*Id|.*ID)$")
LOGICAL = ("$and", "$or", "$nor")


@dataclass(frozen=True)
class Term:
    key: str  # the field name (last part of a dotted path)
    path: str  # the full key path, for messages
    value: Value
    node: cst.CSTNode
    operator: Optional[str] = None  # the query operator the value sits under ($in, $regex ...)
    maybe: bool = False  # only on some paths


@dataclass
class FilterNode:
    terms: List[Term] = field(default_factory=list)
    all_of: List["FilterNode"] = field(default_factory=list)  # $and branches
    any_of: List[List["FilterNode"]] = field(default_factory=list)  # $or / $nor groups


@dataclass
class FilterView:
    node: cst.CSTNode  # the filter argument
    value: Value
    root: FilterNode

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
        # A dict literal is a client mapping only through a `**spread` or a client-chosen key.
        return self.value.is_client_mapping and not self.value.owned

    def is_owner_scoped(self, settings: AnalysisSettings) -> bool:
        return _scoped(self.root, settings)

    def client_selectors(self, settings: AnalysisSettings, ids_only: bool) -> List[Term]:
        """Terms whose value the client controls, minus capability keys (and non-id keys if asked)."""
        out = []
        for t in self.terms():
            if not t.value.is_client or t.key.startswith("$"):
                continue
            if settings.matches("capability_fields", t.key):
                continue
            if ids_only and not (_ID_KEY.match(t.key) or settings.matches("id_fields", t.key)):
                continue
            out.append(t)
        return out

    def client_owner_terms(self, settings: AnalysisSettings) -> List[Term]:
        """Owner keys whose value comes from the request: a scope chosen by the client."""
        return [t for t in self.terms() if settings.matches("owner_fields", t.key) and t.value.is_client]

    def has_identity_term(self) -> bool:
        return any(t.value.identity and not t.maybe for t in self.terms())


def _scoped(node: FilterNode, settings: AnalysisSettings) -> bool:
    for t in node.terms:
        if t.maybe or t.operator not in (None, "$in", "$eq", "$all", "$elemMatch"):
            continue
        v = t.value
        if settings.matches("owner_fields", t.key) and (v.identity or v.owned or v.scoped_lookup):
            return True
        # Scoped through a parent the caller owns: {"_id": tid, "project_id": project["_id"]}.
        if t.key != "_id" and (v.owned or v.scoped_lookup) and not v.identity:
            return True
    if any(_scoped(n, settings) for n in node.all_of):
        return True
    return any(group and all(_scoped(n, settings) for n in group) for group in node.any_of)


def read_filter(value: Value, node: cst.CSTNode, id_shorthand: bool) -> FilterView:
    """Abstract a filter argument."""
    root = FilterNode()
    if value.shape is not None:
        _read_shape(value, "", root, None, False)
    elif id_shorthand and (value.kinds or value.identity or value.owned) and not value.is_client_mapping:
        root.terms.append(Term("_id", "_id", value, node))
    return FilterView(node=node, value=value, root=root)


def _read_shape(value: Value, prefix: str, into: FilterNode, operator: Optional[str], maybe: bool) -> None:
    for entry in value.shape or ():
        key = entry.key
        m = maybe or entry.maybe
        if key is None:
            continue
        if key in LOGICAL:
            branches = [e.value for e in (entry.value.elements or ())]
            nodes = []
            for b in branches:
                child = FilterNode()
                _read_shape(b, prefix, child, None, m)
                nodes.append(child)
            if key == "$and":
                into.all_of.extend(nodes)
            else:
                into.any_of.append(nodes)
            continue
        if key.startswith("$"):
            # An operator under a field: {"field": {"$in": [...]}} (prefix is the field).
            field_key = prefix.rsplit(".", 1)[-1] if prefix else key
            _read_value(entry.value, entry.node, field_key, prefix or key, into, key, m)
            continue
        path = f"{prefix}.{key}" if prefix else key
        _read_value(entry.value, entry.node, key.rsplit(".", 1)[-1], path, into, operator, m)


def _read_value(value: Value, node: cst.CSTNode, key: str, path: str, into: FilterNode,
                operator: Optional[str], maybe: bool) -> None:
    if value.shape is not None and not value.kinds:
        if any(e.key and e.key.startswith("$") for e in value.shape):
            # Operators on this field.
            for e in value.shape:
                if e.key is None:
                    continue
                _read_value(e.value, e.node, key, path, into, e.key, maybe or e.maybe)
            return
        _read_shape(value, path, into, operator, maybe)
        return
    if value.elements is not None and not value.kinds and operator in ("$in", "$nin", "$all", None):
        for el in value.elements:
            _read_value(el.value, el.node, key, path, into, operator or "$in", maybe)
        return
    into.terms.append(Term(key, path, value, node, operator, maybe))
