"""Files as modules of a project: their names, their imports (read cheaply), and which of them
must be analysed together.

A module's name comes from its path: the nearest folder above it without an ``__init__.py`` is a
root, as mypy and pyright have it (``src/app/views.py`` with ``app/__init__.py`` is ``app.views``).
Imports are read with a regular expression before anything is parsed, to group files that import
each other into components: each component is one project analysis (and one unit of work for a
worker process), and a component none of whose files can be Flask code is not parsed at all.
"""
from __future__ import annotations

import os
import re
from dataclasses import dataclass
from typing import Dict, Iterable, List, Mapping, Optional, Sequence, Set, Tuple

from flaskmongo_lint.models.markers import may_serve_requests


# An import statement, at the start of a line or after ``;`` or a one-line suite's ``:``, its
# names running on over parentheses or backslash continuations. Reading more imports than there
# are (one in a string) only joins groups, which is always safe.
_IMPORT = re.compile(
    rb"(?:^|[;:])[ \t]*(?:from[ \t]+(?P<module>\.*[\w.]*)[ \t]+import[ \t]+(?P<names>\([^)]*\)|(?:[^#\r\n\\;]|\\\r?\n)*)"
    rb"|import[ \t]+(?P<plain>(?:[^#\r\n\\;]|\\\r?\n)+))",
    re.M,
)


@dataclass(frozen=True)
class SourceFile:
    """A file to lint, read, with its module name."""

    path: str
    name: str  # unique in the run: the import name, prefixed ("2~app.views") when two roots share it
    is_package: bool
    source: bytes
    import_name: str = ""  # the name imports use

    @property
    def imported_as(self) -> str:
        return self.import_name or self.name

    @property
    def might_be_flask(self) -> bool:
        """Whether the file may hold client data or a handler (:mod:`flaskmongo_lint.models.markers`)."""
        return may_serve_requests(self.source)


class Namer:
    """Module names from paths, with the ``__init__.py`` look-ups cached per folder."""

    def __init__(self) -> None:
        self._package: Dict[str, bool] = {}

    def _is_package(self, directory: str) -> bool:
        found = self._package.get(directory)
        if found is None:
            found = os.path.isfile(os.path.join(directory, "__init__.py"))
            self._package[directory] = found
        return found

    def name(self, path: str) -> Tuple[str, bool]:
        """``(dotted name, is a package __init__)`` of the module at ``path``."""
        name, is_package, _ = self.locate(path)
        return name, is_package

    def locate(self, path: str) -> Tuple[str, bool, str]:
        """``(dotted name, is a package __init__, its root folder)``."""
        absolute = os.path.abspath(path)
        directory, filename = os.path.split(absolute)
        stem = filename[:-3] if filename.endswith(".py") else filename
        is_package = stem == "__init__"
        parts: List[str] = [] if is_package else [stem]
        d = directory
        while self._is_package(d):
            parts.insert(0, os.path.basename(d))
            parent = os.path.dirname(d)
            if parent == d:
                break
            d = parent
        return ".".join(parts) or stem, is_package, d


def name_files(paths: Sequence[str], sources: Sequence[bytes], namer: Optional[Namer] = None) -> List[SourceFile]:
    """Source files with unique module names. Two roots that provide the same top-level name
    (``a/app.py`` and ``b/app.py``, each run as a script) are told apart: the first root in path
    order keeps the plain names, the others get a ``N~`` prefix (only ever seen inside the tool)."""
    namer = namer or Namer()
    located = [namer.locate(p) for p in paths]
    roots_by_unit: Dict[str, List[str]] = {}
    for name, _, root in located:
        roots_by_unit.setdefault(name.split(".")[0], [])
        if root not in roots_by_unit[name.split(".")[0]]:
            roots_by_unit[name.split(".")[0]].append(root)
    out = []
    for path, source, (name, is_package, root) in zip(paths, sources, located):
        roots = sorted(roots_by_unit[name.split(".")[0]])
        rank = roots.index(root)
        key = name if rank == 0 else f"{rank + 1}~{name}"
        out.append(SourceFile(path, key, is_package, source, name))
    return out


