"""Build the route map: the lint's own discovery, grouping and project analysis, then one row per
URL rule of each endpoint, with the operations it reaches, their scope verdicts and the finding
codes the rules raise for it.

Files are found, read and grouped exactly as a lint run does them (files that import each other
are one project); each group is analysed by :class:`Project`, the analysis the rules read, and the
endpoints are read off its per-handler records (:mod:`flaskmongo_lint.analysis.endpoints`). The
codes are the rules' reports on the endpoint's own events, filtered by ``select``/``ignore``,
``per-file-ignores`` and ``# noqa`` as the lint filters them; a place a helper shares with other
endpoints shows each endpoint its own code (the lint prints one finding there).
"""
from __future__ import annotations

import concurrent.futures
import os
import sys
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass
from typing import Dict, List, Optional, Sequence, Set, Tuple

from flaskmongo_lint import checker, runner
from flaskmongo_lint.analysis.endpoints import HandlerRecord, handler_records
from flaskmongo_lint.analysis.facts import RegistrationKind
from flaskmongo_lint.analysis.index import HandlerKind, ProjectIndex, Ref, RefKind, Route
from flaskmongo_lint.analysis.lattice import Site
from flaskmongo_lint.analysis.project import Project
from flaskmongo_lint.config import Config
from flaskmongo_lint.files import discover, missing_paths
from flaskmongo_lint.findings import Finding, internal_error
from flaskmongo_lint.models import flask as flask_model
from flaskmongo_lint.models import restful
from flaskmongo_lint.models.tags import Tag
from flaskmongo_lint.modules import SourceFile
from flaskmongo_lint.parsing import decode
from flaskmongo_lint.syntax import span
from flaskmongo_lint.routemap.model import UNKNOWN_COLLECTION, Endpoint, MappedOperation, RouteMap

UNKNOWN_RULE = "?"
UNKNOWN_METHODS = ("?",)
PARALLEL_THRESHOLD = 8  # as the lint: fewer groups are mapped in-process
MAX_PREFIX_DEPTH = 12  # blueprints nested in blueprints, before giving up (a cycle)


@dataclass(frozen=True)
class MapResult:
    route_map: RouteMap
    missing: Tuple[str, ...]  # paths given that do not exist
    files: int


def build(paths: Sequence[str], config: Config, *, jobs: Optional[int] = None) -> MapResult:
    """The route map of the Python files under ``paths`` (default ``.``)."""
    problems: List[Tuple[str, str]] = []
    readable: List[str] = []
    sources: List[bytes] = []
    files = discover(paths, config)
    for path in files:
        source, failed = runner.read(path, config)
        if failed is not None:
            problems.extend((f.path, f.message) for f in failed.findings)
        else:
            readable.append(path)
            sources.append(source)  # type: ignore[arg-type]
    groups = runner.groups_of(readable, sources, split=False)
    endpoints: List[Endpoint] = []
    for found, trouble in _map_all(groups, config, jobs):
        endpoints.extend(found)
        problems.extend(trouble)
    route_map = RouteMap(tuple(sorted(endpoints, key=lambda e: e.sort_key)), tuple(sorted(set(problems))))
    return MapResult(route_map, tuple(missing_paths(list(paths) or ["."])), len(files))


GroupMap = Tuple[List[Endpoint], List[Tuple[str, str]]]


def _map_all(groups: Sequence[Sequence[SourceFile]], config: Config, jobs: Optional[int]) -> List[GroupMap]:
    workers = 1 if len(groups) <= 1 else (jobs if jobs is not None else
                                          (os.cpu_count() or 1) if len(groups) > PARALLEL_THRESHOLD else 1)
    if workers <= 1:
        return [map_group(g, config) for g in groups]
    try:
        with concurrent.futures.ProcessPoolExecutor(max_workers=min(workers, len(groups))) as pool:
            return list(pool.map(map_group, groups, [config] * len(groups)))
    except (OSError, NotImplementedError, BrokenProcessPool):
        # No process pool here, or a worker died: the same work in-process gives the same map.
        return [map_group(g, config) for g in groups]


