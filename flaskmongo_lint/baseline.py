"""Baselines: record today's findings once, report only new ones afterwards.

A baseline is a JSON file listing findings by fingerprint (see fingerprints.py). The code, path,
line and message stored next to each fingerprint are for people reading the file in a review;
only the fingerprint is matched. Because a fingerprint numbers identical twins in a file, a new
copy of a baselined problem has a fingerprint of its own and is reported.

The file is written sorted and without timestamps, so rewriting it after fixing some findings
gives a diff that shows exactly which ones went away.
"""
from __future__ import annotations

import json
import os
from dataclasses import dataclass
from typing import Any, FrozenSet, List, Sequence, Tuple

from flaskmongo_lint.config import ConfigError
from flaskmongo_lint.files import relative_to_root
from flaskmongo_lint.findings import Finding
from flaskmongo_lint.fingerprints import FINGERPRINT_VERSION

FORMAT_KEY = "flaskmongo-lint-baseline"
FORMAT_VERSION = 1
# Never recorded and never hidden: an internal error means the file was not checked.
NEVER_BASELINED = frozenset({"FM000"})


@dataclass(frozen=True)
class Baseline:
    path: str
    fingerprints: FrozenSet[str]

    def split(self, findings: Sequence[Finding]) -> Tuple[List[Finding], List[Finding]]:
        """(reported, hidden): the findings not in the baseline, and those it hides."""
        reported: List[Finding] = []
        hidden: List[Finding] = []
        for finding in findings:
            if finding.code not in NEVER_BASELINED and finding.fingerprint and finding.fingerprint in self.fingerprints:
                hidden.append(finding)
            else:
                reported.append(finding)
        return reported, hidden


def recordable(findings: Sequence[Finding]) -> List[Finding]:
    """The findings a baseline records: all but internal errors."""
    return [f for f in findings if f.code not in NEVER_BASELINED]


def write(path: str, findings: Sequence[Finding], root: str) -> int:
    """Write a baseline of ``findings`` to ``path``; returns how many it records."""
    entries = sorted(
        (
            {
                "fingerprint": f.fingerprint,
                "code": f.code,
                "path": relative_to_root(f.path, root),
                "line": f.line,
                "message": f.message,
            }
            for f in recordable(findings)
            if f.fingerprint
        ),
        key=lambda e: (e["path"], e["line"], e["code"], e["fingerprint"]),
    )
    document = {
        FORMAT_KEY: FORMAT_VERSION,
        "fingerprint-version": FINGERPRINT_VERSION,
        "findings": entries,
    }
    try:
        with open(path, "w", encoding="utf-8") as handle:
            json.dump(document, handle, indent=2)
            handle.write("\n")
    except OSError as exc:
        raise ConfigError(f"cannot write baseline {path}: {exc.strerror or exc}") from exc
    return len(entries)


def load(path: str) -> Baseline:
    """Read a baseline file; a ConfigError (exit 2) names what is wrong with it."""
    shown = _display(path)
    try:
        with open(path, encoding="utf-8") as handle:
            document: Any = json.load(handle)
    except OSError as exc:
        raise ConfigError(f"cannot read baseline {shown}: {exc.strerror or exc}") from exc
    except ValueError as exc:
        raise ConfigError(f"baseline {shown} is not valid JSON: {' '.join(str(exc).split())}") from exc
    if not isinstance(document, dict) or document.get(FORMAT_KEY) != FORMAT_VERSION:
        raise ConfigError(f"{shown} is not a flaskmongo-lint baseline (write one with --write-baseline)")
    if document.get("fingerprint-version") != FINGERPRINT_VERSION:
        raise ConfigError(
            f"baseline {shown} was written with fingerprint version {document.get('fingerprint-version')!r}, "
            f"this is version {FINGERPRINT_VERSION!r}: rewrite it with --write-baseline"
        )
    entries = document.get("findings")
    if not isinstance(entries, list) or not all(
        isinstance(e, dict) and isinstance(e.get("fingerprint"), str) for e in entries
    ):
        raise ConfigError(f"baseline {shown}: 'findings' must be a list of objects with a 'fingerprint'")
    return Baseline(path, frozenset(e["fingerprint"] for e in entries))


def _display(path: str) -> str:
    rel = os.path.relpath(os.path.abspath(path))
    return path if rel.startswith(os.pardir) else rel
