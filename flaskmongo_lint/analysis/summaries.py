"""A function's frozen result, for a given set of abstract arguments.

A summary says what a call gives its caller: the value it returns, the events found in it and in
what it calls, and its effects (it uses the identity, it turns the anonymous away, it always
leaves, it stores values in ``g``, it proves its parameters are the caller's own ...). Summaries
are memoised on the full abstract arguments, so whichever caller asks first, every caller gets the
same answer; nothing mutates one once it is made.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import FrozenSet, Tuple

from flaskmongo_lint.analysis.events import Placed
from flaskmongo_lint.analysis.lattice import CLEAN, EMPTY, Site, Value, join


@dataclass(frozen=True)
class ViewCall:
    """A call of the view a project decorator wraps: in which state, with which arguments."""

    authed: bool
    privileged: bool
    identity_positions: Tuple[int, ...]  # positional arguments that are the caller's identity


@dataclass(frozen=True)
class Summary:
    returns: Value = CLEAN
    always_leaves: bool = False
    events: Tuple[Placed, ...] = ()
    uses_identity: bool = False  # the identity is used in a query, a comparison or a guard
    enforces_auth: bool = False  # it leaves when nobody is signed in (or calls what does)
    checked: FrozenSet[Site] = EMPTY  # reads whose document it checks for ownership
    returned_pending: FrozenSet[Site] = EMPTY  # unchecked reads whose document it returns
    returned_reads: FrozenSet[Site] = EMPTY  # reads whose documents reach a return
    g_writes: Tuple[Tuple[str, Value], ...] = ()  # values it stores in the request globals
    view_calls: Tuple[ViewCall, ...] = ()  # calls of the wrapped view (decorator wrappers)
    # What every normal exit proves of a parameter (it is the caller's own, a valid id, a string ...),
    # and what the exits that return a true value prove (``if not looks_like_email(x): abort()``).
    proven: Tuple[Tuple[str, Value], ...] = ()
    proven_if_true: Tuple[Tuple[str, Value], ...] = ()
    # Fields it removes from the whole records a parameter holds (``def strip(doc): doc.pop("pw")``):
    # the caller's argument loses them too.
    removed: Tuple[Tuple[str, FrozenSet[str]], ...] = ()
    truncated: bool = False  # a budget ran out somewhere in it
    steps: int = 0

    def same_result(self, other: "Summary") -> bool:
        """Whether a recursion approximation is stable (what callers read of it)."""
        return self.returns == other.returns and self.always_leaves == other.always_leaves and \
            self.proven == other.proven and self.proven_if_true == other.proven_if_true and self.removed == other.removed

    def joined(self, other: "Summary") -> "Summary":
        """The approximation of a recursive function after one more round: everything either round found."""
        return Summary(
            returns=join(self.returns, other.returns),
            always_leaves=self.always_leaves and other.always_leaves,
            events=other.events,
            uses_identity=self.uses_identity or other.uses_identity,
            enforces_auth=self.enforces_auth or other.enforces_auth,
            checked=self.checked | other.checked,
            returned_pending=self.returned_pending | other.returned_pending,
            returned_reads=self.returned_reads | other.returned_reads,
            g_writes=other.g_writes,
            view_calls=other.view_calls,
            proven=tuple(p for p in self.proven if p in other.proven),
            proven_if_true=tuple(p for p in self.proven_if_true if p in other.proven_if_true),
            removed=tuple(p for p in self.removed if p in other.removed),
            truncated=self.truncated or other.truncated,
            steps=other.steps,
        )


# What a recursive call sees of a function whose first round is still running.
BOTTOM = Summary()
# What a call sees when a budget forbids following it.
UNKNOWN = Summary(truncated=True)