def map_group(group: Sequence[SourceFile], config: Config) -> GroupMap:
    """The endpoints of one group of files analysed together; never raises (a failure is a
    problem of the group's files, as an FM000 is in the lint)."""
    limit = sys.getrecursionlimit()
    sys.setrecursionlimit(max(limit, checker.DEEP_RECURSION))
    try:
        return _map_group(group, config)
    except Exception as exc:  # noqa: BLE001 - one group's failure must not end the map
        message = f"internal error: {internal_error(exc)[0]}"
        return [], [(f.path, message) for f in group]
    finally:
        sys.setrecursionlimit(limit)


def _map_group(group: Sequence[SourceFile], config: Config) -> GroupMap:
    settings = config.analysis
    out = checker.ProjectFindings({f.path: [] for f in group})
    parsed, sources = checker.parse_files(group, out)
    problems = [(f.path, f.message) for found in out.findings.values() for f in found]
    problems += [(path, f"internal error: {error}") for path, (error, _) in out.errors.items()]
    if not parsed:
        return [], problems
    project = Project(parsed, settings)
    result = project.run()
    paths = {m.name: m.path for m in parsed}
    problems += [(paths[m], f"internal error: {error}") for m, (error, _) in result.errors.items()]
    records = handler_records(result, settings)
    reports: Dict[Tuple[str, str], List[Tuple[str, Site]]] = {}
    for root, code, report in checker.rule_reports(result, settings):
        reports.setdefault((root.module, root.qualname), []).append((code, report.site))
    places = _Places(paths, sources)
    endpoints: List[Endpoint] = []
    for record in records:
        if record.root.module in result.errors:
            continue
        codes = _codes(reports.get((record.root.module, record.root.qualname), []), places, config)
        endpoints.extend(_endpoints(record, project, places, codes))
    return endpoints, problems


def _endpoints(record: HandlerRecord, project: Project, places: "_Places", codes: Tuple[str, ...]) -> List[Endpoint]:
    root = record.root
    handler = record.handler
    function = project.syntax[root.module].functions[root.qualname]
    path, line = places.line(Site(root.module, function.node.name, function.top))
    operations: List[MappedOperation] = []
    seen: Set[Tuple[str, int, str, str, str]] = set()
    for o in record.operations:
        op = o.op
        if op.site.module not in places.paths:
            continue
        op_path, op_line = places.line(op.site)
        mapped = MappedOperation(op_path, op_line, op.method, op.op.value, op.collection or UNKNOWN_COLLECTION,
                                 o.decision.verdict, o.decision.detail, o.placed.privileged)
        key = (mapped.path, mapped.line, mapped.method, mapped.collection, mapped.verdict.value)
        if key not in seen:
            seen.add(key)
            operations.append(mapped)
    routes = handler.routes or (Route(UNKNOWN_RULE, _unknown_methods(root.qualname, handler.kind)),)
    out: List[Endpoint] = []
    shown: Set[Tuple[Tuple[str, ...], str]] = set()
    for route in routes:
        if handler.kind is HandlerKind.SOCKET or route.rule == UNKNOWN_RULE:
            rules = [route.rule]
        else:
            rules = [join_rule(prefix, route.rule) for prefix in url_prefixes(project.index, route.on)]
        for rule in rules:
            if (route.methods, rule) in shown:
                continue
            shown.add((route.methods, rule))
            out.append(Endpoint(route.methods, rule, f"{root.module}:{root.qualname}", path, line, handler.kind.value,
                                application(root.app), record.authentication, record.privilege, tuple(operations),
                                codes))
    return out


def _unknown_methods(qualname: str, kind: HandlerKind) -> Tuple[str, ...]:
    name = qualname.rsplit(".", 1)[-1]
    if kind is HandlerKind.VIEW and name in flask_model.HTTP_VERBS:
        return (name.upper(),)
    return UNKNOWN_METHODS


def application(app: str) -> str:
    """An application key in words: the module and name of its ``Flask()`` object, or its package."""
    return app.split(":", 1)[1] if ":" in app else app


def _codes(reports: List[Tuple[str, Site]], places: "_Places", config: Config) -> Tuple[str, ...]:
    """The codes of an endpoint's reports that the lint would print: each report as the finding it
    is, through the same select/ignore, per-file-ignores and noqa."""
    by_path: Dict[str, List[Finding]] = {}
    for code, site in reports:
        if site.module not in places.paths:
            continue
        line, col, end_line, end_col = places.span(site)
        path = places.paths[site.module]
        by_path.setdefault(path, []).append(Finding(path, line, col, code, "", end_line=end_line, end_col=end_col))
    kept: Set[str] = set()
    for path, findings in by_path.items():
        text = places.text(path)
        # The lint's own suppression (runner), so the map never shows a code the lint hides.
        kept.update(f.code for f in runner._suppress(findings, text, path, config))  # noqa: SLF001
    return tuple(sorted(kept))


