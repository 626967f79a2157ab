"""Expressions: what each kind of Python expression evaluates to (see lattice for the values).

Transfer functions, in brief: a name gives what the state (or the enclosing function, or the
module) binds to it; an attribute or item of client data is client data (an item of JSON is JSON,
of a text mapping text); of the identity, identity; of a document, part of the document; literals
are constants with their structure kept; a string built from client data is client text; ``a or
b`` joins both sides, each evaluated in the state its short circuit leaves.
"""
from __future__ import annotations

from typing import FrozenSet, List, Optional, Tuple

from flaskmongo_lint import syntax as syn

from flaskmongo_lint.analysis.syntaxutil import code_of, dotted, leading_text, string_value
from flaskmongo_lint.analysis.interp.base import WalkerBase, assign_state
from flaskmongo_lint.analysis.interp.state import State, join_states
from flaskmongo_lint.analysis.lattice import (
    CLEAN, CONST, EMPTY, Element, Entry, Kind, ObjKind, Value, item_of, join, join_all, set_entry, text_of,
    without_fields,
)

_CONSTANT_NAMES = {"None", "True", "False", "NotImplemented", "Ellipsis", "__name__", "__file__"}


class Expressions(WalkerBase):
    def eval(self, node: Optional[syn.BaseExpression], state: State) -> Value:
        if node is None:
            return CLEAN
        handler = _DISPATCH.get(type(node))
        if handler is not None:
            return handler(self, node, state)
        return CLEAN

    # ------------------------------------------------------------------ leaves of the tree
    def e_name(self, node: syn.Name, state: State) -> Value:
        found = state.env.get(node.value)
        if found is None:
            found = self.closure.get(node.value)
        if found is not None:
            return found
        if node.value in _CONSTANT_NAMES:
            return CONST
        return self.engine.name_value(self.module, node.value, self.site(node))

    def e_const(self, node: syn.BaseExpression, state: State) -> Value:
        return CONST

    def e_string(self, node: syn.BaseExpression, state: State) -> Value:
        return Value(literal=string_value(node), const=True)

    def e_fstring(self, node: syn.FormattedString, state: State) -> Value:
        return text_of([self.eval(p.expression, state) for p in node.parts if isinstance(p, syn.FormattedStringExpression)]
                       or [CONST])

    # ------------------------------------------------------------------ access
    def e_attribute(self, node: syn.Attribute, state: State) -> Value:
        key = dotted(node)
        if key is not None and key in state.env:
            return state.env[key]
        base = self.eval(node.value, state)
        return self.attribute_of(base, node.attr.value, node, state)

    def attribute_of(self, base: Value, attr: str, node: syn.BaseExpression, state: State) -> Value:
        obj = base.obj
        if obj is not None and obj.kind is not ObjKind.MODEL and obj.kind is not ObjKind.FOREIGN:
            found = self.engine.object_attribute(obj, attr, self.site(node))
            if found is not None:
                return found
            if obj.kind is not ObjKind.INSTANCE:
                return CLEAN
        modelled = self.engine.semantics.attribute(base, attr, self.site(node), self.engine)
        if modelled is not None:
            return modelled
        if base.identity:
            return base.derived(kinds=EMPTY, identity=True)
        if base.kinds or base.doc or base.reads or base.owned or base.scoped:
            return base.derived()
        if obj is not None and obj.kind is ObjKind.FOREIGN:
            return base
        return CLEAN

    def e_subscript(self, node: syn.Subscript, state: State) -> Value:
        if state.has_items:
            key = code_of(node)
            if key in state.env:
                return state.env[key]
        base = self.eval(node.value, state)
        index = node.slice[0].slice if len(node.slice) == 1 else None
        if not isinstance(index, syn.Index):
            return base  # a slice of x is x
        key_value = self.eval(index.value, state)
        if base.records:
            read = self.engine.semantics.field_read(base, key_value, self.site(node))
            if read is not None:
                self.emit(read, state)
        modelled = self.engine.semantics.subscript(base, key_value, self.site(node))
        if modelled is not None:
            return modelled
        return self.item(base, key_value)

    def item(self, base: Value, key: Value) -> Value:
        """``base[key]``."""
        if base.chosen is not None and key.literal == self.engine.semantics.ID_FIELD:
            return base.chosen_id()  # type: ignore[return-value]
        if base.shape is not None:
            if key.literal is not None:
                for entry in reversed(base.shape):
                    if entry.key == key.literal:
                        return join(entry.value, self._client_item(base, key)) if base.kinds else entry.value
                if not base.kinds:
                    return join_all(e.value for e in base.shape if e.key is None) if base.shape else CLEAN
            elif not base.kinds:
                return join_all(e.value for e in base.shape) if base.shape else CLEAN
        if base.identity:
            return base.derived(kinds=EMPTY, identity=True)
        if base.kinds or base.doc or base.reads or base.owned or base.scoped:
            return self._client_item(base, key)
        if base.elements is not None:
            return join_all(e.value for e in base.elements)
        return CLEAN

    def _client_item(self, base: Value, key: Value) -> Value:
        v = item_of(base.with_(shape=None, elements=None))
        if base.kinds and key.literal is not None and base.origin:
            return v.with_(origin=f"{base.origin}[{key.literal!r}]")
        return v

    # ------------------------------------------------------------------ literals with structure
    def e_dict(self, node: syn.Dict, state: State) -> Value:
        entries: Tuple[Entry, ...] = ()
        kinds: FrozenSet[Kind] = EMPTY
        reads: FrozenSet = EMPTY
        origin = None
        trace: tuple = ()
        copied = CLEAN  # ``{**doc, ...}``: a copy of the whole records spread into it
        for el in node.elements:
            if isinstance(el, syn.DictElement):
                k = self.dict_key(el.key, state)
                v = self.eval(el.value, state)
                entries = set_entry(entries, Entry(string_value(el.key), k, v, self.site(el.value), self.site(el.key)))
                reads = reads | v.reads
                if copied.records and v.const and k.literal is not None:
                    copied = without_fields(copied, frozenset({k.literal}))  # masked by a literal
            else:  # **spread
                v = self.eval(el.value, state)
                reads = reads | v.reads
                for e in v.shape or ():
                    entries = set_entry(entries, e)
                if v.is_client_mapping:
                    kinds = kinds | {Kind.MAPPING} | (v.kinds & {Kind.JSON})
                    origin = origin or v.origin
                    trace = trace or v.trace
                if v.records:
                    copied = copied.with_(records=copied.records | v.records)
        return Value(kinds=kinds, origin=origin, trace=trace, reads=reads, shape=entries, records=copied.records)

    def dict_key(self, key: syn.BaseExpression, state: State) -> Value:
        """A dict key (or ``x[key] = ...``): client text built after a constant prefix stays inside a
        sub-document (``"settings." + k``), so it cannot reach a top-level field or an operator."""
        value = self.eval(key, state)
        if value.kinds and not value.prefixed:
            prefix = leading_text(key)
            if prefix and self.engine.semantics.contained_prefix(prefix):
                return value.with_(prefixed=True)
        return value

    def e_sequence(self, node: syn.BaseExpression, state: State) -> Value:
        elements: List[Element] = []
        for el in node.elements:  # type: ignore[attr-defined]
            v = self.eval(el.value, state)
            if isinstance(el, syn.StarredElement):
                if v.elements is not None:
                    elements.extend(v.elements)
                if v.kinds or v.elements is None:
                    elements.append(Element(item_of(v), self.site(el.value)))
            else:
                elements.append(Element(v, self.site(el.value)))
        kinds: FrozenSet[Kind] = EMPTY
        reads: FrozenSet = EMPTY
        for e in elements:
            kinds = kinds | e.value.kinds
            reads = reads | e.value.reads
        lead = next((e.value for e in elements if e.value.kinds), None)
        return Value(kinds=kinds - {Kind.MAPPING}, origin=lead.origin if lead else None, trace=lead.trace if lead else (),
                     reads=reads, elements=tuple(elements),
                     identity=bool(elements) and all(e.value.identity for e in elements),
                     # a tuple of constants is a constant; a list is one only until it is appended to
                     const=isinstance(node, syn.Tuple) and bool(elements) and all(e.value.const for e in elements))

    # ------------------------------------------------------------------ operators
    def e_binary(self, node: syn.BinaryOperation, state: State) -> Value:
        left, right = self.eval(node.left, state), self.eval(node.right, state)
        if isinstance(node.operator, syn.Add) and left.elements is not None and right.elements is not None:
            return Value(kinds=left.kinds | right.kinds, elements=left.elements + right.elements,
                         reads=left.reads | right.reads, origin=left.origin or right.origin,
                         trace=left.trace or right.trace)
        parts = [left, right]
        if right.elements is not None:
            parts.extend(e.value for e in right.elements)
        if right.shape is not None:
            parts.extend(e.value for e in right.shape)
        return text_of(parts)

    def e_boolean(self, node: syn.BooleanOperation, state: State) -> Value:
        t, f, left = self.refine(node.left, state)
        if isinstance(node.operator, syn.And):
            right = self.eval(node.right, t)
            assign_state(state, join_states([f, t]))
        else:
            right = self.eval(node.right, f)
            assign_state(state, join_states([t, f]))
        return join(left, right)

    def e_ifexp(self, node: syn.IfExp, state: State) -> Value:
        t, f, _ = self.refine(node.test, state)
        body = self.eval(node.body, t)
        orelse = self.eval(node.orelse, f)
        assign_state(state, join_states([t, f]))
        return join(body, orelse)

    def e_unary(self, node: syn.UnaryOperation, state: State) -> Value:
        v = self.eval(node.expression, state)
        return CONST if isinstance(node.operator, syn.Not) else v.derived(const=v.const)

    def e_compare(self, node: syn.Comparison, state: State) -> Value:
        t, f, _ = self.refine(node, state)
        return CLEAN

    def e_named(self, node: syn.NamedExpr, state: State) -> Value:
        v = self.eval(node.value, state)
        self.bind(node.target, v, state)
        return v

    def e_await(self, node: syn.Await, state: State) -> Value:
        return self.eval(node.expression, state)

    def e_starred(self, node: syn.StarredElement, state: State) -> Value:
        return self.eval(node.value, state)

    def e_lambda(self, node: syn.Lambda, state: State) -> Value:
        return CLEAN

    def e_yield(self, node: syn.Yield, state: State) -> Value:
        if isinstance(node.value, syn.BaseExpression):
            self.eval(node.value, state)
        return CLEAN

    # ------------------------------------------------------------------ comprehensions
    def comprehension(self, for_in: syn.CompFor, state: State) -> State:
        inner = state.copy()
        node: Optional[syn.CompFor] = for_in
        while node is not None:
            iter_value = self.eval(node.iter, inner)
            self.bind(node.target, self.iter_item(iter_value), inner)
            for cond in node.ifs:
                inner, _, _ = self.refine(cond.test, inner)
            node = node.inner_for_in
        return inner

    def e_listcomp(self, node: syn.BaseExpression, state: State) -> Value:
        inner = self.comprehension(node.for_in, state)  # type: ignore[attr-defined]
        v = self.eval(node.elt, inner)  # type: ignore[attr-defined]
        # One representative element: `[InsertOne(r) for r in rows]` is read like `[InsertOne(r)]`.
        return Value(kinds=v.kinds - {Kind.MAPPING}, origin=v.origin, trace=v.trace, reads=v.reads, identity=v.identity,
                     owned=v.owned, elements=(Element(v, self.site(node.elt)),))  # type: ignore[attr-defined]

    def e_dictcomp(self, node: syn.DictComp, state: State) -> Value:
        inner = self.comprehension(node.for_in, state)
        k = self.dict_key(node.key, inner)
        v = self.eval(node.value, inner)
        reads = k.reads | v.reads
        if k.client_key and not _filters_key(node):
            return Value(kinds=frozenset({Kind.MAPPING}) | (v.kinds & {Kind.JSON}), origin=k.origin or v.origin,
                         trace=k.trace or v.trace, reads=reads)
        entry = Entry(None, k, v, self.site(node.value), self.site(node.key))
        return Value(reads=reads, shape=(entry,) if (v.kinds or k.kinds) else ())

    def iter_item(self, iterable: Value) -> Value:
        """The value of one element when iterating ``iterable``."""
        obj = iterable.obj
        if obj is not None and obj.kind is ObjKind.MODEL and iterable.doc:
            return Value(doc=True, reads=iterable.reads, scoped=iterable.scoped, identity=iterable.identity,
                         chosen=iterable.chosen, records=iterable.records)
        if iterable.elements is not None:
            items = join_all(e.value for e in iterable.elements)
            if iterable.kinds and not iterable.elements:
                return item_of(iterable.with_(elements=None))
            return items
        if iterable.kinds & {Kind.MAPPING} and not iterable.kinds & {Kind.JSON}:
            return Value(kinds=frozenset({Kind.TEXT}), origin=iterable.origin, trace=iterable.trace, is_key=True)
        if iterable.kinds or iterable.doc or iterable.reads:
            return item_of(iterable)
        if iterable.shape is not None:
            return join_all(e.key_value for e in iterable.shape) if iterable.shape else CLEAN
        return iterable.derived() if iterable.identity else CLEAN


