"""What every surface needs to know about a code, from the one registry (rules + meta codes)."""
from __future__ import annotations

from dataclasses import dataclass
from typing import List, Optional

from flaskmongo_lint.rules import ALL_RULES, META_CODES, rules_by_code

# Names and severities for the codes the runner reports itself (the registry only describes them).
_META_NAMES = {"FM000": "internal-error", "FM001": "parse-error"}


@dataclass(frozen=True)
class CodeInfo:
    code: str
    name: str
    severity: str  # "error" or "warning"
    cwe: Optional[int]
    summary: str
    explanation: str


def code_info(code: str) -> Optional[CodeInfo]:
    """Metadata for a rule or meta code, None for an unknown code."""
    rule = rules_by_code().get(code)
    if rule is not None:
        return CodeInfo(
            code=rule.code,
            name=rule.name,
            severity=rule.severity,
            cwe=rule.cwe,
            summary=rule.summary,
            explanation=rule.explanation(),
        )
    if code in META_CODES:
        summary = META_CODES[code]
        return CodeInfo(code, _META_NAMES.get(code, "meta"), "error", None, summary, summary)
    return None


def all_codes() -> List[CodeInfo]:
    """Every code: the meta codes first, then the rules in code order."""
    codes = sorted(META_CODES) + sorted(rule.code for rule in ALL_RULES)
    return [info for info in (code_info(c) for c in codes) if info is not None]
