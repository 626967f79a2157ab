"""Files in, findings out: parse a project's files, analyse them together, ask the rules, place
the findings."""
from __future__ import annotations

import sys
from dataclasses import dataclass, field
from typing import Any, Dict, Iterator, List, Sequence, Tuple

from flaskmongo_lint.analysis.project import ParsedModule, Project, ProjectResult, Root
from flaskmongo_lint.analysis.syntaxutil import code_of
from flaskmongo_lint.analysis.lattice import Site
from flaskmongo_lint.findings import Finding, FlowStep, Location, internal_error
from flaskmongo_lint.fingerprints import normalised_code
from flaskmongo_lint.modules import Namer, SourceFile
from flaskmongo_lint.parsing import Refused, decode, parse
from flaskmongo_lint.syntax import span
from flaskmongo_lint.rules import ALL_RULES
from flaskmongo_lint.rules.base import Occurrence, Report, RuleContext
from flaskmongo_lint.settings import AnalysisSettings

_RULES = tuple(rule() for rule in ALL_RULES)
DEEP_RECURSION = 20_000
_CONFIDENCE = {None: 0, "medium": 1, "high": 2}
# A finding of the first code makes one of the second at the same place redundant.
SUPERSEDES = {"FM104": "FM102"}


@dataclass
class ProjectFindings:
    """What analysing one group of files gave, per file."""

    findings: Dict[str, List[Finding]] = field(default_factory=dict)
    errors: Dict[str, Tuple[str, str]] = field(default_factory=dict)  # path -> (error, traceback)
    notes: List[str] = field(default_factory=list)


def check_files(files: Sequence[SourceFile], settings: AnalysisSettings, **project: Any) -> ProjectFindings:
    """Parse and analyse ``files`` as one project. FM001 for a file that does not parse; an
    internal error in one module is that module's FM000 (in ``errors``); others go on.
    ``project`` is passed to :class:`Project` (the order-independence test shuffles its walk)."""
    out = ProjectFindings({f.path: [] for f in files})
    limit = sys.getrecursionlimit()
    sys.setrecursionlimit(max(limit, DEEP_RECURSION))
    try:
        parsed, sources = parse_files(files, out)
        if not parsed:
            return out
        try:
            result = Project(parsed, settings, **project).run()
        except Exception as exc:  # noqa: BLE001 - a failure of the project as a whole: every file's FM000
            error = internal_error(exc)
            for m in parsed:
                out.errors[m.path] = error
            return out
        paths = {m.name: m.path for m in parsed}
        for module, error in result.errors.items():
            out.errors[paths[module]] = error
        out.notes = result.notes
        for finding in _place(result, settings, paths, out.errors):
            out.findings[finding.path].append(finding)
    finally:
        sys.setrecursionlimit(limit)
    for path in out.findings:
        out.findings[path].sort()
    return out


def parse_files(files: Sequence[SourceFile], out: ProjectFindings) -> Tuple[List[ParsedModule], Dict[str, bytes]]:
    """Parse each file (call with a raised recursion limit) through :mod:`flaskmongo_lint.parsing`:
    the modules and their sources by module name; a file that does not parse or that
    CPython refuses is its FM001 in ``out``, a parser crash its error."""
    parsed: List[ParsedModule] = []
    sources: Dict[str, bytes] = {}
    for f in files:
        try:
            got = parse(decode(f.source), f.path)
        except Exception as exc:  # noqa: BLE001 - the parser failing on one file must not end the run
            out.errors[f.path] = internal_error(exc)
            continue
        if isinstance(got, Refused):
            out.findings.setdefault(f.path, []).append(Finding(f.path, got.line, got.column, "FM001", got.message))
            continue
        parsed.append(ParsedModule(f.name, f.path, got.tree, f.is_package, f.imported_as))
        sources[f.name] = f.source
    return parsed, sources


