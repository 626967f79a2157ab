"""The vocabulary between the interpreter and the models: an evaluated call, and what it gives.

The interpreter evaluates a call's arguments into a :class:`CallSite` and asks the models what the
call means; a model answers with an :class:`Outcome` (the result value, and the call's effects on
the walk: events, leaving, refined arguments ...) or, for a call used as an ``if`` test, with a
:class:`TestOutcome` (what holds when the test is true or false).
"""
from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from typing import FrozenSet, Optional, Sequence, Tuple, Union

from flaskmongo_lint import syntax as syn

from flaskmongo_lint.analysis.events import Caught, Event
from flaskmongo_lint.analysis.lattice import CLEAN, EMPTY, Obj, ObjKind, Site, Value


@dataclass(eq=True, unsafe_hash=True)  # immutable by convention (built for every argument of every call)
class ArgVal:
    """One evaluated argument of a call."""

    value: Value
    node: syn.BaseExpression
    site: Site
    keyword: Optional[str] = None
    star: str = ""  # "", "*" or "**"


@dataclass(eq=True, unsafe_hash=True)  # immutable by convention
class CallSite:
    """An evaluated call: where it is, its arguments, and the context of the walk there."""

    site: Site
    args: Tuple[ArgVal, ...]
    caught: FrozenSet[Caught] = EMPTY

    @cached_property
    def positional(self) -> Tuple[ArgVal, ...]:
        return tuple(a for a in self.args if a.keyword is None and not a.star)

    def keyword(self, name: str) -> Optional[ArgVal]:
        for a in self.args:
            if a.keyword == name:
                return a
        return None

    def argument(self, index: Optional[int], name: Optional[str] = None) -> Optional[ArgVal]:
        """Argument by keyword ``name`` or at position ``index``."""
        if name is not None:
            found = self.keyword(name)
            if found is not None:
                return found
        if index is None:
            return None
        pos = self.positional
        return pos[index] if index < len(pos) else None

    @property
    def first(self) -> Optional[Value]:
        pos = self.positional
        return pos[0].value if pos else None


@dataclass(frozen=True)
class Outcome:
    """What a call gives: its value, and its effects on the walk."""

    value: Value
    events: Tuple[Event, ...] = ()
    leaves: bool = False  # the call never returns (abort(), sys.exit())
    refine: Tuple[Tuple[int, Value], ...] = ()  # positional argument index -> its value from now on
    receiver: Optional[Value] = None  # the receiver's value from now on (``x.append(v)``)
    pending: FrozenSet[Site] = EMPTY  # reads whose unchecked document this result carries
    identity_use: bool = False  # the call uses an identity (a query scoped by it ...)
    enforces_auth: bool = False  # the call raises unless a credential came with the request
    validates: Tuple[int, ...] = ()  # positional arguments this result validates (falsy: valid)


@dataclass(frozen=True)
class TestOutcome:
    """What a call used as a test proves on each branch."""

    when_true: Tuple[Tuple[int, Value], ...] = ()  # positional argument index -> refined value
    when_false: Tuple[Tuple[int, Value], ...] = ()
    owns_args: bool = False  # true branch: the arguments belong to the caller (authorization)
    validates_args: bool = False  # true branch: the mappings passed are validated
    privileged: bool = False  # true branch: the caller holds a role
    authed: bool = False  # true branch: somebody is signed in


def unknown(args: Sequence[Union[ArgVal, Value]], base: Optional[Value] = None, foreign: bool = False) -> Value:
    """The result of a call the analysis knows nothing about.

    Client data does not flow through it, but provenance does (for the "returned before it was
    checked" question), and so does identity: ``load_user(current_user.id)`` is still the caller.
    """
    reads = base.reads if base is not None else EMPTY
    inputs = []
    for a in args:
        v = a.value if isinstance(a, ArgVal) else a
        reads = reads | v.reads
        if v.kinds or v.identity or v.doc or v.reads:
            inputs.append(v)
    identity = bool(inputs) and all(v.identity for v in inputs)
    obj = Obj(ObjKind.FOREIGN) if foreign else None
    if not reads and not identity and obj is None:
        return CLEAN
    return Value(reads=reads, identity=identity, obj=obj)


__all__ = ["ArgVal", "CallSite", "Outcome", "TestOutcome", "unknown"]
