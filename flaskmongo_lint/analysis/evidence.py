"""What the analysis learns about each collection across an application, as plain data: which are
per-owner and which public (ownership evidence, FM101-FM104), and which secret fields each stores
(FM401). The rules read it; the project builds it (analysis/project.py, analysis/stored.py).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Dict, List, Set, Tuple

from flaskmongo_lint.analysis.lattice import Site

# (application key, collection) -> {secret field path: the first place that shows it is stored}
Secrets = Dict[Tuple[str, str], Dict[str, Site]]


@dataclass
class Evidence:
    """Ownership evidence per (application, collection)."""

    per_owner: Dict[Tuple[str, str], List[Site]] = field(default_factory=dict)
    public: Set[Tuple[str, str]] = field(default_factory=set)
    authenticated_apps: Set[str] = field(default_factory=set)
    secrets: Secrets = field(default_factory=dict)  # the secret fields each collection stores (FM401)


def evidence_keys(app: str, module: str) -> Tuple[str, ...]:
    """The application keys the stored-field evidence of a root (of application ``app``, in
    ``module``) counts for: its application, and its top-level package (so a function no handler
    reaches, such as a seed script in the package, still tells what a collection stores)."""
    unit = f"unit:{module.split('.')[0]}"
    return (app,) if app == unit else (app, unit)


__all__ = ["Evidence", "Secrets", "evidence_keys"]
