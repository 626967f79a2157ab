"""What every surface needs to know about a code: the rules' registry plus the codes the linter
reports itself (FM000-FM002), which live here because they are the shell's, not the engine's."""
from __future__ import annotations

import functools
import inspect
from dataclasses import dataclass
from typing import Dict, List, Optional

from flaskmongo_lint import PROJECT_URL

# The rules (and with them the syntax tree and the analysis) are imported when a code is first described,
# not when a report module is: a run over files with no Flask code never needs them.

# Where docs/rules.md is published; SARIF's helpUri points at a section of it.
RULES_DOC_URL = f"{PROJECT_URL}/blob/main/docs/rules.md"


@dataclass(frozen=True)
class CodeInfo:
    code: str
    name: str
    severity: str  # "error", "warning" or "note"
    cwe: Optional[int]
    summary: str
    explanation: str  # the documentation, in the rules' docstring format (see docs.py)

    @property
    def anchor(self) -> str:
        """The id GitHub gives the code's heading in docs/rules.md ("## FM101 unscoped-read")."""
        return f"{self.code.lower()}-{self.name}"

    @property
    def help_uri(self) -> str:
        return f"{RULES_DOC_URL}#{self.anchor}"


_META: Dict[str, CodeInfo] = {
    info.code: info
    for info in (
        CodeInfo(
            "FM000", "internal-error", "error", None,
            "internal error while analysing this file (please report it)",
            """The linter failed on this file; please report it.

            **What it does.** Reports a file whose analysis raised an unexpected exception. The
            rest of the run goes on, and the exit status is 2 whatever ``--exit-zero`` says.

            **Why is this bad?** The file was not checked at all, so a clean report would be a lie.
            FM000 cannot be silenced by ``noqa``, ``per-file-ignores`` or a baseline for that reason.

            **Use instead**::

                flaskmongo-lint --verbose path/to/file.py

            prints the traceback: please report it with the smallest file that shows it.
            """,
        ),
        CodeInfo(
            "FM001", "parse-error", "error", None,
            "the file could not be read or parsed",
            """The file could not be read or parsed.

            **What it does.** Reports a file that is not valid Python 3 (at the place the parser
            gave up) or that cannot be read or decoded. Files that never mention Flask are not
            parsed at all, so they are never reported.

            **Why is this bad?** A file that does not parse is not analysed: whatever holes it has
            stay hidden.

            **Example**::

                from flask import Flask

                def broken(:
                    pass

            **Use instead.** Fix the syntax error, or leave the file out with ``extend-exclude``
            (Python 2 code, templates with a ``.py`` name).
            """,
        ),
        CodeInfo(
            "FM002", "unused-noqa", "note", None,
            "a noqa comment names FM codes that silence nothing (off unless selected)",
            """A ``# noqa: FMxxx`` comment that silences nothing.

            **What it does.** Reports the FM codes of a ``# noqa: CODES`` comment for which no
            finding of that code (or prefix) is reported in the comment's statement, like Ruff's
            RUF100. It is off by default: select it with ``--extend-select FM002`` or
            ``select = ["FM", "FM002"]`` (``FM`` alone does not turn it on). A bare ``# noqa``
            and codes of other tools (``E501``) are never reported, because they may be flake8's.
            Whether a noqa is used is judged on everything the rules found, before ``select`` and
            ``ignore``, so a noqa for a rule switched off in one run is not reported.

            **Why is this bad?** A stale ``noqa`` hides the next real finding on that line: after
            a fix, the comment that silenced the old problem silences the new one too.

            **Example**::

                note = db.notes.find_one({"_id": note_id, "owner_id": current_user.id})  # noqa: FM101

            **Use instead**::

                note = db.notes.find_one({"_id": note_id, "owner_id": current_user.id})
            """,
        ),
    )
}


def _rule_info(code: str) -> Optional[CodeInfo]:
    from flaskmongo_lint.rules import rules_by_code

    rule = rules_by_code().get(code)
    if rule is None:
        return None
    return CodeInfo(
        code=rule.code,
        name=rule.name,
        severity=rule.severity,
        cwe=rule.cwe,
        summary=rule.summary,
        explanation=rule.explanation(),
    )


@functools.lru_cache(maxsize=None)
def code_info(code: str) -> Optional[CodeInfo]:
    """Metadata for a rule or meta code, None for an unknown code."""
    meta = _META.get(code)
    if meta is not None:
        return CodeInfo(meta.code, meta.name, meta.severity, meta.cwe, meta.summary,
                        inspect.cleandoc(meta.explanation))
    return _rule_info(code)


def all_codes() -> List[CodeInfo]:
    """Every code: the meta codes first, then the rules in code order."""
    from flaskmongo_lint.rules import ALL_RULES

    codes = sorted(_META) + sorted(rule.code for rule in ALL_RULES)
    return [info for info in (code_info(c) for c in codes) if info is not None]


def lookup(code_or_name: str) -> Optional[CodeInfo]:
    """The code named by a code (any case: ``fm101``) or a rule name (``unscoped-read``)."""
    wanted = code_or_name.strip()
    found = code_info(wanted.upper())
    if found is not None:
        return found
    return next((info for info in all_codes() if info.name == wanted.lower()), None)
