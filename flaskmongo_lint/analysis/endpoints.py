"""Per-handler records: what each endpoint is, who may call it, and which documents it touches.

Read off the project analysis the rules use, nothing re-derived: a handler root already carries
its authentication (decorator, injected identity, ``before_request`` hook or identity use), its
privilege and the events of everything it reaches in any module (composed along the calls, each
with the role guards before it). Each MongoDB operation among them gets the scope decision of
:func:`flaskmongo_lint.analysis.scope.decide`, the one FM101-FM104 report from.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import List, Tuple

from flaskmongo_lint.analysis.events import Operation, OpKind, Placed
from flaskmongo_lint.analysis.index import Handler, HandlerKind
from flaskmongo_lint.analysis.project import ProjectResult, Root
from flaskmongo_lint.analysis.scope import ScopeDecision, decide
from flaskmongo_lint.settings import AnalysisSettings

ROLE_TEST = "role test"
SOME_ROLE_TEST = "role test (some operations)"


@dataclass(frozen=True)
class OperationRecord:
    """One MongoDB operation a handler reaches, with its scope decision."""

    placed: Placed
    decision: ScopeDecision

    @property
    def op(self) -> Operation:
        assert isinstance(self.placed.event, Operation)
        return self.placed.event


@dataclass(frozen=True)
class HandlerRecord:
    """An endpoint: its handler and root, how it is authenticated and privileged (``""``: it is
    not), and the operations it reaches, in the order the analysis met them."""

    root: Root
    authentication: str
    privilege: str
    operations: Tuple[OperationRecord, ...]

    @property
    def handler(self) -> Handler:
        assert self.root.handler is not None
        return self.root.handler


def is_endpoint(root: Root) -> bool:
    """A root a client calls: a route, a view method or a Socket.IO event (not a hook, not a
    function no handler reaches)."""
    return root.handler is not None and root.handler.kind is not HandlerKind.HOOK


def handler_records(result: ProjectResult, settings: AnalysisSettings) -> List[HandlerRecord]:
    """One record per endpoint of the project, in the roots' order (module, qualname)."""
    out = []
    for root in result.roots:
        if not is_endpoint(root):
            continue
        operations = tuple(
            OperationRecord(placed, decide(placed.event, root, result.evidence, settings))
            for placed in root.summary.events
            # A cursor modifier (``.sort(spec)``) is part of the read it modifies, not one of its own.
            if isinstance(placed.event, Operation) and placed.event.op is not OpKind.CURSOR
        )
        out.append(HandlerRecord(root, root.auth, privilege(root), operations))
    return out


def privilege(root: Root) -> str:
    """The role decorator, else a role test the analysis saw before every event (``if not
    current_user.is_admin: abort(403)``), or before some of them; ``""`` when there is none."""
    if root.privilege:
        return root.privilege
    events = root.summary.events
    if events and all(p.privileged for p in events):
        return ROLE_TEST
    if any(p.privileged for p in events):
        return SOME_ROLE_TEST
    return ""


__all__ = ["HandlerRecord", "OperationRecord", "handler_records", "is_endpoint", "privilege"]
