"""The rule registry: the single source for --list-rules, --explain, SARIF metadata and docs."""
from __future__ import annotations

from typing import Dict, Tuple, Type

from flaskmongo_lint.rules.base import Report, Rule

ALL_RULES: Tuple[Type[Rule], ...] = ()

# Codes that are not rules but are reported by the runner itself.
META_CODES: Dict[str, str] = {
    "FM000": "internal error while analysing this file (please report it)",
    "FM001": "the file could not be parsed",
}


def rules_by_code() -> Dict[str, Type[Rule]]:
    return {rule.code: rule for rule in ALL_RULES}


__all__ = ["ALL_RULES", "META_CODES", "Report", "Rule", "rules_by_code"]