# ---------------------------------------------------------------------- URL prefixes
def join_rule(prefix: str, rule: str) -> str:
    """Flask's join of a blueprint prefix and a rule: one slash between them."""
    if not prefix:
        return rule
    if not rule:
        return prefix
    return prefix.rstrip("/") + "/" + rule.lstrip("/")


def url_prefixes(index: ProjectIndex, on: Optional[str], depth: int = 0) -> List[str]:
    """The URL prefixes a route registered on ``on`` (a binding key) is served under: a blueprint's
    ``url_prefix`` (given when it is made or when it is registered, under its parent's), a
    flask-restx Namespace's path under its Api, an Api's ``prefix`` under the blueprint it is made
    on. One per registration; ``[""]`` when none is known."""
    if on is None or depth > MAX_PREFIX_DEPTH:
        return [""]
    module, _, name = on.partition(":")
    facts = index.modules.get(module)
    binding = facts.bindings.get(name) if facts is not None else None
    if binding is None:
        return [""]
    ref = Ref(RefKind.BINDING, module, name)
    tag = index.object_tag(ref)
    call = binding.call
    if tag is Tag.BLUEPRINT:
        own = _literal(call.kwarg(flask_model.URL_PREFIX)) if call is not None else ""
        return _registered(index, ref, RegistrationKind.BLUEPRINT, own, depth) or [own]
    if tag is Tag.API and call is not None:
        maker = call.target.rsplit(".", 1)[-1]
        if maker in restful.NAMESPACE_CLASS_NAMES or maker in restful.API_FACTORY_METHODS:
            first = call.arg(0)
            own = _literal(call.kwarg(restful.NAMESPACE_PATH)) or (f"/{first}" if isinstance(first, str) else "")
            found = _registered(index, ref, RegistrationKind.NAMESPACE, own, depth)
            if found:
                return found
            if maker in restful.API_FACTORY_METHODS:  # api.namespace("x"): under that Api
                api = index.mount_of(module, call.target.rpartition(".")[0], None)
                return [join_rule(p, own) for p in url_prefixes(index, api, depth + 1)]
            return [own]
        own = _literal(call.kwarg(restful.API_PREFIX))
        base = call.name(0) or call.kwname("app")
        parents = url_prefixes(index, index.mount_of(module, base, None), depth + 1) if base else [""]
        return [join_rule(p, own) for p in parents]
    return [""]


def _registered(index: ProjectIndex, ref: Ref, kind: RegistrationKind, own: str, depth: int) -> List[str]:
    """Prefixes from the registrations of ``ref`` (``register_blueprint``, ``add_namespace``)."""
    out: List[str] = []
    for m in index.modules.values():
        for reg in m.registrations:
            if reg.kind is not kind or reg.target is None:
                continue
            target = index.resolve_dotted(m.name, reg.target)
            if target is None or target.kind is not RefKind.BINDING or target.key != ref.key:
                continue
            here = reg.prefix if reg.prefix is not None else own
            parent = index.mount_of(m.name, reg.receiver, reg.in_function)
            for p in url_prefixes(index, parent, depth + 1):
                joined = join_rule(p, here)
                if joined not in out:
                    out.append(joined)
    return out


def _literal(value: object) -> str:
    return value if isinstance(value, str) else ""


# ---------------------------------------------------------------------- positions
class _Places:
    """Positions of sites in the group's modules (each node carries its own place)."""

    def __init__(self, paths: Dict[str, str], sources: Dict[str, bytes]) -> None:
        self.paths, self.sources = paths, sources
        self._texts: Dict[str, str] = {}

    def span(self, site: Site) -> Tuple[int, int, int, int]:
        return span(site.node)

    def line(self, site: Site) -> Tuple[str, int]:
        return self.paths[site.module], self.span(site)[0]

    def text(self, path: str) -> str:
        if path not in self._texts:
            module = next(m for m, p in self.paths.items() if p == path)
            self._texts[path] = decode(self.sources[module])  # the lint's decoding
        return self._texts[path]


__all__ = ["MapResult", "build", "join_rule", "map_group", "url_prefixes"]
