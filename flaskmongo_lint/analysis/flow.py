"""The flow-sensitive walk of one function.

Statements are walked in order with a :class:`State` (each local name or refined access path mapped
to a :class:`Value`). Branches split the state and join it again; a branch that leaves (``return``,
``raise``, ``abort()``, ``continue``) drops out of the join, which is how a guard such as
``if not ObjectId.is_valid(x): abort(400)`` comes to dominate what follows. Expressions are
evaluated into values; MongoDB operations and ``ObjectId()`` calls met on the way become events.
Calls to functions of the same module are followed (see :mod:`flaskmongo_lint.analysis.engine`).
"""
from __future__ import annotations

from typing import TYPE_CHECKING, Dict, FrozenSet, List, Optional, Sequence, Set, Tuple

import libcst as cst

from flaskmongo_lint.analysis import identity as ident
from flaskmongo_lint.analysis.events import INVALID_ID, TYPE_ERROR, Arg, FunctionContext, JavaScriptCode, MongoOp, ObjectIdCall
from flaskmongo_lint.analysis.filters import read_filter
from flaskmongo_lint.analysis.guards import Guards, code_of, strip_conversions, base_name
from flaskmongo_lint.analysis.state import State, Summary, join_states
from flaskmongo_lint.analysis.module import argument, dotted, keyword, simple_name, string_value
from flaskmongo_lint.analysis.mongo import (
    AGGREGATE, BULK, BULK_OPERATIONS, BULK_SIGNATURES, INSERT, METHODS, Method, Receiver, classify,
)
from flaskmongo_lint.analysis.values import (
    CLEAN, EMPTY, JSON, MAPPING, NUMBER, OPAQUE, TEXT,
    Element, Entry, Value, item_of, join, join_all, set_entry, text_of,
)

if TYPE_CHECKING:  # pragma: no cover
    from flaskmongo_lint.analysis.engine import ModuleAnalysis

STRING_METHODS = {
    "strip", "lstrip", "rstrip", "lower", "upper", "title", "capitalize", "casefold", "replace", "format",
    "zfill", "encode", "decode", "split", "rsplit", "splitlines", "removeprefix", "removesuffix", "swapcase",
    "center", "ljust", "rjust", "expandtabs", "translate", "partition", "rpartition", "format_map",
}
SEQUENCE_EFFECTS = {"append", "extend", "add", "insert", "update", "setdefault", "appendleft"}
CURSOR_METHODS = {"sort", "limit", "skip", "batch_size", "hint", "max_time_ms", "collation", "comment", "allow_disk_use", "clone", "rewind"}
LEAVING_CALLS = {"flask.abort", "werkzeug.exceptions.abort", "sys.exit", "os._exit", "flask_restful.abort", "flask_restx.abort", "exit", "quit"}


