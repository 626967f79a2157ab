"""Statements: the flow of one function body.

Branches split the state and join it again; a branch that leaves (``return``, ``raise``, a call
that never returns) drops out of the join, which is how a guard comes to dominate what follows. A
loop body is walked until the state at its head stops changing (a value assigned late in the body
reaches a call early in it on the next turn), widening after a few turns; ``break`` and
``continue`` go where Python sends them. An ``except`` clause starts from what held before the
``try`` joined with what the body got to.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import FrozenSet, List, Optional, Sequence

from flaskmongo_lint import syntax as syn

from flaskmongo_lint.analysis.syntaxutil import code_of, dotted, simple_name, string_value, suite
from flaskmongo_lint.analysis.interp.base import WalkerBase
from flaskmongo_lint.analysis.interp.state import State, join_states
from flaskmongo_lint.analysis.events import Arg, Returned
from flaskmongo_lint.analysis.lattice import (
    ANY_FIELD, CLEAN, EMPTY, Entry, Kind, Obj, ObjKind, Value, item_of, join, records_in, set_entry, text_of, widen,
    without_fields,
)

LOOP_TURNS = 3  # turns of a loop body before its head is widened
LOOP_TURNS_WIDENED = 2  # further turns after widening before the walk settles for what it has


@dataclass
class _Loop:
    breaks: List[State] = field(default_factory=list)
    continues: List[State] = field(default_factory=list)


class Statements(WalkerBase):
    loops: List[_Loop]

    def block(self, stmts: Sequence[syn.CSTNode], state: State) -> State:
        for stmt in stmts:
            if not state.alive:
                break
            self.steps += 1
            if self.steps > self.budget:
                self.truncated = True
                break
            if isinstance(stmt, syn.BaseStatement):
                outer, self.here = self.here, stmt
                state = self.stmt(stmt, state)
                self.here = outer
            else:
                state = self.stmt(stmt, state)
        return state

    def stmt(self, node: syn.CSTNode, state: State) -> State:
        if isinstance(node, (syn.SimpleStatementLine, syn.SimpleStatementSuite)):
            for small in node.body:
                if not state.alive:
                    break
                state = self.small(small, state)
            return state
        if isinstance(node, syn.BaseSmallStatement):
            # The body of a one-line suite (``if x: y = 1; z()``) is its small statements.
            return self.small(node, state)
        if isinstance(node, syn.If):
            return self.s_if(node, state)
        if isinstance(node, syn.For):
            return self.s_for(node, state)
        if isinstance(node, syn.While):
            return self.s_while(node, state)
        if isinstance(node, (syn.Try, syn.TryStar)):
            return self.s_try(node, state)
        if isinstance(node, syn.With):
            for item in node.items:
                v = self.eval(item.item, state)
                if item.asname is not None:
                    self.bind(item.asname.name, v, state)
            return self.block(suite(node.body), state)
        if isinstance(node, syn.Match):
            return self.s_match(node, state)
        if isinstance(node, syn.FunctionDef):
            ref = self.engine.nested(self.module, self.fn.qualname if self.fn else None, node.name.value)
            state.put(node.name.value, Value(obj=Obj(ObjKind.FUNCTION, ref.key)) if ref is not None else CLEAN)
            return state
        if isinstance(node, syn.ClassDef):
            state.put(node.name.value, CLEAN)
        return state

    def small(self, node: syn.BaseSmallStatement, state: State) -> State:
        if isinstance(node, syn.Expr):
            return self.expr_stmt(node.value, state)
        if isinstance(node, syn.Assign):
            value = self.eval(node.value, state)
            for target in node.targets:
                self.bind(target.target, value, state)
            return state
        if isinstance(node, syn.AnnAssign):
            if node.value is not None:
                self.bind(node.target, self.eval(node.value, state), state)
            return state
        if isinstance(node, syn.AugAssign):
            value = self.eval(node.value, state)
            current = self.eval(node.target, state)
            self.bind(node.target, augmented(current, value), state)
            return state
        if isinstance(node, syn.Return):
            if node.value is not None and isinstance(node.value, _TESTS):
                # `return re.fullmatch(P, x)`: a caller's `if helper(x):` proves what the test does.
                self.returning = True  # a returned value is no use of the identity in a test
                try:
                    t, f, value = self.refine(node.value, state)
                finally:
                    self.returning = False
                self.found.exits.append((t.copy(), True))
                self.found.exits.append((f.copy(), False))
                self.returned(value, state, node.value, record=False)
                return state
            value = self.eval(node.value, state) if node.value is not None else CLEAN
            self.returned(value, state, node.value)
            return state
        if isinstance(node, syn.Raise):
            if node.exc is not None:
                self.eval(node.exc, state)
            self.leave(state)
            return state
        if isinstance(node, syn.Break):
            if self.loops:
                self.loops[-1].breaks.append(state.copy())
            state.alive = False
            return state
        if isinstance(node, syn.Continue):
            if self.loops:
                self.loops[-1].continues.append(state.copy())
            state.alive = False
            return state
        if isinstance(node, syn.Assert):
            t, _, _ = self.refine(node.test, state)
            return t
        if isinstance(node, syn.Del):
            # A denylist: deleting a key does not make a mapping the server's. It does take that
            # field out of a whole record (``del doc["password_hash"]``), and nothing else.
            targets = node.target.elements if isinstance(node.target, syn.Tuple) else [node.target]
            for target in targets:
                expr = target.value if isinstance(target, syn.Element) else target
                if isinstance(expr, syn.Subscript):
                    self.remove_item(expr, state)
            return state
        return state

    def remove_item(self, target: syn.Subscript, state: State) -> None:
        """``del x[key]``: a record held by x loses that field (an unnamed key: some field)."""
        base_key = self.path_key(target.value)
        if base_key is None or len(target.slice) != 1 or not isinstance(target.slice[0].slice, syn.Index):
            return
        current = state.env.get(base_key)
        if current is None or not current.records:
            return
        field_name = self.eval(target.slice[0].slice.value, state).literal
        state.put(base_key, without_fields(current, frozenset({field_name if field_name is not None else ANY_FIELD})))

    def returned(self, value: Value, state: State, node: Optional[syn.BaseExpression], record: bool = True) -> None:
        if node is not None and self.ref is not None and records_in(value):
            # What a handler returns is its response: the rules judge a whole record sent back.
            self.emit(Returned(site=self.site(node), value=Arg(value, self.site(node)), function=self.ref.key), state)
        self.found.returns.append(value)
        self.found.returned_reads |= value.reads
        leaked = value.reads & state.pending
        if leaked:
            self.found.returned_pending |= leaked
        if record:
            self.found.exits.append((state.copy(), _truth(node)))
        if node is not None and not (isinstance(node, syn.Name) and node.value == "None"):
            self.leave(state)  # returning a response ends the request (a hook's return None does not)
        else:
            state.alive = False

    def expr_stmt(self, expr: syn.BaseExpression, state: State) -> State:
        inner = expr.expression if isinstance(expr, syn.Await) else expr
        if isinstance(inner, syn.Call):
            info = self.evaluate_call(inner, state)  # type: ignore[attr-defined]
            found = self.engine.semantics.statement(info.name) if info.project is None or info.name else None
            if found is not None and state.alive:
                for arg in info.callsite.positional:
                    if found.owns_args:
                        self.mark_owned(arg.node, state)
                    if found.validates_args:
                        self.mark_validated(arg.node, state)
                if found.authed:
                    state.authed = True
            return state
        self.eval(expr, state)
        return state

    # ------------------------------------------------------------------ compound statements
    def s_if(self, node: syn.If, state: State) -> State:
        t, f, _ = self.refine(node.test, state)
        t = self.block(suite(node.body), t)
        orelse = node.orelse
        if isinstance(orelse, syn.If):
            f = self.s_if(orelse, f)
        elif isinstance(orelse, syn.Else):
            f = self.block(suite(orelse.body), f)
        return join_states([t, f])

    def loop(self, state: State, turn) -> State:  # type: ignore[no-untyped-def]
        """Run ``turn(head) -> (end, exit)`` until the head state is stable; only the last turn's
        findings are kept (earlier turns saw less)."""
        head = state
        saved = self.found.snapshot()
        exits: List[State] = []
        for i in range(LOOP_TURNS + LOOP_TURNS_WIDENED):
            self.found = saved.snapshot()
            frame = _Loop()
            self.loops.append(frame)
            end, exit_state = turn(head.copy())
            self.loops.pop()
            exits = [exit_state] + frame.breaks
            back = [s for s in [end] + frame.continues if s.alive]
            new_head = join_states([head] + back) if back else head
            if new_head.same(head) or self.truncated:
                break
            head = _widened(new_head) if i + 1 >= LOOP_TURNS else new_head
        return join_states(exits)

    def s_for(self, node: syn.For, state: State) -> State:
        iterable = self.eval(node.iter, state)
        item = self.iter_item(iterable)  # type: ignore[attr-defined]
        ends: List[Optional[Value]] = []  # the loop variable where each path of the last turn ends

        def turn(head: State):  # type: ignore[no-untyped-def]
            body = head.copy()
            self.bind(node.target, item, body)
            end = self.block(suite(node.body), body)
            if item.records and isinstance(node.target, syn.Name):
                frame = self.loops[-1]
                ends[:] = [s.env.get(node.target.value) for s in [end] + frame.continues + frame.breaks]
            return end, head  # the loop may run no more turns: it exits from its head

        out = self.loop(state, turn)
        if ends:
            self.removed_from_each(node.iter, item, ends, out)
        if node.orelse is not None:
            out = self.block(suite(node.orelse.body), out)
        return out

    def removed_from_each(self, iterable: syn.BaseExpression, item: Value, ends: List[Optional[Value]],
                          state: State) -> None:
        """``for doc in docs: doc.pop("password_hash")``: the items are the records the list holds,
        so a field the body removes from the loop variable is gone from the list's records too (on
        some path is enough, as where paths join: the code dealt with that field)."""
        reads = frozenset(r.read for r in item.records)
        removed: FrozenSet[str] = EMPTY
        for end in ends:
            for record in end.records if end is not None else ():
                if record.read in reads:
                    removed = removed | record.removed
        key = self.path_key(iterable)
        current = state.env.get(key) if key is not None else None
        if removed and current is not None:
            state.put(key, without_fields(current, removed, reads))  # type: ignore[arg-type]

    def s_while(self, node: syn.While, state: State) -> State:
        def turn(head: State):  # type: ignore[no-untyped-def]
            t, f, _ = self.refine(node.test, head)
            end = self.block(suite(node.body), t)
            return end, f

        out = self.loop(state, turn)
        if node.orelse is not None:
            out = self.block(suite(node.orelse.body), out)
        return out

    def s_try(self, node: syn.BaseCompoundStatement, state: State) -> State:
        caught: FrozenSet = EMPTY
        for handler in node.handlers:  # type: ignore[attr-defined]
            caught = caught | self.exception_kinds(handler.type)
        self.caught_stack.append(caught)
        before = state.copy()
        body_end = self.block(suite(node.body), state)  # type: ignore[attr-defined]
        self.caught_stack.pop()
        reached = body_end.copy()
        reached.alive = True
        if node.orelse is not None and body_end.alive:  # type: ignore[attr-defined]
            body_end = self.block(suite(node.orelse.body), body_end)  # type: ignore[attr-defined]
        outs = [body_end]
        for handler in node.handlers:  # type: ignore[attr-defined]
            # The exception may come from anywhere in the body.
            h_state = join_states([before, reached])
            h_state = h_state.copy()
            if handler.name is not None:
                self.bind(handler.name.name, CLEAN, h_state)
            outs.append(self.block(suite(handler.body), h_state))
        out = join_states(outs)
        final = node.finalbody  # type: ignore[attr-defined]
        if final is not None:
            was_alive = out.alive
            out = out.copy()
            out.alive = True
            out = self.block(suite(final.body), out)
            out.alive = out.alive and was_alive
        return out

    def exception_kinds(self, type_expr: Optional[syn.BaseExpression]) -> FrozenSet:
        if type_expr is None:
            return self.engine.semantics.caught(None)
        if isinstance(type_expr, syn.Tuple):
            out: FrozenSet = EMPTY
            for el in type_expr.elements:
                out = out | self.exception_kinds(el.value)
            return out
        name = simple_name(type_expr)
        return self.engine.semantics.caught(name) if name else EMPTY

    def s_match(self, node: syn.Match, state: State) -> State:
        subject = self.eval(node.subject, state)
        outs = []
        for case in node.cases:
            s = state.copy()
            if isinstance(case.pattern, syn.MatchAs) and case.pattern.name is not None:
                self.bind(case.pattern.name, subject, s)
            outs.append(self.block(suite(case.body), s))
        outs.append(state)
        return join_states(outs)

    # ------------------------------------------------------------------ binding
    def bind(self, target: syn.BaseExpression, value: Value, state: State) -> None:
        if isinstance(target, syn.Name):
            self.set_path(target.value, value, state)
        elif isinstance(target, (syn.Tuple, syn.List)):
            elements = target.elements
            if value.elements is not None and len(value.elements) == len(elements) and \
                    not any(isinstance(e, syn.StarredElement) for e in elements):
                for el, v in zip(elements, value.elements):
                    self.bind(el.value, v.value, state)
            else:
                item = item_of(value) if (value.kinds or value.identity or value.doc or value.elements) else value.derived()
                for el in elements:
                    self.bind(el.value, item, state)
        elif isinstance(target, syn.StarredElement):
            self.bind(target.value, value, state)
        elif isinstance(target, syn.Subscript):
            self.bind_item(target, value, state)
        elif isinstance(target, syn.Attribute):
            key = dotted(target)
            if key is not None:
                self.set_path(key, value, state)
            if self.engine.is_store(self.module, target.value):
                old = self.found.g_writes.get(target.attr.value)
                self.found.g_writes[target.attr.value] = value if old is None else join(old, value)

    def bind_item(self, target: syn.Subscript, value: Value, state: State) -> None:
        """``x[key] = value``: the entry replaces the one of the same key; a client-chosen key makes
        the whole dict a client mapping (a copy loop with no allowlist)."""
        base_key = self.path_key(target.value)
        if base_key is None or len(target.slice) != 1 or not isinstance(target.slice[0].slice, syn.Index):
            return
        key_expr = target.slice[0].slice.value
        key_value = self.dict_key(key_expr, state)  # type: ignore[attr-defined]
        current = state.env.get(base_key)
        if current is None:
            current = self.eval(target.value, state)
        if current.obj is not None or current.const:
            return
        entry = Entry(string_value(key_expr), key_value, value, self.site(target), self.site(key_expr))
        if current.records and key_value.literal is not None and value.const:
            # ``doc["password_hash"] = None``: a literal masks the stored field. Any other value
            # (``str(doc["_id"])``, a fresh hash) is still what the field holds.
            current = without_fields(current, frozenset({key_value.literal}))
        shape = set_entry(current.shape, entry) if current.shape is not None else None
        kinds = current.kinds
        if key_value.client_key:
            # A client-chosen key makes the whole dict a client mapping (a copy loop).
            kinds = kinds | {Kind.MAPPING} | (value.kinds & {Kind.JSON})
            shape = None
        state.put(base_key, current.with_(shape=shape, kinds=kinds,
                                          origin=current.origin or key_value.origin or value.origin,
                                          trace=current.trace or key_value.trace or value.trace,
                                          reads=current.reads | value.reads))
        state.drop_paths(base_key + "[")

    def set_path(self, key: str, value: Value, state: State) -> None:
        state.put(key, value)
        state.drop_paths(key + ".")
        state.drop_paths(key + "[")

    def path_key(self, expr: syn.BaseExpression) -> Optional[str]:
        """The env key for a name or an access path (``body["id"]``, ``self.x``)."""
        if isinstance(expr, syn.Name):
            return expr.value
        if isinstance(expr, syn.Attribute):
            return dotted(expr)
        if isinstance(expr, (syn.Subscript, syn.Call)):
            return code_of(expr)
        return None


_TESTS = (syn.Comparison, syn.Call, syn.UnaryOperation, syn.BooleanOperation)


def _truth(node: Optional[syn.BaseExpression]) -> Optional[bool]:
    """Whether a returned expression is a true value: known for constants, else None."""
    if node is None:
        return False
    if isinstance(node, syn.Name) and node.value in ("True", "False", "None"):
        return node.value == "True"
    if isinstance(node, syn.Integer):
        return node.evaluated_value != 0
    if isinstance(node, (syn.SimpleString, syn.Dict, syn.List, syn.Tuple)):
        return None
    return None


def augmented(current: Value, value: Value) -> Value:
    """``x += v``."""
    if current.elements is not None and value.elements is not None:
        return current.with_(elements=current.elements + value.elements, kinds=current.kinds | value.kinds,
                             reads=current.reads | value.reads, origin=current.origin or value.origin,
                             trace=current.trace or value.trace)
    if current.kinds or value.kinds:
        if current.is_client_mapping or value.is_client_mapping:
            return current.derived(kinds=current.kinds | value.kinds)
        return text_of([current, value])
    return current


def _widened(state: State) -> State:
    out = state.copy()
    out.replace_env({k: widen(v) for k, v in state.env.items()})
    return out
