"""The route map as plain data: picklable (worker processes build it), ordered, and what every
format renders. Nothing here holds a syntax node or knows the analysis.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Dict, List, Tuple

from flaskmongo_lint.analysis.scope import Scope

NONE = "none"  # the authentication column of an endpoint nothing authenticates
NO_PRIVILEGE = "-"
UNKNOWN_COLLECTION = "?"
# Operation kinds (events.OpKind values) that change data: what "unauthenticated writes" counts.
WRITE_KINDS = frozenset({"insert", "update", "replace", "delete"})
READ_KINDS = frozenset({"read", "aggregate"})
SCHEMA_VERSION = 1


@dataclass(frozen=True, order=True)
class MappedOperation:
    """One MongoDB operation an endpoint reaches (through helpers in any module)."""

    path: str
    line: int
    method: str  # find_one, update_one ... (a bulk request: the matching single call)
    kind: str  # read, aggregate, update, replace, delete, insert
    collection: str  # "?" when the analysis does not know the name
    verdict: Scope = field(compare=False)
    detail: str = field(default="", compare=False)
    privileged: bool = field(default=False, compare=False)  # a role guard stands before it

    @property
    def is_write(self) -> bool:
        return self.kind in WRITE_KINDS

    @property
    def is_read(self) -> bool:
        return self.kind in READ_KINDS


@dataclass(frozen=True)
class Endpoint:
    """One URL rule (or Socket.IO event) of one handler."""

    methods: Tuple[str, ...]
    rule: str  # with the blueprint / namespace / Api prefix where the analysis knows it; "?" if unknown
    handler: str  # module:qualname
    path: str
    line: int  # of the ``def``
    kind: str  # route, view (a class-based view method), socket
    application: str
    authentication: str = ""  # "" = nothing authenticates it
    privilege: str = ""  # "" = not privileged
    operations: Tuple[MappedOperation, ...] = ()
    codes: Tuple[str, ...] = ()  # the finding codes its analysis raised, as the lint reports them

    @property
    def sort_key(self) -> Tuple[Any, ...]:
        return (self.rule, self.methods, self.path, self.line, self.handler)

    @property
    def endpoint(self) -> str:
        return f"{','.join(self.methods)} {self.rule}"

    @property
    def where(self) -> str:
        return f"{self.path}:{self.line}"

    @property
    def auth_text(self) -> str:
        return self.authentication or NONE

    @property
    def privilege_text(self) -> str:
        return self.privilege or NO_PRIVILEGE


@dataclass(frozen=True)
class Summary:
    endpoints: int
    unauthenticated_writes: int
    unscoped_reads: int  # reads of per-owner collections with the verdict unscoped, outside a role guard

    @property
    def line(self) -> str:
        return (f"{_count(self.endpoints, 'endpoint')}, "
                f"{_count(self.unauthenticated_writes, 'unauthenticated write')}, "
                f"{_count(self.unscoped_reads, 'unscoped read')} of per-owner collections")


def _count(n: int, noun: str) -> str:
    return f"{n} {noun}{'' if n == 1 else 's'}"


@dataclass(frozen=True)
class RouteMap:
    """Every endpoint of the linted files, sorted by rule then method, and the files the map could
    not read (they do not parse, or their analysis failed)."""

    endpoints: Tuple[Endpoint, ...]
    problems: Tuple[Tuple[str, str], ...] = ()  # (path, message)

    @property
    def summary(self) -> Summary:
        writes = sum(1 for e in self.endpoints if not e.authentication for o in e.operations if o.is_write)
        reads = sum(1 for e in self.endpoints for o in e.operations
                    if o.is_read and o.verdict is Scope.UNSCOPED and not (e.privilege or o.privileged))
        return Summary(len(self.endpoints), writes, reads)

    def collections(self) -> List[Tuple[str, List[Tuple[Endpoint, MappedOperation]]]]:
        """Per collection, the endpoints that read or write it and how, sorted by name."""
        out: Dict[str, List[Tuple[Endpoint, MappedOperation]]] = {}
        for e in self.endpoints:
            for o in e.operations:
                out.setdefault(o.collection, []).append((e, o))
        return sorted(out.items())


# ---------------------------------------------------------------------- JSON (the stable schema)
def to_json(route_map: RouteMap) -> Dict[str, Any]:
    """The map as the JSON document README.md documents (``schema_version`` 1)."""
    s = route_map.summary
    return {
        "schema_version": SCHEMA_VERSION,
        "summary": {
            "endpoints": s.endpoints,
            "unauthenticated_writes": s.unauthenticated_writes,
            "unscoped_reads_of_per_owner_collections": s.unscoped_reads,
        },
        "endpoints": [_endpoint_json(e) for e in route_map.endpoints],
        "problems": [{"path": p, "message": m} for p, m in route_map.problems],
    }


def _endpoint_json(e: Endpoint) -> Dict[str, Any]:
    return {
        "methods": list(e.methods),
        "rule": e.rule,
        "kind": e.kind,
        "handler": e.handler,
        "path": e.path,
        "line": e.line,
        "application": e.application,
        "authentication": e.authentication or None,
        "privilege": e.privilege or None,
        "operations": [{
            "operation": o.method,
            "kind": o.kind,
            "collection": None if o.collection == UNKNOWN_COLLECTION else o.collection,
            "verdict": o.verdict.value,
            "detail": o.detail,
            "privileged": o.privileged,
            "path": o.path,
            "line": o.line,
        } for o in e.operations],
        "codes": list(e.codes),
    }


def from_json(document: Dict[str, Any]) -> RouteMap:
    """The map back from its JSON document (tests compare both ways through it)."""
    endpoints = []
    for e in document["endpoints"]:
        operations = tuple(MappedOperation(
            o["path"], o["line"], o["operation"], o["kind"], o["collection"] or UNKNOWN_COLLECTION,
            Scope(o["verdict"]), o.get("detail", ""), o.get("privileged", False)) for o in e["operations"])
        endpoints.append(Endpoint(
            tuple(e["methods"]), e["rule"], e["handler"], e["path"], e["line"], e["kind"], e["application"],
            e["authentication"] or "", e["privilege"] or "", operations, tuple(e["codes"])))
    problems = tuple((p["path"], p["message"]) for p in document.get("problems", ()))
    return RouteMap(tuple(endpoints), problems)


__all__ = [
    "Endpoint", "MappedOperation", "NONE", "NO_PRIVILEGE", "RouteMap", "SCHEMA_VERSION", "Summary",
    "UNKNOWN_COLLECTION", "from_json", "to_json",
]