def _filters_key(node: syn.DictComp) -> bool:
    """Whether a dict comprehension keeps only allowed keys (``if k in ALLOWED``)."""
    key_names = {n.value for n in _names(node.key)}
    for_in: Optional[syn.CompFor] = node.for_in
    while for_in is not None:
        for cond in for_in.ifs:
            if _positive_key_test(cond.test, key_names):
                return True
        for_in = for_in.inner_for_in
    # {k: body[k] for k in ALLOWED if k in body}: the keys come from the constant.
    it = node.for_in.iter
    return isinstance(node.for_in.target, syn.Name) and node.for_in.target.value in key_names and \
        isinstance(it, (syn.Name, syn.Attribute, syn.Set, syn.List, syn.Tuple)) and _constantish(it)


def _constantish(node: syn.BaseExpression) -> bool:
    if isinstance(node, (syn.Set, syn.List, syn.Tuple)):
        return all(string_value(e.value) is not None for e in node.elements)
    name = dotted(node)
    return name is not None and name.split(".")[-1].isupper()


def _positive_key_test(test: syn.BaseExpression, key_names: set) -> bool:
    if isinstance(test, syn.BooleanOperation):
        if isinstance(test.operator, syn.And):
            return _positive_key_test(test.left, key_names) or _positive_key_test(test.right, key_names)
        return _positive_key_test(test.left, key_names) and _positive_key_test(test.right, key_names)
    if isinstance(test, syn.Comparison) and len(test.comparisons) == 1:
        op = test.comparisons[0].operator
        return isinstance(op, (syn.In, syn.Equal)) and isinstance(test.left, syn.Name) and test.left.value in key_names
    if isinstance(test, syn.Call):
        return any(isinstance(a.value, syn.Name) and a.value.value in key_names for a in test.args)
    return False


