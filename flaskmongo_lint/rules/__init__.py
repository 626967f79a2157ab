"""The rule registry: the single source for --list-rules, --explain, SARIF metadata and docs.

The codes the linter reports itself (FM000-FM002) are described in report/meta.py.
"""
from __future__ import annotations

from typing import Dict, Tuple, Type

from flaskmongo_lint.rules.base import Report, Rule, RuleContext
from flaskmongo_lint.rules.exposure import ExcessiveDataExposure
from flaskmongo_lint.rules.injection import (
    ClientQueryStructure, OperatorInjection, RegexInjection, ServerSideJavaScript,
)
from flaskmongo_lint.rules.mass_assignment import (
    ClientUpdateDocument, InsertClientDocument, MassAssignment, ReplaceWithClientData,
)
from flaskmongo_lint.rules.objectid import UnguardedObjectId
from flaskmongo_lint.rules.owner_scope import ClientSuppliedOwner, UnauthenticatedWrite, UnscopedRead, UnscopedWrite

ALL_RULES: Tuple[Type[Rule], ...] = (
    UnscopedRead,
    UnscopedWrite,
    ClientSuppliedOwner,
    UnauthenticatedWrite,
    MassAssignment,
    ClientUpdateDocument,
    ReplaceWithClientData,
    InsertClientDocument,
    UnguardedObjectId,
    OperatorInjection,
    ClientQueryStructure,
    ServerSideJavaScript,
    RegexInjection,
    ExcessiveDataExposure,
)


def rules_by_code() -> Dict[str, Type[Rule]]:
    return {rule.code: rule for rule in ALL_RULES}


__all__ = ["ALL_RULES", "Report", "Rule", "RuleContext", "rules_by_code"]
