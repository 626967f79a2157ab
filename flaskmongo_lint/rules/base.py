"""What a rule is: metadata plus one check over an occurrence of an event.

A rule never walks syntax itself. The analysis turns each handler into events (a MongoDB call
with its arguments already abstracted into values, an ``ObjectId()`` call with the exceptions
caught around it), each reached from a root (a handler, with its authentication, its privilege
and its application), and a rule asks those occurrences the questions its paragraph in the spec
asks.
"""
from __future__ import annotations

import inspect
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, ClassVar, Dict, FrozenSet, Iterator, List, Optional, Tuple

from flaskmongo_lint.analysis.events import Caught, Event, Operation, Placed
from flaskmongo_lint.analysis.evidence import Evidence
from flaskmongo_lint.analysis.lattice import Site, Step
from flaskmongo_lint.analysis.scope import ScopeDecision, decide, is_per_owner, is_public
from flaskmongo_lint.analysis.views import FilterView, filter_of, filters_of
from flaskmongo_lint.settings import AnalysisSettings

if TYPE_CHECKING:  # the rules' metadata (for reports) must load without the syntax tree and the interpreter
    from flaskmongo_lint.analysis.project import Root


@dataclass(frozen=True)
class Occurrence:
    """One event as reached from one root."""

    placed: Placed
    root: Root

    @property
    def event(self) -> Event:
        return self.placed.event

    @property
    def privileged(self) -> bool:
        return self.placed.privileged or self.root.privileged

    @property
    def caught(self) -> FrozenSet[Caught]:
        return self.placed.caught


@dataclass
class RuleContext:
    """Project-wide facts a rule may ask about while judging one occurrence."""

    settings: AnalysisSettings
    evidence: Evidence = field(default_factory=Evidence)
    _filters: Dict[int, Tuple[Operation, Optional[FilterView]]] = field(default_factory=dict)
    _all_filters: Dict[int, Tuple[Operation, List[FilterView]]] = field(default_factory=dict)
    # The last occurrence's scope decision: the owner-scope rules ask it in turn for one occurrence.
    _scope: Optional[Tuple[Placed, Root, ScopeDecision]] = None

    def scope(self, occ: "Occurrence") -> ScopeDecision:
        """The scope verdict of an operation's occurrence (the one the route map shows)."""
        last = self._scope
        if last is not None and last[0] is occ.placed and last[1] is occ.root:
            return last[2]
        op = occ.event
        assert isinstance(op, Operation)
        found = decide(op, occ.root, self.evidence, self.settings, self.filter(op))
        self._scope = (occ.placed, occ.root, found)
        return found

    def filter(self, op: Operation) -> Optional[FilterView]:
        cached = self._filters.get(id(op))
        if cached is None or cached[0] is not op:
            cached = (op, filter_of(op))
            self._filters[id(op)] = cached
        return cached[1]

    def filters(self, op: Operation) -> List[FilterView]:
        """Every filter of ``op`` (each ``$match`` of a pipeline), for the injection rules."""
        cached = self._all_filters.get(id(op))
        if cached is None or cached[0] is not op:
            cached = (op, filters_of(op))
            self._all_filters[id(op)] = cached
        return cached[1]

    def public(self, app: str, collection: Optional[str]) -> bool:
        return is_public(self.evidence, self.settings, app, collection)

    def per_owner(self, app: str, collection: Optional[str]) -> bool:
        return is_per_owner(self.evidence, app, collection)

    def owner_evidence(self, app: str, collection: Optional[str]) -> Tuple[Site, ...]:
        if collection is None:
            return ()
        return tuple(self.evidence.per_owner.get((app, collection), ()))


@dataclass(frozen=True)
class Report:
    """A rule's answer: where (the site to point at), what, how sure, and the way there."""

    site: Site
    message: str
    confidence: Optional[str] = None
    trace: Tuple[Step, ...] = ()  # from the client source to the sink
    related: Tuple[Site, ...] = ()  # other places that explain the finding
    related_note: str = "a query that scopes this collection by its owner"  # what those places are


class Rule:
    """Base class. Subclasses set the metadata and implement :meth:`check`.

    The class docstring is the rule's documentation (``--explain``): what it does, why it is bad,
    an example, and the fix, in that order.
    """

    code: ClassVar[str]
    name: ClassVar[str]
    severity: ClassVar[str]  # "error" or "warning"
    cwe: ClassVar[int]
    summary: ClassVar[str]  # one line, for --list-rules and SARIF shortDescription

    def check(self, occ: Occurrence, ctx: RuleContext) -> Iterator[Report]:
        raise NotImplementedError

    @classmethod
    def explanation(cls) -> str:
        return inspect.cleandoc(cls.__doc__ or "")
