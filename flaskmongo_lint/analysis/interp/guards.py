"""Guards: what a test proves on each of its branches.

``refine`` evaluates a test once and splits the state into the one where it is true and the one
where it is false. Ownership guards (a client value or a fetched document compared with the
identity, an authorization function), not-found checks of owner-scoped lookups (``is None``,
``not doc``, a count that is zero), allowlist comparisons, validity and type checks the models
know, role tests and "somebody is signed in" tests each add their fact to the branch where it
holds; the statement walk drops branches that leave, so a guard's fact holds for everything it
dominates.
"""
from __future__ import annotations

from typing import Optional, Tuple

from flaskmongo_lint import syntax as syn

from flaskmongo_lint.analysis.syntaxutil import base_name, is_none, simple_name, string_value
from flaskmongo_lint.analysis.interp.base import WalkerBase
from flaskmongo_lint.analysis.interp.state import State, join_states
from flaskmongo_lint.analysis.lattice import CONST, Value
from flaskmongo_lint.analysis.transfer import TestOutcome

_POSITIVE = (syn.Equal, syn.Is, syn.In)
_NEGATIVE = (syn.NotEqual, syn.IsNot, syn.NotIn)


class Guards(WalkerBase):
    def refine(self, test: syn.BaseExpression, state: State) -> Tuple[State, State, Value]:
        """Evaluate ``test`` in ``state``; the states where it is true and false, and its value."""
        if isinstance(test, syn.UnaryOperation) and isinstance(test.operator, syn.Not):
            t, f, _ = self.refine(test.expression, state)
            return f, t, CONST
        if isinstance(test, syn.BooleanOperation):
            t1, f1, left = self.refine(test.left, state)
            if isinstance(test.operator, syn.And):
                t2, f2, right = self.refine(test.right, t1.copy())
                return t2, join_states([f1, f2]), right
            t2, f2, right = self.refine(test.right, f1.copy())
            return join_states([t1, t2]), f2, left
        if isinstance(test, syn.Await):
            return self.refine(test.expression, state)
        if isinstance(test, syn.NamedExpr):
            value = self.eval(test.value, state)
            self.bind(test.target, value, state)
            return self.refine(test.target, state)
        if isinstance(test, syn.Comparison):
            if len(test.comparisons) == 1:
                return self.refine_comparison(test, state)
            self.eval(test.left, state)
            for c in test.comparisons:
                self.eval(c.comparator, state)
            return state.copy(), state.copy(), CONST
        if isinstance(test, syn.Call):
            return self.refine_call(test, state)
        value = self.eval(test, state)
        t, f = state.copy(), state.copy()
        self.truthiness(test, value, t, f)
        return t, f, value

    def truthiness(self, test: syn.BaseExpression, value: Value, t: State, f: State) -> None:
        """``if x:`` with x of this value."""
        if (value.doc or value.count) and value.scoped:
            self.own_fetched_by(value, t)  # found by an owner-scoped lookup
        if (value.identity or value.from_store) and not self.returning:
            self.uses_identity = self.uses_identity or value.identity
            present, absent = (f, t) if value.anonymous else (t, f)
            present.authed = True
            absent.anonymous = True
        if self.engine.semantics.role_test(value, test):
            t.privileged = True
        if value.validates:
            for key in value.validates:  # `errors = schema.validate(body)`: no errors, body is valid
                current = f.env.get(key)
                if current is not None:
                    f.put(key, self.validated(current))

    # ------------------------------------------------------------------ comparisons
    def refine_comparison(self, test: syn.Comparison, state: State) -> Tuple[State, State, Value]:
        comp = test.comparisons[0]
        op = comp.operator
        left, right = test.left, comp.comparator
        lv, rv = self.eval(left, state), self.eval(right, state)
        t, f = state.copy(), state.copy()
        if (lv.identity or rv.identity) and not self.returning:
            self.uses_identity = True
        positive = isinstance(op, _POSITIVE)
        if not (positive or isinstance(op, _NEGATIVE)):
            self.count_check(lv, op, right, t, f)
            return t, f, CONST
        yes, no = (t, f) if positive else (f, t)  # yes: where they are equal / contained
        if isinstance(op, (syn.In, syn.NotIn)):
            found = self.engine.semantics.membership(lv, rv)
            if found is not None:
                self.apply_test(found, (), yes, no)
                return t, f, CONST
        if lv.is_client and (rv.const or self.engine.constant_container(self.module, right)) and \
                not is_none(right) and isinstance(op, (syn.Equal, syn.NotEqual, syn.In, syn.NotIn)):
            # Compared with constants: from here on it is one of them, not free client text.
            key = self.path_key(left)
            if key is not None:
                yes.put(key, Value(origin=lv.origin, const=True, literal=rv.literal))
            return t, f, CONST
        if is_none(right) or is_none(left):
            subject = lv if is_none(right) else rv
            if (subject.doc or subject.count) and subject.scoped:
                self.own_fetched_by(subject, no)  # `if project is None: abort(404)`
            if subject.identity or subject.from_store:
                no.authed = True  # `if user is None: abort(401)`: signed in past it
                yes.anonymous = True
            return t, f, CONST
        self.count_check(lv, op, right, t, f)
        # Ownership guard: a client value (or a fetched document) compared with an identity.
        if lv.identity and not rv.identity and (rv.kinds or rv.doc or rv.reads):
            self.mark_owned(right, yes)
            yes.authed = True
        elif rv.identity and not lv.identity and (lv.kinds or lv.doc or lv.reads):
            self.mark_owned(left, yes)
            yes.authed = True
        # Role test: `g.user["role"] != "admin"`, `permission in get_jwt()["permissions"]`.
        if (self.engine.semantics.role_test(lv, left) and not rv.is_client) or \
                (self.engine.semantics.role_test(rv, right) and not lv.is_client):
            yes.privileged = True
        return t, f, CONST

    def count_check(self, value: Value, op: syn.BaseCompOp, bound: syn.BaseExpression, t: State, f: State) -> None:
        """``if coll.count_documents({"_id": pid, "owner": me}) == 0: abort(404)``."""
        if not (value.count and value.scoped):
            return
        number = _integer(bound)
        if number is None:
            return
        if isinstance(op, syn.Equal) and number == 0 or isinstance(op, syn.LessThan) and number <= 1 or \
                isinstance(op, syn.LessThanEqual) and number == 0:
            self.own_fetched_by(value, f)
        elif isinstance(op, syn.NotEqual) and number == 0 or isinstance(op, syn.GreaterThan) and number == 0 or \
                isinstance(op, syn.GreaterThanEqual) and number == 1:
            self.own_fetched_by(value, t)

    # ------------------------------------------------------------------ calls
    def refine_call(self, call: syn.Call, state: State) -> Tuple[State, State, Value]:
        info = self.evaluate_call(call, state)  # type: ignore[attr-defined]
        t, f = state.copy(), state.copy()
        if any(a.value.identity for a in info.callsite.args) and not self.returning:
            self.uses_identity = True
        found = self.engine.semantics.test(info.qualname, info.name, info.base, info.callsite)
        if found is not None:
            self.apply_test(found, info.callsite.positional, t, f)
        else:
            self.truthiness(call, info.value, t, f)
        if info.summary is not None and info.given is not None:
            self.prove(info.summary.proven_if_true, info.given, t)  # type: ignore[attr-defined]
        return t, f, info.value

    def apply_test(self, found: TestOutcome, args, t: State, f: State) -> None:  # type: ignore[no-untyped-def]
        for branch, refinements in ((t, found.when_true), (f, found.when_false)):
            for index, value in refinements:
                if index < len(args):
                    key = self.path_key(args[index].node)
                    if key is not None:
                        branch.put(key, value)
        if found.owns_args:
            for a in args:
                self.mark_owned(a.node, t)
        if found.validates_args:
            for a in args:
                self.mark_validated(a.node, t)
        if found.privileged:
            t.privileged = True
        if found.authed:
            t.authed = True

    # ------------------------------------------------------------------ facts
    def mark_owned(self, expr: syn.BaseExpression, state: State) -> None:
        """``expr`` was shown to belong to the caller: trust it (and what fetched it) from here on."""
        subject = strip_conversions(expr)
        if isinstance(subject, syn.Call) and isinstance(subject.func, syn.Name) and subject.args:
            # `owner_of(doc["user_id"]) != me`: the check is about what the helper was given.
            for arg in subject.args:
                value = self.eval(arg.value, state)
                if value.kinds or value.doc or value.reads:
                    self.mark_owned(arg.value, state)
            return
        base = base_name(subject)
        if base is not None:
            value = state.env.get(base)
            if value is not None and (value.doc or (value.reads and not value.kinds)):
                state.put(base, value.with_(owned=True, scoped=True))
                self.found.checked |= value.reads
                state.pending = state.pending - value.reads
                self.own_fetched_by(value, state)
                return
        key = self.path_key(subject)
        if key is None:
            return
        value = self.eval(subject, state)
        state.put(key, value.with_(owned=True))

    def own_fetched_by(self, doc: Value, state: State) -> None:
        for name in doc.fetched_by:
            value = state.env.get(name)
            if value is not None and value.kinds:
                state.put(name, value.with_(owned=True))

    def mark_validated(self, expr: syn.BaseExpression, state: State) -> None:
        key = self.path_key(expr)
        if key is None:
            return
        state.put(key, self.validated(self.eval(expr, state)))

    def validated(self, value: Value) -> Value:
        return self.engine.validated(value)


def strip_conversions(expr: syn.BaseExpression) -> syn.BaseExpression:
    """``str(x)`` / ``ObjectId(x)`` / ``int(x)`` -> ``x``: the value a guard is really about."""
    while isinstance(expr, syn.Call) and isinstance(expr.func, (syn.Name, syn.Attribute)) and len(expr.args) == 1:
        name = simple_name(expr.func)
        if name in ("str", "int", "float") or (name and name[0].isupper()):
            expr = expr.args[0].value
        else:
            break
    return expr


def _integer(node: syn.BaseExpression) -> Optional[int]:
    if isinstance(node, syn.Integer):
        return node.evaluated_value
    return None


__all__ = ["Guards", "strip_conversions", "string_value"]