class Walker(Guards):
    """Walks one function once, for one calling context."""

    def __init__(self, analysis: "ModuleAnalysis", fn: cst.FunctionDef, context: FunctionContext,
                 params: Dict[str, Value], caught: FrozenSet[str], depth: int,
                 cls: Optional[cst.ClassDef] = None) -> None:
        self.a = analysis
        self.facts = analysis.facts
        self.settings = analysis.settings
        self.fn = fn
        self.cls = cls
        self.ctx = context
        self.params = params
        self.caught_stack: List[FrozenSet[str]] = [caught]
        self.depth = depth
        self.returns: List[Value] = []
        self.returned_pending: FrozenSet[int] = EMPTY
        self.leaves_all = True

    # ------------------------------------------------------------------ entry
    def run(self) -> Summary:
        state = State(env=dict(self.params), privileged=self.ctx.role_decorated)
        end = self.block(_body(self.fn.body), state)
        if end.alive:
            self.returns.append(CLEAN)
        always_leaves = not self.returns
        return Summary(join_all(self.returns) if self.returns else CLEAN, always_leaves, self.returned_pending)

    @property
    def caught(self) -> FrozenSet[str]:
        out: FrozenSet[str] = EMPTY
        for c in self.caught_stack:
            out = out | c
        return out

    # ------------------------------------------------------------------ statements
    def block(self, stmts: Sequence[cst.CSTNode], state: State) -> State:
        for stmt in stmts:
            if not state.alive:
                break
            state = self.stmt(stmt, state)
        return state

    def stmt(self, node: cst.CSTNode, state: State) -> State:
        if isinstance(node, (cst.SimpleStatementLine, cst.SimpleStatementSuite)):
            for small in node.body:
                if not state.alive:
                    break
                state = self.small(small, state)
            return state
        if isinstance(node, cst.If):
            return self.if_(node, state)
        if isinstance(node, cst.For):
            return self.for_(node, state)
        if isinstance(node, cst.While):
            self.eval(node.test, state)
            t, f = self.refine(node.test, state)
            after = self.block(_body(node.body), t)
            after.alive = True
            out = join_states([f, after] if after.alive else [f])
            if node.orelse is not None:
                out = self.block(_body(node.orelse.body), out)
            return out
        if isinstance(node, (cst.Try, cst.TryStar)):
            return self.try_(node, state)
        if isinstance(node, cst.With):
            for item in node.items:
                v = self.eval(item.item, state)
                if item.asname is not None:
                    self.bind(item.asname.name, v.derived() if v.kinds else CLEAN, state)
            return self.block(_body(node.body), state)
        if isinstance(node, cst.Match):
            subject = self.eval(node.subject, state)
            outs = []
            for case in node.cases:
                s = state.copy()
                self.bind_pattern(case.pattern, subject, s)
                outs.append(self.block(_body(case.body), s))
            outs.append(state)
            return join_states(outs)
        if isinstance(node, (cst.FunctionDef, cst.ClassDef)):
            # Walked on their own; here the name only shadows whatever an import bound.
            state.env[node.name.value] = CLEAN
        return state

    def small(self, node: cst.BaseSmallStatement, state: State) -> State:
        if isinstance(node, cst.Expr):
            return self.expr_stmt(node.value, state)
        if isinstance(node, cst.Assign):
            value = self.eval(node.value, state)
            for target in node.targets:
                self.bind(target.target, value, state, node.value)
            return state
        if isinstance(node, cst.AnnAssign):
            if node.value is not None:
                self.bind(node.target, self.eval(node.value, state), state, node.value)
            return state
        if isinstance(node, cst.AugAssign):
            value = self.eval(node.value, state)
            current = self.eval(node.target, state)
            if current.elements is not None and value.elements is not None:
                combined = current.with_(elements=current.elements + value.elements, kinds=current.kinds | value.kinds)
            elif current.kinds or value.kinds:
                combined = text_of([current, value]) if not (current.is_client_mapping or value.is_client_mapping) \
                    else current.derived(kinds=current.kinds | value.kinds)
            else:
                combined = current
            self.bind(node.target, combined, state)
            return state
        if isinstance(node, cst.Return):
            value = self.eval(node.value, state) if node.value is not None else CLEAN
            self.returns.append(value)
            self.note_returned(value, state)
            state.alive = False
            return state
        if isinstance(node, cst.Raise):
            if node.exc is not None:
                self.eval(node.exc, state)
            state.alive = False
            return state
        if isinstance(node, (cst.Break, cst.Continue)):
            state.alive = False
            return state
        if isinstance(node, cst.Assert):
            self.eval(node.test, state)
            t, _ = self.refine(node.test, state)
            return t
        return state

    def if_(self, node: cst.If, state: State) -> State:
        self.eval(node.test, state)
        t, f = self.refine(node.test, state)
        t = self.block(_body(node.body), t)
        orelse = node.orelse
        if isinstance(orelse, cst.If):
            f = self.if_(orelse, f)
        elif isinstance(orelse, cst.Else):
            f = self.block(_body(orelse.body), f)
        return join_states([t, f])

    def for_(self, node: cst.For, state: State) -> State:
        iter_value = self.eval(node.iter, state)
        body_state = state.copy()
        self.bind(node.target, self.iter_item(node.iter, iter_value, body_state), body_state)
        end = self.block(_body(node.body), body_state)
        end.alive = True  # break/continue end one iteration, not the function
        out = join_states([state, end])
        if node.orelse is not None:
            out = self.block(_body(node.orelse.body), out)
        return out

    def try_(self, node: cst.BaseCompoundStatement, state: State) -> State:
        caught: Set[str] = set()
        for handler in node.handlers:  # type: ignore[attr-defined]
            caught |= self.exception_categories(handler.type)
        self.caught_stack.append(frozenset(caught))
        before = state.copy()
        body_end = self.block(_body(node.body), state)  # type: ignore[attr-defined]
        self.caught_stack.pop()
        if node.orelse is not None and body_end.alive:  # type: ignore[attr-defined]
            body_end = self.block(_body(node.orelse.body), body_end)  # type: ignore[attr-defined]
        outs = [body_end]
        for handler in node.handlers:  # type: ignore[attr-defined]
            # The exception may come from anywhere in the body: start from what held before it.
            h_state = before.copy()
            if handler.name is not None:
                self.bind(handler.name.name, CLEAN, h_state)
            outs.append(self.block(_body(handler.body), h_state))
        out = join_states(outs)
        final = node.finalbody  # type: ignore[attr-defined]
        if final is not None:
            was_alive = out.alive
            out.alive = True
            out = self.block(_body(final.body), out)
            out.alive = out.alive and was_alive
        return out

    def exception_categories(self, type_expr: Optional[cst.BaseExpression]) -> Set[str]:
        if type_expr is None:
            return {INVALID_ID, TYPE_ERROR}
        if isinstance(type_expr, cst.Tuple):
            out: Set[str] = set()
            for el in type_expr.elements:
                out |= self.exception_categories(el.value)
            return out
        name = simple_name(type_expr)
        if name in ("Exception", "BaseException"):
            return {INVALID_ID, TYPE_ERROR}
        if name in ("InvalidId", "BSONError"):
            return {INVALID_ID}
        if name == "TypeError":
            return {TYPE_ERROR}
        return set()

    def expr_stmt(self, expr: cst.BaseExpression, state: State) -> State:
        value_expr = expr.expression if isinstance(expr, cst.Await) else expr
        self.eval(expr, state)
        if isinstance(value_expr, cst.Call):
            call = value_expr
            q = self.facts.qualname(call.func)
            name = simple_name(call.func)
            if q in LEAVING_CALLS or name == "abort":
                state.alive = False
                return state
            if name and self.settings.matches("authz_functions", name):
                for arg in call.args:
                    self.mark_owned(arg.value, state)
            elif name and self.settings.matches("validator_functions", name):
                for arg in call.args:
                    self.mark_validated(arg.value, state)
            elif isinstance(call.func, cst.Name) and self.a.callee_always_leaves(call.func.value, self.cls):
                state.alive = False
            elif isinstance(call.func, cst.Attribute) and call.func.attr.value in SEQUENCE_EFFECTS:
                self.sequence_effect(call, state)
        return state

    def sequence_effect(self, call: cst.Call, state: State) -> None:
        """``x.append(v)``, ``x.update(v)`` ...: x now holds v's taint (a denylist ``pop`` does not clear it)."""
        target = call.func.value  # type: ignore[attr-defined]
        key = self.path_key(target)
        if key is None:
            return
        current = state.env.get(key)
        if current is None or current.special is not None:
            return
        added = [self.eval(a.value, state) for a in call.args]
        kinds = current.kinds
        for v in added:
            if v.is_client_mapping and call.func.attr.value in ("update",):  # type: ignore[attr-defined]
                kinds = kinds | {MAPPING} | (v.kinds & {JSON})
            elif v.kinds:
                kinds = kinds | (v.kinds - {MAPPING})
        reads = current.reads
        for v in added:
            reads = reads | v.reads
        state.env[key] = current.with_(kinds=kinds, reads=reads, origin=current.origin or next((v.origin for v in added if v.origin), None))

    # ------------------------------------------------------------------ binding
    def bind(self, target: cst.BaseExpression, value: Value, state: State,
             value_node: Optional[cst.BaseExpression] = None) -> None:
        if isinstance(target, cst.Name):
            self.set_path(target.value, value, state)
        elif isinstance(target, (cst.Tuple, cst.List)):
            elements = target.elements
            if value.elements is not None and len(value.elements) == len(elements):
                for el, v in zip(elements, value.elements):
                    self.bind(el.value, v.value, state)
            else:
                item = item_of(value) if (value.kinds or value.identity or value.is_doc) else value.derived()
                for el in elements:
                    self.bind(el.value, item, state)
        elif isinstance(target, cst.StarredElement):
            self.bind(target.value, value, state)
        elif isinstance(target, cst.Subscript):
            self.bind_item(target, value, state, value_node)
        elif isinstance(target, cst.Attribute):
            key = dotted(target)
            if key is not None:
                self.set_path(key, value, state)
            if value.is_client and self.facts.qualname(target.value) == "flask.g":
                # `g.tenant = request.headers["X-Tenant"]` in a hook: g.tenant is client data, not identity.
                self.facts.client_g[target.attr.value] = value

    def bind_item(self, target: cst.Subscript, value: Value, state: State,
                  value_node: Optional[cst.BaseExpression]) -> None:
        base_key = self.path_key(target.value)
        if base_key is None or len(target.slice) != 1 or not isinstance(target.slice[0].slice, cst.Index):
            return
        key_expr = target.slice[0].slice.value
        key_value = self.eval(key_expr, state)
        current = state.env.get(base_key)
        if current is None:
            # `request.json["user"] = name` / `api.payload["x"] = 1`: the source stays client data.
            current = self.eval(target.value, state)
        if current.special is not None:
            return
        entry = Entry(string_value(key_expr), key_value, value, value_node or target, key_expr)
        shape = set_entry(current.shape, entry) if current.shape is not None else None
        kinds = current.kinds
        if key_value.is_client or key_value.is_key:
            # A client-chosen key makes the whole dict a client mapping (a copy loop with no allowlist).
            kinds = kinds | {MAPPING} | (value.kinds & {JSON})
            shape = None
        state.env[base_key] = current.with_(shape=shape, kinds=kinds, origin=current.origin or key_value.origin or value.origin,
                                            reads=current.reads | value.reads)
        self.drop_paths(base_key + "[", state)

    def bind_pattern(self, pattern: cst.MatchPattern, subject: Value, state: State) -> None:
        if isinstance(pattern, cst.MatchAs) and pattern.name is not None:
            self.bind(pattern.name, subject, state)

    def set_path(self, key: str, value: Value, state: State) -> None:
        state.env[key] = value
        self.drop_paths(key + ".", state)
        self.drop_paths(key + "[", state)

    def drop_paths(self, prefix: str, state: State) -> None:
        stale = [k for k in state.env if k.startswith(prefix)]
        for k in stale:
            del state.env[k]

    def path_key(self, expr: cst.BaseExpression) -> Optional[str]:
        """The env key for a name or an access path (``body["id"]``, ``self.x``)."""
        if isinstance(expr, cst.Name):
            return expr.value
        if isinstance(expr, cst.Attribute):
            return dotted(expr)
        if isinstance(expr, (cst.Subscript, cst.Call)):
            return code_of(expr)
        return None

    def note_returned(self, value: Value, state: State) -> None:
        leaked = value.reads & state.pending
        if not leaked:
            return
        if self.depth > 0:
            # A helper hands the document to its caller, which may check it before using it.
            self.returned_pending = self.returned_pending | leaked
        else:
            self.a.mark_returned(leaked)

    # ------------------------------------------------------------------ expressions
    def eval(self, node: Optional[cst.BaseExpression], state: State) -> Value:
        if node is None:
            return CLEAN
        if isinstance(node, cst.Name):
            return self.name(node, state)
        if isinstance(node, cst.Attribute):
            return self.attribute(node, state)
        if isinstance(node, cst.Subscript):
            return self.subscript(node, state)
        if isinstance(node, cst.Call):
            return self.call(node, state)
        if isinstance(node, cst.Await):
            return self.eval(node.expression, state)
        if isinstance(node, cst.SimpleString):
            return Value(literal=string_value(node))
        if isinstance(node, cst.ConcatenatedString):
            return Value(literal=string_value(node))
        if isinstance(node, cst.FormattedString):
            parts = [self.eval(p.expression, state) for p in node.parts if isinstance(p, cst.FormattedStringExpression)]
            return text_of(parts)
        if isinstance(node, cst.Dict):
            return self.dict_(node, state)
        if isinstance(node, (cst.List, cst.Tuple, cst.Set)):
            elements = []
            for el in node.elements:
                v = self.eval(el.value, state)
                if isinstance(el, cst.StarredElement):
                    elements.extend(v.elements or (Element(item_of(v), el.value),))
                else:
                    elements.append(Element(v, el.value))
            kinds: FrozenSet[str] = EMPTY
            reads: FrozenSet[int] = EMPTY
            for e in elements:
                kinds = kinds | e.value.kinds
                reads = reads | e.value.reads
            origin = next((e.value.origin for e in elements if e.value.origin), None)
            return Value(kinds=kinds, origin=origin, reads=reads, elements=tuple(elements),
                         identity=bool(elements) and all(e.value.identity for e in elements))
        if isinstance(node, cst.BinaryOperation):
            left, right = self.eval(node.left, state), self.eval(node.right, state)
            if isinstance(node.operator, cst.Add) and left.elements is not None and right.elements is not None:
                return Value(kinds=left.kinds | right.kinds, elements=left.elements + right.elements,
                             reads=left.reads | right.reads, origin=left.origin or right.origin)
            parts = [left, right]
            if right.elements is not None:
                parts.extend(e.value for e in right.elements)
            return text_of(parts)
        if isinstance(node, cst.BooleanOperation):
            return join(self.eval(node.left, state), self.eval(node.right, state))
        if isinstance(node, cst.IfExp):
            self.eval(node.test, state)
            t, f = self.refine(node.test, state)
            return join(self.eval(node.body, t), self.eval(node.orelse, f))
        if isinstance(node, cst.UnaryOperation):
            v = self.eval(node.expression, state)
            return CLEAN if isinstance(node.operator, cst.Not) else v.derived()
        if isinstance(node, cst.Comparison):
            self.eval(node.left, state)
            for c in node.comparisons:
                self.eval(c.comparator, state)
            return CLEAN
        if isinstance(node, cst.NamedExpr):
            v = self.eval(node.value, state)
            self.bind(node.target, v, state)
            return v
        if isinstance(node, (cst.ListComp, cst.SetComp, cst.GeneratorExp)):
            inner = self.comprehension(node.for_in, state)
            v = self.eval(node.elt, inner)
            # One representative element: `[InsertOne(r) for r in rows]` is read like `[InsertOne(r)]`.
            return Value(kinds=v.kinds - {MAPPING}, origin=v.origin, reads=v.reads, identity=v.identity, owned=v.owned,
                         elements=(Element(v, node.elt),))
        if isinstance(node, cst.DictComp):
            return self.dict_comp(node, state)
        if isinstance(node, cst.Lambda):
            return CLEAN
        if isinstance(node, cst.StarredElement):
            return self.eval(node.value, state)
        return CLEAN

    def name(self, node: cst.Name, state: State) -> Value:
        found = state.env.get(node.value)
        if found is not None:
            if found.identity:
                self.ctx.uses_identity = True
            return found
        q = self.facts.qualname(node)
        if q is not None:
            v = ident.imported_value(q)
            if v is not None:
                if v.identity:
                    self.ctx.uses_identity = True
                return v
        rec = classify(node, self.facts, lambda n: None)
        if rec is not None:
            return Value(special=rec.kind, collection=rec.name)
        return CLEAN

    def attribute(self, node: cst.Attribute, state: State) -> Value:
        key = dotted(node)
        if key is not None and key in state.env:
            return state.env[key]
        base = self.eval(node.value, state)
        attr = node.attr.value
        if base.special == "request":
            return ident.request_attribute(attr)
        if base.special == "g":
            if attr in self.facts.client_g:
                assigned = self.facts.client_g[attr]
                return assigned.derived(origin=f"g.{attr} (set from {assigned.origin or 'request data'})")
            if self.settings.matches("identity_names", attr):
                self.ctx.uses_identity = True
                return Value(identity=True)
        if attr == "payload" and self.is_restx_object(node.value):
            return Value(kinds=frozenset({JSON, MAPPING}), origin=f"{code_of(node)}")
        if base.identity:
            return base.derived(kinds=EMPTY, identity=True)
        if base.kinds or base.is_doc or base.reads or base.owned or base.scoped_lookup:
            return base.derived()
        rec = classify(node, self.facts, lambda n: self.local_receiver(n, state))
        if rec is not None:
            return Value(special=rec.kind, collection=rec.name)
        return CLEAN

    def subscript(self, node: cst.Subscript, state: State) -> Value:
        if len(state.env) and any("[" in k for k in state.env):
            key = code_of(node)
            if key in state.env:
                return state.env[key]
        base = self.eval(node.value, state)
        index = node.slice[0].slice if len(node.slice) == 1 else None
        const = string_value(index.value) if isinstance(index, cst.Index) else None
        if isinstance(index, cst.Index):
            self.eval(index.value, state)
        if base.special == "session":
            self.ctx.uses_identity = True
            return Value(identity=True)
        if base.special in ("db", "client", "wrapper", "collection"):
            rec = classify(node, self.facts, lambda n: self.local_receiver(n, state))
            if rec is not None:
                return Value(special=rec.kind, collection=rec.name)
        if base.shape is not None and const is not None:
            for entry in reversed(base.shape):
                if entry.key == const:
                    return entry.value
        if base.identity:
            return base.derived(kinds=EMPTY, identity=True)
        if base.kinds or base.is_doc or base.reads or base.owned or base.scoped_lookup:
            v = item_of(base)
            if base.kinds and not v.origin:
                return v
            if base.kinds and const is not None:
                return v.with_(origin=f"{base.origin}[{const!r}]" if base.origin else None)
            return v
        if base.elements is not None:
            return join_all(e.value for e in base.elements)
        return CLEAN

    def dict_(self, node: cst.Dict, state: State) -> Value:
        entries: Tuple[Entry, ...] = ()
        kinds: FrozenSet[str] = EMPTY
        reads: FrozenSet[int] = EMPTY
        origin = None
        for el in node.elements:
            if isinstance(el, cst.DictElement):
                k = self.eval(el.key, state)
                v = self.eval(el.value, state)
                entries = set_entry(entries, Entry(string_value(el.key), k, v, el.value, el.key))
                reads = reads | v.reads
                if k.is_client or k.is_key:
                    kinds = kinds | {MAPPING}
                    origin = origin or k.origin
            else:  # **spread
                v = self.eval(el.value, state)
                reads = reads | v.reads
                if v.shape is not None:
                    for e in v.shape:
                        entries = set_entry(entries, e)
                if v.is_client_mapping and not v.owned:
                    kinds = kinds | {MAPPING} | (v.kinds & {JSON})
                    origin = origin or v.origin
        return Value(kinds=kinds, origin=origin, reads=reads, shape=entries)

    def comprehension(self, for_in: cst.CompFor, state: State) -> State:
        inner = state.copy()
        node: Optional[cst.CompFor] = for_in
        while node is not None:
            iter_value = self.eval(node.iter, inner)
            self.bind(node.target, self.iter_item(node.iter, iter_value, inner), inner)
            for cond in node.ifs:
                self.eval(cond.test, inner)
                inner, _ = self.refine(cond.test, inner)
            node = node.inner_for_in
        return inner

    def dict_comp(self, node: cst.DictComp, state: State) -> Value:
        inner = self.comprehension(node.for_in, state)
        k = self.eval(node.key, inner)
        v = self.eval(node.value, inner)
        reads = k.reads | v.reads
        if (k.is_client or k.is_key) and not _filters_key(node):
            return Value(kinds=frozenset({MAPPING}) | (v.kinds & {JSON}), origin=k.origin or v.origin, reads=reads)
        return Value(reads=reads)

    def iter_item(self, iter_node: cst.BaseExpression, iter_value: Value, state: State) -> Value:
        """The value of one element when iterating ``iter_node``."""
        if isinstance(iter_node, cst.Call) and isinstance(iter_node.func, cst.Attribute):
            method = iter_node.func.attr.value
            if method in ("items", "keys", "values"):
                base = self.eval(iter_node.func.value, state)
                key = Value(kinds=frozenset({TEXT}), origin=base.origin, is_key=True) if base.kinds else CLEAN
                if base.shape is not None and not base.kinds:
                    key = CLEAN
                item = item_of(base)
                if method == "items":
                    return Value(elements=(Element(key, iter_node), Element(item, iter_node)))
                return key if method == "keys" else item
        if iter_value.special == "cursor":
            return Value(is_doc=True, reads=iter_value.reads, scoped_lookup=iter_value.scoped_lookup,
                         identity=iter_value.identity)
        if iter_value.elements is not None:
            return join_all(e.value for e in iter_value.elements)
        if iter_value.kinds & {MAPPING} and not iter_value.kinds & {JSON}:
            return Value(kinds=frozenset({TEXT}), origin=iter_value.origin, is_key=True)
        if iter_value.kinds or iter_value.is_doc or iter_value.reads:
            return item_of(iter_value)
        return iter_value.derived() if iter_value.identity else CLEAN

    # ------------------------------------------------------------------ calls
    def call(self, node: cst.Call, state: State) -> Value:
        func = node.func
        if isinstance(func, cst.Attribute):
            return self.method_call(node, func, state)
        q = self.facts.qualname(func)
        name = func.value if isinstance(func, cst.Name) else None
        args = [self.eval(a.value, state) for a in node.args]
        first = args[0] if args and not node.args[0].keyword and not node.args[0].star else None
        if name is not None and name in state.env and state.env[name].special is None:
            return _provenance(args)  # a local callable: nothing known
        if q is not None:
            known = self.known_call(q, node, args, first, state)
            if known is not None:
                return known
        if name is not None:
            if self.settings.matches("identity_functions", name):
                self.ctx.uses_identity = True
                return Value(identity=True)
            if name in ("str", "repr", "format"):
                return first.derived(kinds=frozenset({TEXT}) if first.kinds else EMPTY) if first else CLEAN
            if name in ("int", "float", "round", "abs"):
                return first.derived(kinds=frozenset({NUMBER}) if first.kinds else EMPTY) if first else CLEAN
            if name in ("bool", "len", "isinstance", "hasattr", "callable", "id", "hash", "print", "type"):
                return CLEAN
            if name in ("dict", "list", "tuple", "set", "frozenset", "sorted", "reversed"):
                return self.container_call(name, node, args, first)
            if name in self.facts.functions:
                return self.a.call_function(self.facts.functions[name], node, args, self, state)
            if name in self.facts.classes:
                return _provenance(args)
        return _provenance(args)

    def known_call(self, q: str, node: cst.Call, args: List[Value], first: Optional[Value], state: State) -> Optional[Value]:
        """Calls whose meaning comes from their import: ObjectId, json.loads, re.escape ..."""
        if q in ("bson.ObjectId", "bson.objectid.ObjectId"):
            return self.objectid(node, first, state)
        tail = q.rsplit(".", 1)[-1]
        if q in ("json.loads", "bson.json_util.loads", "flask.json.loads", "ujson.loads", "orjson.loads") or \
                (tail == "loads" and "json" in q):
            if first is not None and first.kinds:
                return Value(kinds=frozenset({JSON, MAPPING}), origin=f"{tail}() of {first.origin or 'request data'}")
            return CLEAN
        if q == "uuid.UUID":
            return first.derived(kinds=frozenset({OPAQUE}) if first.kinds else EMPTY) if first else CLEAN
        if q == "re.escape":
            return first.derived(kinds=frozenset({TEXT}) if first.kinds else EMPTY, regex_safe=True) if first else CLEAN
        if q in ("re.compile", "bson.regex.Regex", "bson.Regex", "regex.compile"):
            return first.derived(is_regex=True) if first else CLEAN
        if q.startswith("mongosanitizer") or tail == "sanitize":
            return first.derived(kinds=EMPTY) if first else CLEAN
        if q in ("copy.copy", "copy.deepcopy"):
            return first if first is not None else CLEAN
        if q in LEAVING_CALLS:
            return CLEAN
        v = ident.imported_call(q)
        if v is not None:
            if v.identity:
                self.ctx.uses_identity = True
            return v
        return None

    def container_call(self, name: str, node: cst.Call, args: List[Value], first: Optional[Value]) -> Value:
        if name == "dict":
            kinds: FrozenSet[str] = EMPTY
            origin = None
            entries: Tuple[Entry, ...] = ()
            for arg, value in zip(node.args, args):
                if arg.keyword is not None:
                    entries = set_entry(entries, Entry(arg.keyword.value, CLEAN, value, arg.value, arg.keyword))
                elif value.is_client_mapping and not value.owned:
                    kinds = kinds | {MAPPING} | (value.kinds & {JSON})
                    origin = origin or value.origin
                elif value.shape is not None:
                    for e in value.shape:
                        entries = set_entry(entries, e)
            return Value(kinds=kinds, origin=origin, shape=entries if not kinds else None, reads=_provenance(args).reads)
        if first is None:
            return Value(elements=()) if name in ("list", "tuple", "set") else CLEAN
        return first.derived(kinds=first.kinds - {MAPPING}) if first.kinds else first.with_(shape=None)

    def method_call(self, node: cst.Call, func: cst.Attribute, state: State) -> Value:
        method = func.attr.value
        base = self.eval(func.value, state)
        spec = METHODS.get(method)
        if spec is not None and self.is_collection_receiver(func.value, base, spec):
            return self.mongo_call(node, method, spec, base, func.value, state)
        if method in ("map_reduce", "inline_map_reduce") and base.special == "collection":
            for a in node.args:
                value = self.eval(a.value, state)
                self.a.add_event(JavaScriptCode(node, self.ctx, method=method, arg=Arg(value, a.value)))
            return CLEAN
        if base.special == "cursor":
            args = [self.eval(a.value, state) for a in node.args]
            if method == "where" and args:
                self.a.add_event(JavaScriptCode(node, self.ctx, method="where", arg=Arg(args[0], node.args[0].value)))
            if method == "sort" and args and not node.args[0].keyword:
                # cursor.sort(spec): read like find(..., sort=spec).
                self.a.add_event(MongoOp(node, self.ctx, method="sort", op="cursor", collection=base.collection,
                                         sort=Arg(args[0], node.args[0].value)))
            if method in CURSOR_METHODS:
                return base
            return _provenance(args, base)
        if method == "is_valid" and self.is_objectid(func.value):
            for a in node.args:
                self.eval(a.value, state)
            return CLEAN
        if base.special == "request":
            for a in node.args:
                self.eval(a.value, state)
            return ident.request_method(method)
        args = [self.eval(a.value, state) for a in node.args]
        first = args[0] if args else None
        if base.identity:
            self.ctx.uses_identity = True
            return base.derived(kinds=EMPTY, identity=True)
        if method in ("get", "getlist", "pop", "setdefault", "get_all") and (base.kinds or base.is_doc or base.reads or base.shape is not None):
            if base.shape is not None and not base.kinds and first is not None and first.literal is not None:
                for entry in reversed(base.shape):
                    if entry.key == first.literal:
                        return entry.value
            v = item_of(base)
            if method == "getlist" and v.kinds:
                v = v.with_(kinds=frozenset({TEXT}))
            if base.kinds and first is not None and first.literal is not None and base.origin:
                v = v.with_(origin=f"{base.origin}[{first.literal!r}]")
            return v
        if method in ("to_dict", "copy", "dict", "deepcopy"):
            return base
        if method in ("items", "keys", "values"):
            return base.derived(kinds=base.kinds)
        if base.literal is not None or (base.kinds & {TEXT, JSON}):
            if method in STRING_METHODS or method == "join":
                tainted = [base] + args
                return text_of(tainted)
        if isinstance(func.value, cst.Name) and func.value.value == "self" and self.cls is not None:
            target = self.a.method_of(self.cls, method)
            if target is not None:
                return self.a.call_function(target, node, args, self, state, bound=True)
        q = self.facts.qualname(func)
        if q is not None:
            known = self.known_call(q, node, args, first, state)
            if known is not None:
                return known
        if self.settings.matches("identity_functions", method):
            self.ctx.uses_identity = True
            return Value(identity=True)
        if base.kinds or base.is_doc:
            return _provenance(args, base.derived(kinds=EMPTY))
        return _provenance(args)

    def is_collection_receiver(self, expr: cst.BaseExpression, base: Value, spec: Method) -> bool:
        if base.special == "collection":
            return True
        if spec.ambiguous:
            return False
        # Unambiguous methods count on any receiver that is not plainly something else.
        if base.kinds or base.identity or base.literal is not None or base.shape is not None or base.elements is not None:
            return False
        if base.special in ("request", "g", "session", "cursor", "db", "client"):
            return False
        return not isinstance(expr, (cst.SimpleString, cst.Dict, cst.List, cst.Set, cst.Tuple, cst.FormattedString))

    def local_receiver(self, name: str, state: State) -> Optional[Receiver]:
        v = state.env.get(name)
        if v is not None and v.special in ("collection", "db", "client", "wrapper"):
            return Receiver(v.special, v.collection)
        if v is not None:
            # A local that holds something else shadows a module name.
            return Receiver("none")
        return None

    def is_objectid(self, expr: cst.BaseExpression) -> bool:
        q = self.facts.qualname(expr)
        return q in ("bson.ObjectId", "bson.objectid.ObjectId")

    def is_restx_object(self, expr: cst.BaseExpression) -> bool:
        if not isinstance(expr, cst.Name):
            return False
        assigned = self.facts.assignments.get(expr.value)
        if isinstance(assigned, cst.Call):
            return simple_name(assigned.func) in ("Api", "Namespace", "namespace")
        return expr.value in ("api", "ns") or expr.value.endswith("_ns") or expr.value.endswith("_api")

    def objectid(self, node: cst.Call, first: Optional[Value], state: State) -> Value:
        if first is None:
            return CLEAN
        self.a.add_event(ObjectIdCall(node, self.ctx, arg=Arg(first, node.args[0].value), caught=self.caught,
                                      errors_handled_by_app=self.facts.objectid_errors_handled))
        arg_node = node.args[0].value
        if first.kinds and isinstance(arg_node, cst.Name) and arg_node.value in state.env:
            # Past this call x is a valid id (a bad one stopped the request here, and is reported
            # here): a second ObjectId(x) is not a second problem.
            state.env[arg_node.value] = first.with_(oid_valid=True)
        if first.kinds:
            return first.derived(kinds=frozenset({OPAQUE}))
        return first.derived()

    # ------------------------------------------------------------------ MongoDB operations
    def mongo_call(self, node: cst.Call, method: str, spec: Method, base: Value,
                   receiver: cst.BaseExpression, state: State) -> Value:
        collection = base.collection or dotted(receiver) or code_of(receiver)
        if spec.op == BULK:
            requests = self.arg(node, spec.documents, state)
            for el in (requests.value.elements or ()) if requests else ():
                if isinstance(el.node, cst.Call):
                    op_name = simple_name(el.node.func) or ""
                    sig = BULK_SIGNATURES.get(op_name)
                    if sig is not None:
                        self.emit_op(el.node, BULK_OPERATIONS[op_name], sig, collection, el.node, state)
            return Value(reads=requests.value.reads if requests else EMPTY)
        return self.emit_op(node, method, spec, collection, node, state)

    def emit_op(self, call: cst.Call, method: str, spec: Method, collection: Optional[str],
                report_node: cst.CSTNode, state: State) -> Value:
        privileged = state.privileged or self.ctx.role_decorated
        op = MongoOp(report_node, self.ctx, method=method, op=spec.op, collection=collection,
                     privileged=privileged, legacy_update=spec.legacy_update)
        filter_arg = self.arg(call, spec.filter, state)
        if filter_arg is not None:
            op.filter = read_filter(filter_arg.value, filter_arg.node, spec.id_shorthand)
        op.update = self.arg(call, spec.update, state)
        op.replacement = self.arg(call, spec.replacement, state)
        op.projection = self.arg(call, spec.projection, state)
        sort = keyword(call, "sort")
        op.sort = Arg(self.eval(sort, state), sort) if sort is not None else None
        docs = self.arg(call, spec.documents, state)
        if docs is not None:
            if spec.many_documents and docs.value.elements is not None:
                op.documents = [Arg(e.value, e.node) for e in docs.value.elements]
            else:
                op.documents = [docs]
        op.pipeline = self.arg(call, spec.pipeline, state)
        if spec.op == AGGREGATE and op.pipeline is not None:
            for stage in op.pipeline.value.elements or ():
                for entry in stage.value.shape or ():
                    if entry.key == "$match":
                        op.filter = read_filter(entry.value, entry.node, False)
                        break
                if op.filter is not None:
                    break
        rid = self.a.add_event(op)
        if spec.op in ("read", AGGREGATE):
            return self.read_result(op, rid, method, state)
        if spec.op == INSERT:
            return CLEAN
        return Value(is_doc=method.startswith("find_one_and"), reads=EMPTY)

    def read_result(self, op: MongoOp, rid: int, method: str, state: State) -> Value:
        f = op.filter
        scoped = f is not None and f.is_owner_scoped(self.settings)
        client_terms = [t for t in f.terms() if t.value.is_client] if f is not None else []
        identity = f is not None and f.has_identity_term() and not client_terms
        fetched_by = frozenset(_names_in(t.node) for t in client_terms) - {None}
        if client_terms and not scoped and not identity:
            state.pending = state.pending | {rid}
        result = Value(is_doc=True, reads=frozenset({rid}), fetched_by=fetched_by,  # type: ignore[arg-type]
                       scoped_lookup=scoped, identity=identity)
        if method in ("find", "aggregate", "find_raw_batches"):
            return result.with_(special="cursor", collection=op.collection)
        if method in ("count_documents", "count", "distinct"):
            return Value(reads=result.reads)
        return result

    def arg(self, call: cst.Call, where: Optional[Tuple[int, str]], state: State) -> Optional[Arg]:
        if where is None:
            return None
        expr = argument(call, where[0], where[1])
        if expr is None:
            return None
        return Arg(self.eval(expr, state), expr)