def rule_reports(result: ProjectResult, settings: AnalysisSettings) -> Iterator[Tuple[Root, str, Report]]:
    """Every rule's report on every root's events, as (root, code, report): before one place
    reached from several roots is reported once. The route map reads the codes per root."""
    ctx = RuleContext(settings, result.evidence)
    for root in result.roots:
        for placed in root.summary.events:
            occ = Occurrence(placed, root)
            for rule in _RULES:
                for report in rule.check(occ, ctx):
                    yield root, rule.code, report


def _place(result: ProjectResult, settings: AnalysisSettings, paths: Dict[str, str],
           errors: Dict[str, Tuple[str, str]]) -> List[Finding]:
    chosen: Dict[Tuple[str, int, str], Tuple[Report, str]] = {}
    for _, code, report in rule_reports(result, settings):
        key = (report.site.module, id(report.site.node), code)
        old = chosen.get(key)
        # A helper reached from several handlers reports one place once: the most
        # confident report, then the first message in order, whichever root came first.
        if old is None or _better(report, old[0]):
            chosen[key] = (report, code)
    for (module, node_id, code), _ in list(chosen.items()):
        weaker = SUPERSEDES.get(code)
        if weaker is not None:
            chosen.pop((module, node_id, weaker), None)
    places = _Places(paths)
    out: List[Finding] = []
    for (module, _, code), (report, _) in chosen.items():
        path = paths.get(module)
        if path is None or path in errors:
            continue
        line, col, end_line, end_col = places.span(report.site)
        out.append(Finding(
            path, line, col, code, report.message, report.confidence, end_line=end_line, end_col=end_col,
            snippet=normalised_code(report.site.node), scope=report.site.scope,
            flow=places.flow(report, code), related=places.related(report),
        ))
    return out


class _Places:
    """Positions of sites in any module of the project (each node carries its own place)."""

    def __init__(self, paths: Dict[str, str]) -> None:
        self.paths = paths

    def span(self, site: Site) -> Tuple[int, int, int, int]:
        return span(site.node)

    def _known(self, site: Site) -> bool:
        return site.module in self.paths

    def flow(self, report: Report, code: str) -> Tuple[FlowStep, ...]:
        """The client data's way from its source to the reported place."""
        steps: List[FlowStep] = []
        for step in report.trace:
            if not self._known(step.site):
                continue
            line, col, end_line, end_col = self.span(step.site)
            steps.append(FlowStep(self.paths[step.site.module], line, col, end_line, end_col, step.note))
        if not steps:
            return ()
        line, col, end_line, end_col = self.span(report.site)
        sink = FlowStep(self.paths[report.site.module], line, col, end_line, end_col,
                        f"{code}: {_short(code_of(report.site.node))}")
        return tuple(steps) + (sink,)

    def related(self, report: Report) -> Tuple[Location, ...]:
        out = []
        for site in report.related:
            if not self._known(site):
                continue
            line, col, end_line, end_col = self.span(site)
            out.append(Location(self.paths[site.module], line, col, end_line, end_col, report.related_note))
        return tuple(sorted(set(out)))[:3]


def _short(text: str, limit: int = 70) -> str:
    one = " ".join(text.split())
    return one if len(one) <= limit else one[: limit - 3] + "..."


def _better(a: Report, b: Report) -> bool:
    ca, cb = _CONFIDENCE[a.confidence], _CONFIDENCE[b.confidence]
    return ca > cb if ca != cb else a.message < b.message


def check_source(source: bytes, path: str, settings: AnalysisSettings) -> List[Finding]:
    """Findings for one file analysed on its own (a project of one module). An internal error
    raises, as it would for a caller that wants to see it."""
    name, is_package = Namer().name(path)
    result = check_files([SourceFile(path, name, is_package, source, name)], settings)
    if result.errors:
        raise RuntimeError(next(iter(result.errors.values()))[1])
    return result.findings[path]


__all__ = ["DEEP_RECURSION", "ProjectFindings", "check_files", "check_source", "parse_files", "rule_reports"]