def _names(node: syn.CSTNode):  # type: ignore[no-untyped-def]
    stack = [node]
    while stack:
        n = stack.pop()
        if isinstance(n, syn.Name):
            yield n
        stack.extend(n.children)


_DISPATCH = {
    syn.Name: Expressions.e_name,
    syn.Attribute: Expressions.e_attribute,
    syn.Subscript: Expressions.e_subscript,
    syn.SimpleString: Expressions.e_string,
    syn.ConcatenatedString: Expressions.e_string,
    syn.FormattedString: Expressions.e_fstring,
    syn.Integer: Expressions.e_const,
    syn.Float: Expressions.e_const,
    syn.Imaginary: Expressions.e_const,
    syn.Ellipsis: Expressions.e_const,
    syn.Dict: Expressions.e_dict,
    syn.List: Expressions.e_sequence,
    syn.Tuple: Expressions.e_sequence,
    syn.Set: Expressions.e_sequence,
    syn.BinaryOperation: Expressions.e_binary,
    syn.BooleanOperation: Expressions.e_boolean,
    syn.IfExp: Expressions.e_ifexp,
    syn.UnaryOperation: Expressions.e_unary,
    syn.Comparison: Expressions.e_compare,
    syn.NamedExpr: Expressions.e_named,
    syn.Await: Expressions.e_await,
    syn.StarredElement: Expressions.e_starred,
    syn.Lambda: Expressions.e_lambda,
    syn.Yield: Expressions.e_yield,
    syn.ListComp: Expressions.e_listcomp,
    syn.SetComp: Expressions.e_listcomp,
    syn.GeneratorExp: Expressions.e_listcomp,
    syn.DictComp: Expressions.e_dictcomp,
}
_DISPATCH[syn.Call] = lambda self, node, state: self.e_call(node, state)  # the calls part