# ---------------------------------------------------------------------- small helpers
def _body(block: cst.BaseSuite) -> Sequence[cst.CSTNode]:
    return block.body  # IndentedBlock.body (statements) or SimpleStatementSuite.body (small statements)


def _names_in(node: cst.CSTNode) -> Optional[str]:
    """The variable a filter value was read from (``ObjectId(pid)`` -> ``pid``)."""
    stripped = strip_conversions(node) if isinstance(node, cst.BaseExpression) else node
    if isinstance(stripped, cst.Call) and len(stripped.args) >= 1:
        stripped = stripped.args[0].value
    return base_name(stripped) if isinstance(stripped, cst.BaseExpression) else None


def _provenance(args: List[Value], base: Optional[Value] = None) -> Value:
    """The result of a call the analysis knows nothing about.

    Client data does not flow through it (a schema, a parser, a lookup: the result is not the
    request's text), but provenance does, for the "returned before it was checked" question, and
    so does identity: ``load_user(current_user.id)`` is still the caller.
    """
    reads: FrozenSet[int] = base.reads if base is not None else EMPTY
    for a in args:
        reads = reads | a.reads
    inputs = [a for a in args if a.kinds or a.identity or a.is_doc or a.reads]
    identity = bool(inputs) and all(a.identity for a in inputs)
    if not reads and not identity:
        return CLEAN
    return Value(reads=reads, identity=identity)


