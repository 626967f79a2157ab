"""Guards: what an ``if`` test (or an ``assert``, or a check called as a statement) proves.

``refine`` splits a state into the state where the test is true and the one where it is false.
Ownership guards (a client value or a fetched document compared with the identity, an
authorization function), ``ObjectId.is_valid``, positive ``isinstance`` checks, allowlist
membership, validators and role tests each add their fact to the branch where it holds; the flow
walk then drops branches that leave, so a guard's fact holds for everything it dominates.

``Guards`` is a part of :class:`flaskmongo_lint.analysis.flow.Walker`, kept apart so that the
expression walk and the guard logic each read on their own; it relies on the walker's ``eval``,
``path_key``, ``is_objectid``, ``facts``, ``settings``, ``params`` and ``a`` (the module analysis).
"""
from __future__ import annotations

import re
from typing import TYPE_CHECKING, List, Optional, Tuple

import libcst as cst

from flaskmongo_lint.analysis.module import simple_name, string_value
from flaskmongo_lint.analysis.state import State, join_states
from flaskmongo_lint.analysis.values import CLIENT_MAPPINGS, NUMBER, OPAQUE, TEXT, Value

if TYPE_CHECKING:  # pragma: no cover
    from flaskmongo_lint.analysis.engine import ModuleAnalysis
    from flaskmongo_lint.analysis.module import ModuleFacts
    from flaskmongo_lint.settings import AnalysisSettings

_ROLE_WORD = re.compile(r"(?i)admin|role|staff|superuser|super_user|is_super|permission|moderator|privilege|scope")
TYPE_OK = {"str": TEXT, "int": NUMBER, "float": NUMBER, "bool": NUMBER, "ObjectId": OPAQUE, "UUID": OPAQUE, "bytes": TEXT}
_CODE_MODULE = cst.Module(body=[])


def code_of(node: cst.CSTNode) -> str:
    return _CODE_MODULE.code_for_node(node)


