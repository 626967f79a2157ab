"""What a rule is: metadata plus one check over the analysis' events.

A rule never walks syntax itself. The analysis turns each function into events (a MongoDB call with
its arguments already abstracted into values, an ``ObjectId()`` call with its guards) and a rule asks
those events the questions its paragraph in the spec asks.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, ClassVar, FrozenSet, Iterator, Optional

import libcst as cst

from flaskmongo_lint.settings import AnalysisSettings

if TYPE_CHECKING:  # pragma: no cover - typing only
    from flaskmongo_lint.analysis.events import Event


@dataclass(frozen=True)
class RuleContext:
    """Module-wide facts a rule may ask about while judging one event."""

    settings: AnalysisSettings
    scoped_collections: FrozenSet[str]  # collections some query scopes by owner (confidence: high)


@dataclass(frozen=True)
class Report:
    """A rule's answer: where (the node to point at), what, and how sure."""

    node: cst.CSTNode
    message: str
    confidence: Optional[str] = None


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

    def check(self, event: "Event", ctx: RuleContext) -> Iterator[Report]:
        raise NotImplementedError

    @classmethod
    def explanation(cls) -> str:
        import inspect

        return inspect.cleandoc(cls.__doc__ or "")