def _filters_key(node: cst.DictComp) -> bool:
    """Whether a dict comprehension keeps only allowed keys (``if k in ALLOWED``)."""
    key_names = {n.value for n in _iter_names(node.key)}
    for_in: Optional[cst.CompFor] = node.for_in
    while for_in is not None:
        for cond in for_in.ifs:
            if _positive_key_test(cond.test, key_names):
                return True
        for_in = for_in.inner_for_in
    return False


def _positive_key_test(test: cst.BaseExpression, key_names: Set[str]) -> bool:
    if isinstance(test, cst.BooleanOperation):
        if isinstance(test.operator, cst.And):
            return _positive_key_test(test.left, key_names) or _positive_key_test(test.right, key_names)
        return _positive_key_test(test.left, key_names) and _positive_key_test(test.right, key_names)
    if isinstance(test, cst.Comparison) and len(test.comparisons) == 1:
        op = test.comparisons[0].operator
        left = test.left
        return isinstance(op, (cst.In, cst.Equal)) and isinstance(left, cst.Name) and left.value in key_names
    if isinstance(test, cst.Call):
        return any(isinstance(a.value, cst.Name) and a.value.value in key_names for a in test.args)
    return False


def _iter_names(node: cst.CSTNode):  # type: ignore[no-untyped-def]
    stack = [node]
    while stack:
        n = stack.pop()
        if isinstance(n, cst.Name):
            yield n
        stack.extend(n.children)


__all__ = ["State", "Summary", "Walker", "join_states"]