class Guards:
    a: "ModuleAnalysis"
    facts: "ModuleFacts"
    settings: "AnalysisSettings"
    params: dict

    def eval(self, node: Optional[cst.BaseExpression], state: State) -> Value:  # pragma: no cover - Walker's
        raise NotImplementedError

    def path_key(self, expr: cst.BaseExpression) -> Optional[str]:  # pragma: no cover - Walker's
        raise NotImplementedError

    def is_objectid(self, expr: cst.BaseExpression) -> bool:  # pragma: no cover - Walker's
        raise NotImplementedError

    def refine(self, test: cst.BaseExpression, state: State) -> Tuple[State, State]:
        """The states in which ``test`` is true and false."""
        if isinstance(test, cst.UnaryOperation) and isinstance(test.operator, cst.Not):
            t, f = self.refine(test.expression, state)
            return f, t
        if isinstance(test, cst.BooleanOperation):
            if isinstance(test.operator, cst.And):
                t1, f1 = self.refine(test.left, state)
                t2, f2 = self.refine(test.right, t1.copy())
                return t2, join_states([f1, f2])
            t1, f1 = self.refine(test.left, state)
            t2, f2 = self.refine(test.right, f1.copy())
            return join_states([t1, t2]), f2
        t, f = state.copy(), state.copy()
        if isinstance(test, cst.Comparison) and len(test.comparisons) == 1:
            self.refine_comparison(test, t, f)
        elif isinstance(test, cst.Call):
            self.refine_call(test, t, f)
        elif isinstance(test, (cst.Name, cst.Attribute, cst.Subscript)):
            value = self.eval(test, state)
            if value.is_doc and value.scoped_lookup:
                self.own_fetched_by(value, t)
            if value.identity and _ROLE_WORD.search(code_of(test)):
                t.privileged = True
        return t, f

    def refine_comparison(self, test: cst.Comparison, t: State, f: State) -> None:
        comp = test.comparisons[0]
        op = comp.operator
        left, right = test.left, comp.comparator
        lv, rv = self.eval(left, t), self.eval(right, t)
        positive = isinstance(op, (cst.Equal, cst.Is, cst.In))
        negative = isinstance(op, (cst.NotEqual, cst.IsNot, cst.NotIn))
        if not (positive or negative):
            return
        yes, no = (t, f) if positive else (f, t)  # yes: the state where they are equal / contained
        if lv.is_client and (rv.literal is not None or self.constant_collection(right)) and \
                isinstance(op, (cst.Equal, cst.NotEqual, cst.In, cst.NotIn)):
            # Compared with constants: from here on it is one of them, not free client text.
            key = self.path_key(left)
            if key is not None:
                yes.env[key] = Value(origin=lv.origin)
            return
        # Not-found check of an owner-scoped lookup: `if project is None: abort(404)`.
        if isinstance(op, (cst.Is, cst.IsNot, cst.Equal, cst.NotEqual)) and is_none(right) and lv.is_doc and lv.scoped_lookup:
            self.own_fetched_by(lv, no)
            return
        # Ownership guard: a client value (or a fetched document) compared with an identity.
        if lv.identity and not rv.identity and (rv.is_client or has_doc(rv) or rv.kinds):
            self.mark_owned(right, yes)
        elif rv.identity and not lv.identity and (lv.is_client or has_doc(lv) or lv.kinds):
            self.mark_owned(left, yes)
        # Role test: `g.user["role"] != "admin"`, `"admin" in current_user.roles`.
        if (lv.identity and _ROLE_WORD.search(code_of(left)) and rv.literal is not None) or \
                (rv.identity and _ROLE_WORD.search(code_of(right)) and lv.literal is not None):
            yes.privileged = True

    def refine_call(self, call: cst.Call, t: State, f: State) -> None:
        func = call.func
        name = simple_name(func)
        args = [a.value for a in call.args]
        if name == "is_valid" and isinstance(func, cst.Attribute) and self.is_objectid(func.value) and args:
            key = self.path_key(args[0])
            if key is not None:
                current = self.eval(args[0], t)
                t.env[key] = current.with_(oid_valid=True)
            return
        if name == "isinstance" and len(args) == 2:
            kind = self.positive_type(args[1])
            key = self.path_key(args[0])
            if kind is not None and key is not None:
                current = self.eval(args[0], t)
                if current.kinds:
                    t.env[key] = current.with_(kinds=frozenset({kind}), shape=None)
            return
        if name and _ROLE_WORD.search(name) and (not args or any(self.eval(a, t).identity for a in args)):
            t.privileged = True  # `if not is_admin(current_user): abort(403)`
            return
        if name and self.settings.matches("authz_functions", name):
            for arg in args:
                self.mark_owned(arg, t)
            return
        if name and self.settings.matches("validator_functions", name):
            for arg in args:
                self.mark_validated(arg, t)
            return
        if isinstance(func, cst.Attribute):
            base = self.eval(func.value, t)
            if base.identity and _ROLE_WORD.search(code_of(call)):
                t.privileged = True

    def constant_collection(self, expr: cst.BaseExpression) -> bool:
        """A literal set/list/tuple/dict of constants, or a module-level name bound to one."""
        if isinstance(expr, cst.Name) and expr.value in self.facts.assignments and expr.value not in self.params:
            expr = self.facts.assignments[expr.value]
        if isinstance(expr, cst.Call) and simple_name(expr.func) in ("frozenset", "set", "tuple", "list") and expr.args:
            expr = expr.args[0].value
        if isinstance(expr, (cst.Set, cst.List, cst.Tuple)):
            return all(string_value(e.value) is not None or isinstance(e.value, (cst.Integer, cst.Float))
                       for e in expr.elements)
        if isinstance(expr, cst.Dict):
            return all(isinstance(e, cst.DictElement) and string_value(e.key) is not None for e in expr.elements)
        return False

    def positive_type(self, expr: cst.BaseExpression) -> Optional[str]:
        names: List[Optional[str]]
        if isinstance(expr, cst.Tuple):
            names = [simple_name(e.value) for e in expr.elements]
        else:
            names = [simple_name(expr)]
        kinds = [TYPE_OK.get(n or "") for n in names]
        if not kinds or any(k is None for k in kinds):
            return None
        return TEXT if TEXT in kinds else kinds[0]

    def mark_owned(self, expr: cst.BaseExpression, state: State) -> None:
        """``expr`` was shown to belong to the caller: trust it (and what fetched it) from here on."""
        subject = strip_conversions(expr)
        if isinstance(subject, cst.Call) and isinstance(subject.func, cst.Name) and subject.args:
            # `owner_of(doc["user_id"]) != me`: the check is about what the helper was given.
            for arg in subject.args:
                value = self.eval(arg.value, state)
                if value.kinds or value.is_doc or value.reads:
                    self.mark_owned(arg.value, state)
            return
        base = base_name(subject)
        if base is not None:
            value = state.env.get(base)
            if value is not None and (value.is_doc or value.reads and not value.kinds):
                state.env[base] = value.with_(owned=True, scoped_lookup=True)
                self.a.mark_checked(value.reads)
                state.pending = state.pending - value.reads
                self.own_fetched_by(value, state)
                return
        key = self.path_key(subject)
        if key is None:
            return
        value = self.eval(subject, state)
        state.env[key] = value.with_(owned=True)

    def own_fetched_by(self, doc: Value, state: State) -> None:
        for name in doc.fetched_by:
            value = state.env.get(name)
            if value is not None and value.kinds:
                state.env[name] = value.with_(owned=True)

    def mark_validated(self, expr: cst.BaseExpression, state: State) -> None:
        key = self.path_key(expr)
        if key is None:
            return
        value = self.eval(expr, state)
        if value.kinds & CLIENT_MAPPINGS:
            state.env[key] = value.with_(kinds=value.kinds - CLIENT_MAPPINGS, shape=None)


def is_none(expr: cst.BaseExpression) -> bool:
    return isinstance(expr, cst.Name) and expr.value == "None"


def has_doc(v: Value) -> bool:
    return v.is_doc or bool(v.reads)


def strip_conversions(expr: cst.BaseExpression) -> cst.BaseExpression:
    """``str(x)`` / ``ObjectId(x)`` / ``int(x)`` -> ``x``: the value a guard is really about."""
    while isinstance(expr, cst.Call) and isinstance(expr.func, (cst.Name, cst.Attribute)) and len(expr.args) == 1:
        name = simple_name(expr.func)
        if name in ("str", "int", "ObjectId", "UUID", "Oid", "oid", "float") or (name and name[0].isupper()):
            expr = expr.args[0].value
        else:
            break
    return expr


def base_name(expr: cst.BaseExpression) -> Optional[str]:
    """``doc["owner"]["id"]`` / ``doc.get("owner")`` / ``doc.owner`` -> ``doc``."""
    node = expr
    while True:
        if isinstance(node, cst.Subscript):
            node = node.value
        elif isinstance(node, cst.Attribute):
            node = node.value
        elif isinstance(node, cst.Call) and isinstance(node.func, cst.Attribute):
            node = node.func.value
        else:
            break
    return node.value if isinstance(node, cst.Name) else None
