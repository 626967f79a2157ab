"""Calls: finding what is called, and folding its result and effects into the walk.

A call of a function of the project is followed through its frozen summary (any module; methods
through ``self`` and instances of project classes; nested functions with their enclosing
variables). Whatever else is asked of the models; a call nobody knows returns no client data (a
parser, a schema, a formatter: its result is not the request's text) but keeps provenance, and the
identity when all it was given is the identity (``load_user(current_user.id)``).
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Dict, List, Optional, Tuple

from flaskmongo_lint import syntax as syn

from flaskmongo_lint.analysis.syntaxutil import dotted
from flaskmongo_lint.analysis.facts import FunctionFacts, ParamKind
from flaskmongo_lint.analysis.index import Ref, RefKind
from flaskmongo_lint.analysis.interp.base import WalkerBase
from flaskmongo_lint.analysis.summaries import ViewCall
from flaskmongo_lint.analysis.interp.state import State
from flaskmongo_lint.analysis.lattice import (
    CLEAN, EMPTY, Entry, Element, Obj, ObjKind, Value, item_of, join, join_all, without_fields,
)
from flaskmongo_lint.analysis.transfer import ArgVal, CallSite, Outcome, unknown

STATIC, CLASS_METHOD = "staticmethod", "classmethod"  # Python's own decorators


@dataclass(frozen=True)
class CallInfo:
    """An evaluated call: its value and what was called (for guards and statement-level checks)."""

    value: Value
    callsite: CallSite
    qualname: Optional[str] = None  # an imported callee's qualified name
    name: Optional[str] = None  # the callee's simple name
    base: Optional[Value] = None  # the receiver of a method call
    project: Optional[Ref] = None  # the project function called
    summary: Optional[object] = None  # its summary
    given: Optional[Dict[str, ArgVal]] = None  # the argument each of its parameters came from


class Calls(WalkerBase):
    def e_call(self, node: syn.Call, state: State) -> Value:
        return self.evaluate_call(node, state).value

    def eval_args(self, node: syn.Call, state: State) -> Tuple[ArgVal, ...]:
        out = []
        for a in node.args:
            value = self.eval(a.value, state)
            star = a.star if isinstance(a.star, str) else ""
            out.append(ArgVal(value, a.value, self.site(a.value), a.keyword.value if a.keyword else None, star))
        return tuple(out)

    def evaluate_call(self, node: syn.Call, state: State) -> CallInfo:
        func = node.func
        args = self.eval_args(node, state)
        cs = CallSite(self.site(node), args, self.caught)
        if isinstance(func, syn.Attribute):
            return self.method_call(node, func, cs, state)
        if isinstance(func, syn.Name):
            name = func.value
            local = state.env.get(name)
            if local is None:
                local = self.closure.get(name)
            if local is not None:
                return self.call_value(local, cs, state, name)
            ref = self.engine.resolve(self.module, name)
            if ref is not None:
                return self.call_ref(ref, cs, state, name)
            out = self.engine.semantics.builtin(name, cs)
            if out is not None:
                return CallInfo(self.apply(out, cs, state), cs, None, name)
            return CallInfo(unknown(args), cs, None, name)
        callee = self.eval(func, state)
        return self.call_value(callee, cs, state, None)

    # ------------------------------------------------------------------ what is called
    def call_value(self, callee: Value, cs: CallSite, state: State, name: Optional[str]) -> CallInfo:
        obj = callee.obj
        if obj is not None:
            if obj.kind in (ObjKind.FUNCTION, ObjKind.CLASS) and obj.ref:
                module, _, qual = obj.ref.partition(":")
                kind = RefKind.FUNCTION if obj.kind is ObjKind.FUNCTION else RefKind.CLASS
                return self.call_ref(Ref(kind, module, qual), cs, state, name, obj.get("self"))
            if obj.kind is ObjKind.VIEW:
                positions = tuple(i for i, a in enumerate(cs.positional) if a.value.identity)
                self.found.view_calls.append(ViewCall(state.authed, state.privileged, positions))
                return CallInfo(CLEAN, cs, None, name)
        return CallInfo(unknown(cs.args), cs, None, name)

    def call_ref(self, ref: Ref, cs: CallSite, state: State, name: Optional[str],
                 self_value: Optional[Value] = None) -> CallInfo:
        if ref.kind is RefKind.FUNCTION:
            return self.call_project(ref, cs, state, self_value)
        if ref.kind is RefKind.CLASS:
            return CallInfo(Value(obj=Obj(ObjKind.INSTANCE, ref.key)), cs, None, ref.last)
        if ref.kind is RefKind.BINDING:
            value = self.engine.ref_value(ref)
            if value.obj is not None and value.obj.kind in (ObjKind.FUNCTION, ObjKind.CLASS):
                return self.call_value(value, cs, state, name)
            return CallInfo(unknown(cs.args), cs, None, name)
        if ref.kind is RefKind.EXTERNAL:
            out = self.engine.semantics.call(ref.name, cs)
            if out is not None:
                return CallInfo(self.apply(out, cs, state), cs, ref.name, ref.last)
            return CallInfo(unknown(cs.args, foreign=True), cs, ref.name, ref.last)
        return CallInfo(unknown(cs.args), cs, None, name)

    def method_call(self, node: syn.Call, func: syn.Attribute, cs: CallSite, state: State) -> CallInfo:
        name = func.attr.value
        text = dotted(func)
        head = text.split(".")[0] if text else None
        external: Optional[str] = None
        if head is not None and head not in state.env and head not in self.closure:
            ref = self.engine.resolve_dotted(self.module, text)  # type: ignore[arg-type]
            if ref is not None and ref.kind in (RefKind.FUNCTION, RefKind.CLASS):
                return self.call_ref(ref, cs, state, name)
            if ref is not None and ref.kind is RefKind.EXTERNAL:
                external = ref.name
                out = self.engine.semantics.call(ref.name, cs)
                if out is not None:
                    return CallInfo(self.apply(out, cs, state), cs, ref.name, name)
        info = self._method_of_value(func, name, cs, state)
        return info if external is None else CallInfo(info.value, cs, external, name, info.base, info.project)

    def _method_of_value(self, func: syn.Attribute, name: str, cs: CallSite, state: State) -> CallInfo:
        base = self.eval(func.value, state)
        obj = base.obj
        if obj is not None and obj.kind is ObjKind.MODULE and obj.ref:
            ref = self.engine.index.resolve_name(obj.ref, name)
            if ref is not None:
                return self.call_ref(ref, cs, state, name)
        if obj is not None and obj.kind in (ObjKind.CLASS, ObjKind.INSTANCE) and obj.ref:
            module, _, qual = obj.ref.partition(":")
            method = self.engine.index.method_of(Ref(RefKind.CLASS, module, qual), name)
            if method is not None:
                self_value = base if obj.kind is ObjKind.INSTANCE else None
                return self.call_project(method, cs, state, self_value)
        if obj is not None and obj.kind is ObjKind.MODEL:
            out = self.engine.semantics.method(base, name, cs)
            if out is not None:
                return CallInfo(self.apply(out, cs, state, func.value), cs, None, name, base)
        else:
            out = self.engine.semantics.value_method(base, name, cs)
            if out is not None:
                return CallInfo(self.apply(out, cs, state, func.value), cs, None, name, base)
        if base.identity:
            return CallInfo(base.derived(kinds=EMPTY, identity=True), cs, None, name, base)
        if base.kinds or base.doc:
            return CallInfo(unknown(cs.args, base.derived(kinds=EMPTY)), cs, None, name, base)
        return CallInfo(unknown(cs.args, foreign=obj is not None and obj.kind is ObjKind.FOREIGN), cs, None, name, base)

    # ------------------------------------------------------------------ effects
    def apply(self, out: Outcome, cs: CallSite, state: State, receiver: Optional[syn.BaseExpression] = None) -> Value:
        """Fold a model's answer into the walk."""
        for event in out.events:
            self.emit(event, state)
        pos = cs.positional
        for index, value in out.refine:
            if index < len(pos):
                key = self.path_key(pos[index].node)
                if key is not None:
                    state.put(key, value)
        if out.receiver is not None and receiver is not None:
            key = self.path_key(receiver)
            if key is not None:
                state.put(key, out.receiver)
        if out.pending:
            state.pending = state.pending | out.pending
        if out.identity_use:
            self.uses_identity = True
        if out.enforces_auth:
            self.enforces_auth = True
            state.authed = True
        value = out.value
        if out.validates:
            keys = frozenset(k for k in (self.path_key(pos[i].node) for i in out.validates if i < len(pos)) if k)
            value = value.with_(validates=keys)
        if out.leaves:
            self.leave(state)
        return value

    def call_project(self, ref: Ref, cs: CallSite, state: State, self_value: Optional[Value]) -> CallInfo:
        fn = self.engine.index.function(ref)
        if fn is None:
            return CallInfo(unknown(cs.args), cs, None, ref.last)
        params, given = self.bind_params(ref, fn, cs, self_value)
        closure = self.closure_for(ref, fn, state)
        summary = self.engine.call(ref, params, closure)
        priv = state.privileged
        caught = self.caught
        for placed in summary.events:
            self.found.add(placed.under(caught, priv))
        if summary.returned_pending:
            state.pending = state.pending | summary.returned_pending
        self.found.checked |= summary.checked
        if summary.uses_identity:
            self.uses_identity = True
        if summary.enforces_auth:
            self.enforces_auth = True
            state.authed = True
        for attr, value in summary.g_writes:
            old = self.found.g_writes.get(attr)
            self.found.g_writes[attr] = value if old is None else join(old, value)
        self.prove(summary.proven, given, state)
        for pname, fields in summary.removed:
            arg = given.get(pname)
            key = self.path_key(arg.node) if arg is not None else None
            current = state.env.get(key) if key is not None else None
            if current is not None and current.records:
                state.put(key, without_fields(current, fields))  # type: ignore[arg-type]
        if summary.truncated:
            self.truncated = True
        if summary.always_leaves:
            self.leave(state)
        return CallInfo(summary.returns, cs, None, fn.name, self_value, ref, summary, given)

    def prove(self, proven, given: Dict[str, ArgVal], state: State) -> None:  # type: ignore[no-untyped-def]
        """Past a call (or on the true branch of ``if f(x):``), what the callee proved of its
        parameters holds of the arguments they came from."""
        for pname, value in proven:
            arg = given.get(pname)
            if arg is None:
                continue
            if value.owned and not arg.value.owned:
                self.mark_owned(arg.node, state)
            key = self.path_key(arg.node)
            current = state.env.get(key) if key is not None else None
            if key is not None and current is not None and current.kinds:
                state.put(key, current.with_(kinds=value.kinds, owned=current.owned or value.owned,
                                             oid_valid=current.oid_valid or value.oid_valid,
                                             regex_safe=current.regex_safe or value.regex_safe))

    def bind_params(self, ref: Ref, fn: FunctionFacts, cs: CallSite,
                    self_value: Optional[Value]) -> Tuple[Dict[str, Value], Dict[str, ArgVal]]:
        """The values of the callee's parameters, and the argument each came from."""
        positional = [p for p in fn.params if p.kind is ParamKind.POSITIONAL]
        keyword_only = [p.name for p in fn.params if p.kind is ParamKind.KEYWORD_ONLY]
        var_pos = next((p.name for p in fn.params if p.kind is ParamKind.VAR_POSITIONAL), None)
        var_kw = next((p.name for p in fn.params if p.kind is ParamKind.VAR_KEYWORD), None)
        out: Dict[str, Value] = {}
        given: Dict[str, ArgVal] = {}
        names = [p.name for p in positional]
        if fn.cls is not None and names:
            kinds = {d.call.target for d in fn.decorators if not d.called}
            if STATIC in kinds:
                pass
            elif CLASS_METHOD in kinds:
                out[names[0]] = Value(obj=Obj(ObjKind.CLASS, f"{ref.module}:{fn.cls}"))
                names = names[1:]
            elif self_value is not None:
                out[names[0]] = self_value
                names = names[1:]
        index = 0
        extra_pos: List[Value] = []
        extra_kw: List[Tuple[str, ArgVal]] = []
        spread: List[Value] = []
        for arg in cs.args:
            value = arg.value
            if value.kinds:
                value = value.passed(cs.site, f"passed to {fn.name}()")
            if arg.star == "*":
                items = [e.value for e in value.elements or ()] or [item_of(value)]
                for item in items:
                    if index < len(names):
                        out[names[index]] = item
                        index += 1
                    else:
                        extra_pos.append(item)
                continue
            if arg.star == "**":
                spread.append(value)
                continue
            if arg.keyword is not None:
                if arg.keyword in names or arg.keyword in keyword_only:
                    out[arg.keyword] = value
                    given[arg.keyword] = arg
                else:
                    extra_kw.append((arg.keyword, arg))
            elif index < len(names):
                out[names[index]] = value
                given[names[index]] = arg
                index += 1
            else:
                extra_pos.append(value)
        for p in fn.params:
            if p.name in out or p.kind not in (ParamKind.POSITIONAL, ParamKind.KEYWORD_ONLY):
                continue
            from_spread = [_key_of(s, p.name) for s in spread]
            out[p.name] = join_all(from_spread) if from_spread else self.engine.default_value(ref, p.name)
        if var_pos is not None:
            out[var_pos] = Value(elements=tuple(Element(v, cs.site) for v in extra_pos),
                                 kinds=join_all(extra_pos).kinds if extra_pos else EMPTY)
        if var_kw is not None:
            shape = tuple(Entry(k, CLEAN, a.value, a.site) for k, a in extra_kw)
            merged = join_all(spread) if spread else CLEAN
            out[var_kw] = merged.with_(shape=shape) if merged.kinds else Value(shape=shape)
        return out, given

    def closure_for(self, ref: Ref, fn: FunctionFacts, state: State) -> Dict[str, Value]:
        """The enclosing variables a nested function sees: the current function's when it is
        defined in it, the shared ones when it is a sibling."""
        if fn.parent is None or self.fn is None or ref.module != self.module:
            return {}
        free = self.engine.free_names(ref)
        if fn.parent == self.fn.qualname:
            env = {**self.closure, **state.env}
        elif fn.parent == self.fn.parent:
            env = self.closure
        else:
            return {}
        return {k: v for k, v in env.items() if k in free}


def _key_of(spread: Value, name: str) -> Value:
    for e in spread.shape or ():
        if e.key == name:
            return e.value
    return item_of(spread) if spread.kinds else CLEAN