def imported_names(file: SourceFile) -> Iterable[str]:
    """Absolute dotted names a module imports (each ``from a import b`` as ``a`` and ``a.b``)."""
    name = file.imported_as
    package = name if file.is_package else name.rpartition(".")[0]
    for m in _IMPORT.finditer(file.source):
        if m.group("plain") is not None:
            for part in m.group("plain").decode("utf-8", "replace").replace("\\", " ").split(","):
                name = part.strip().split(" ")[0]
                pieces = name.split(".")
                for i in range(1, len(pieces) + 1):  # import a.b.c binds a and runs a, a.b
                    yield ".".join(pieces[:i])
            continue
        module = m.group("module").decode("utf-8", "replace")
        level = len(module) - len(module.lstrip("."))
        base = module[level:]
        if level:
            pieces = package.split(".") if package else []
            if level > len(pieces):
                continue
            pieces = pieces[: len(pieces) - (level - 1)]
            base = ".".join(pieces + ([base] if base else []))
        if base:
            yield base
        names = m.group("names").decode("utf-8", "replace").replace("\\", " ").strip("() \t\r\n")
        for part in names.split(","):
            name = part.strip().split(" ")[0]
            if name and name != "*":
                yield f"{base}.{name}" if base else name


def import_edges(files: Sequence[SourceFile]) -> List[Set[int]]:
    """For each file, the indexes of the files it imports (by module name, or by the tail of
    their path for a dotted name no module has)."""
    by_name: Dict[str, List[int]] = {}
    by_suffix: Dict[Tuple[str, ...], List[int]] = {}
    for i, f in enumerate(files):
        by_name.setdefault(f.imported_as, []).append(i)
        parts = path_parts(f.path)
        for j in range(len(parts)):
            by_suffix.setdefault(tuple(parts[j:]), []).append(i)
    edges: List[Set[int]] = [set() for _ in files]
    for i, f in enumerate(files):
        for dotted in imported_names(f):
            targets = by_name.get(dotted) or (by_suffix.get(tuple(dotted.split(".")), []) if "." in dotted else [])
            edges[i].update(t for t in targets[:4] if t != i)
    return edges


def components(files: Sequence[SourceFile], edges: Optional[List[Set[int]]] = None) -> List[List[SourceFile]]:
    """The files grouped by imports between them (either way), each group in path order,
    groups in the order of their first path. ``edges``: :func:`import_edges` of ``files``, when
    the caller has it already."""
    parent = list(range(len(files)))

    def find(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    for i, targets in enumerate(import_edges(files) if edges is None else edges):
        for t in targets:
            ra, rb = find(i), find(t)
            if ra != rb:
                parent[max(ra, rb)] = min(ra, rb)
    groups: Dict[int, List[SourceFile]] = {}
    for i, f in enumerate(files):
        groups.setdefault(find(i), []).append(f)
    out = [sorted(g, key=lambda f: f.path) for g in groups.values()]
    return sorted(out, key=lambda g: g[0].path)


def application(f: SourceFile) -> str:
    """The application a file belongs to: its top-level package (or module)."""
    return f.imported_as.split(".")[0]


def split_large(group: Sequence[SourceFile], limit_bytes: int, imports: Mapping[str, Set[str]],
                hops: int = 2) -> List[List[SourceFile]]:
    """``group`` as it is when its sources fit in ``limit_bytes``; else one project per
    application that may serve requests: the application's files, then what they import, up to
    ``hops`` imports away (a helper of a helper), nearest first, while the sources fit. A tree
    where everything imports a shared module (a monorepo, a vendored site-packages) is otherwise
    one project held in memory whole, in one worker. Files are shared between projects; the
    runner merges their findings. ``imports``: the paths each file's imports reach (by path)."""
    if sum(len(f.source) for f in group) <= limit_bytes:
        return [list(group)]
    by_path = {f.path: f for f in group}
    members: Dict[str, List[str]] = {}
    for f in group:
        members.setdefault(application(f), []).append(f.path)
    out: List[List[SourceFile]] = []
    for app in sorted(members):
        own = members[app]
        if not any(by_path[p].might_be_flask for p in own):
            continue
        chosen = set(own)
        size = sum(len(by_path[p].source) for p in own)
        frontier = own
        for _ in range(hops):
            if not frontier or size >= limit_bytes:
                break
            reached = sorted({t for p in frontier for t in imports.get(p, ()) if t in by_path} - chosen)
            frontier = []
            for t in reached:
                if size + len(by_path[t].source) <= limit_bytes:
                    chosen.add(t)
                    frontier.append(t)
                    size += len(by_path[t].source)
        out.append(sorted((by_path[p] for p in chosen), key=lambda f: f.path))
    return out


def path_parts(path: str) -> List[str]:
    """A module's path as the names an import could reach it by: folders, then the module."""
    parts = os.path.normpath(os.path.abspath(path)).split(os.sep)
    parts[-1] = parts[-1][:-3] if parts[-1].endswith(".py") else parts[-1]
    if parts[-1] == "__init__":
        parts = parts[:-1]
    return [p for p in parts if p]


__all__ = ["Namer", "SourceFile", "components", "imported_names", "name_files"]
