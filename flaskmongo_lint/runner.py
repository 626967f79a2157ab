"""One run: discover files, group them into projects, check each group in isolation (in worker
processes when it pays), suppress, sort.

Files that import each other (either way) are one group and are analysed together, so a handler's
flow into a service module, an auth decorator or an error handler written elsewhere is seen. A
group is checked by :func:`check_group`, which never raises: an exception from the engine becomes
an FM000 finding for the file it happened in and the run goes on. Results are sorted at the end,
so the output is the same whatever the order of the files and the number of workers.
"""
from __future__ import annotations

import os
import re
import sys
from dataclasses import dataclass
from typing import TYPE_CHECKING, Dict, List, Optional, Sequence, Tuple

from flaskmongo_lint import noqa
from flaskmongo_lint.config import Config
from flaskmongo_lint.files import (
    discover, discover_all, display_path, missing_paths, path_matches, read_bytes, too_large,
)
from flaskmongo_lint.findings import Finding, internal_error
from flaskmongo_lint.modules import Namer, SourceFile, components, import_edges, name_files, split_large
from flaskmongo_lint.parsing import decode

if TYPE_CHECKING:
    from flaskmongo_lint.cache import ResultCache

# Below this many groups a process pool costs more to start than it saves.
PARALLEL_THRESHOLD = 8
# A group of files whose sources are larger than this is analysed as one project per application
# (a project's trees are held in memory together: some hundred bytes for each byte of source).
GROUP_BYTES = 6 * 1024 * 1024
# Linting one file (standard input, flake8) reads its project from disk, up to this many files.
PROJECT_FILES_LIMIT = 5000

INTERNAL_ERROR = "FM000"
UNREADABLE = "FM001"


@dataclass(frozen=True)
class FileResult:
    """What checking one file gave: its findings (already filtered) and, if the engine failed,
    the traceback (kept for --verbose; the finding itself is FM000)."""

    path: str
    findings: Tuple[Finding, ...]
    error: Optional[str] = None


@dataclass(frozen=True)
class RunResult:
    """The outcome of a run: findings sorted by path, line, column, code."""

    findings: Tuple[Finding, ...]
    files: Tuple[str, ...]
    internal_error: bool  # some file's analysis raised (FM000): exit status 2
    tracebacks: Tuple[Tuple[str, str], ...] = ()  # (path, traceback) per internal error
    jobs: int = 1  # worker processes used; 1 = in-process
    notes: Tuple[str, ...] = ()  # analysis cut short by a budget, for --verbose
    missing: Tuple[str, ...] = ()  # paths given that do not exist: exit status 2
    skipped: Tuple[str, ...] = ()  # links passed over while walking, for --verbose
    cache: Optional[str] = None  # how the result cache served the run, for --verbose


_SKIP_FILE = re.compile(rb"^[ \t]*#[ \t]*flaskmongo-lint:[ \t]*skip-file[ \t]*$", re.MULTILINE | re.IGNORECASE)


def _fingerprinted(findings: Sequence[Finding], root: str) -> List[Finding]:
    """:func:`fingerprints.assign_fingerprints`, loaded when a file is checked (a run the cache
    serves never needs it)."""
    from flaskmongo_lint.fingerprints import assign_fingerprints

    return assign_fingerprints(findings, root)


def skips_file(source: bytes) -> bool:
    """Whether the file opts out with a ``# flaskmongo-lint: skip-file`` line of its own."""
    return b"skip-file" in source.lower() and _SKIP_FILE.search(source) is not None


def _one_line(text: str) -> str:
    return " ".join(text.split())


def read(path: str, config: Config) -> Tuple[Optional[bytes], Optional[FileResult]]:
    """A file's bytes, or the FM001 result of a file that cannot be read or decoded."""
    source, problem = read_bytes(path, config.max_file_size)
    if source is None:
        return None, _unreadable(path, problem, config)
    return source, _undecodable(path, source, config)


def _unreadable(path: str, message: str, config: Config) -> FileResult:
    finding = Finding(path, 1, 1, UNREADABLE, message)
    return FileResult(path, _suppress(_fingerprinted([finding], config.root), "", path, config))


def _undecodable(path: str, source: bytes, config: Config) -> Optional[FileResult]:
    try:
        decode(source)
    except (SyntaxError, UnicodeDecodeError, LookupError) as exc:
        return _unreadable(path, f"cannot read file: {_one_line(str(exc))}", config)
    return None


def check_group(group: Sequence[SourceFile], config: Config, *,
                apply_noqa: bool = True) -> Tuple[List[FileResult], Tuple[str, ...]]:
    """Check files that import each other as one project; fingerprints, select/ignore,
    per-file-ignores and (unless ``apply_noqa`` is false, for flake8, which applies its own) noqa
    applied, FM002 included. Never raises."""
    # Imported here, not with this module: the parser and the analysis load only when some file
    # passes the pre-filter. Looked up on the module at call time, so tests can replace it.
    from flaskmongo_lint import checker

    try:
        found = checker.check_files(group, config.analysis)
    except Exception as exc:  # noqa: BLE001 - one group's failure must not end the run
        error = internal_error(exc)
        found = checker.ProjectFindings({f.path: [] for f in group}, {f.path: error for f in group})
    results = []
    for f in group:
        findings = list(found.findings.get(f.path, []))
        failed = found.errors.get(f.path)
        if failed is not None:
            findings = [Finding(f.path, 1, 1, INTERNAL_ERROR, f"internal error: {failed[0]}")]
        results.append(_finish(f.path, f.source, findings, config, apply_noqa, failed[1] if failed else None))
    return results, tuple(found.notes)


def _finish(path: str, source: bytes, findings: List[Finding], config: Config, apply_noqa: bool,
            error: Optional[str]) -> FileResult:
    """Fingerprints, then suppression, then unused-noqa, for one file's findings."""
    text = decode(source)
    # Before suppression, so a fingerprint does not depend on what this run selects or silences.
    findings = _fingerprinted(findings, config.root)
    kept = list(_suppress(findings, text, path, config, apply_noqa))
    if apply_noqa and config.is_selected(noqa.UNUSED_NOQA) and "noqa" in text.lower() and \
            not any(f.code in (INTERNAL_ERROR, UNREADABLE) for f in findings):
        # A file that did not parse tells nothing about which noqa comments are used.
        unused = _fingerprinted(noqa.unused_noqa(findings, text, path), config.root)
        kept.extend(_suppress(unused, text, path, config, apply_noqa))
    return FileResult(path, tuple(sorted(kept)), error)


def _suppress(findings: Sequence[Finding], text: str, path: str, config: Config,
              apply_noqa: bool = True) -> Tuple[Finding, ...]:
    """Drop what select/ignore, per-file-ignores and noqa silence. FM000 is always kept: an
    internal error makes the exit status 2, and that must never happen without a message."""
    per_file: Tuple[str, ...] = ()
    for pattern, codes in config.per_file_ignores.items():
        if path_matches(path, pattern, config.root):
            per_file += codes
    kept = [
        f
        for f in findings
        if f.code == INTERNAL_ERROR or (config.is_selected(f.code) and not f.code.startswith(per_file))
    ]
    if apply_noqa:
        kept = noqa.filter_findings(kept, text)
    return tuple(sorted(kept))


def _workers(jobs: Optional[int], groups: int) -> int:
    """How many processes: ``jobs`` if given, else one per CPU for more than a handful of groups."""
    if groups <= 1:
        return 1
    if jobs is None:
        if groups <= PARALLEL_THRESHOLD:
            return 1
        jobs = os.cpu_count() or 1
    return max(1, min(jobs, groups))


GroupResult = Tuple[List[FileResult], Tuple[str, ...]]
# What one worker may allocate before its analysis fails with MemoryError (an FM000 for the file
# being analysed) instead of taking the machine down.
WORKER_MEMORY = 4 * 1024 ** 3


def _limit_memory() -> None:
    try:
        import resource

        soft, hard = resource.getrlimit(resource.RLIMIT_AS)
        limit = WORKER_MEMORY if hard == resource.RLIM_INFINITY else min(WORKER_MEMORY, hard)
        resource.setrlimit(resource.RLIMIT_AS, (limit, hard))
    except (ImportError, ValueError, OSError):  # pragma: no cover - not on this platform
        pass


def _check_all(groups: Sequence[Sequence[SourceFile]], config: Config, workers: int) -> Tuple[List[GroupResult], int]:
    """Check every group, in worker processes, so that a crash in the parser or the memory limit
    costs only the group it happened in. With one worker the groups are checked one after
    another in a child process; with more, in a process pool, and the groups of a pool that
    broke are checked again one by one in children of their own. A group whose child dies is an
    FM000 ("worker died: signal 11") for each of its files; the run goes on."""
    if workers <= 1:
        return _sequential(groups, config), 1
    import concurrent.futures
    from concurrent.futures.process import BrokenProcessPool

    out: List[Optional[GroupResult]] = [None] * len(groups)
    # Largest groups first, so no worker is left with a big one at the end.
    order = sorted(range(len(groups)), key=lambda i: -sum(len(f.source) for f in groups[i]))
    try:
        with concurrent.futures.ProcessPoolExecutor(max_workers=workers, initializer=_limit_memory) as pool:
            futures = {pool.submit(check_group, groups[i], config): i for i in order}
            for future in concurrent.futures.as_completed(futures):
                try:
                    out[futures[future]] = future.result()
                except BrokenProcessPool:
                    pass  # checked again below, alone
    except (OSError, NotImplementedError):
        # No process pool here (a sandbox without semaphores): one child after another gives
        # the same answer, only slower.
        return _sequential(groups, config), 1
    except BrokenProcessPool:
        pass
    for i, result in enumerate(out):
        if result is None:
            out[i] = _sequential([groups[i]], config)[0]
    return out, workers  # type: ignore[return-value]


def _check_cached(groups: Sequence[Sequence[SourceFile]], config: Config, jobs: Optional[int],
                  cache: Optional["ResultCache"]) -> Tuple[List[GroupResult], int]:
    """:func:`_check_all` for the groups the cache does not hold; what is checked is stored,
    unless an internal error made it (that is worth trying again)."""
    if cache is None:
        return _check_all(groups, config, _workers(jobs, len(groups)))
    out: List[Optional[GroupResult]] = [None] * len(groups)
    keys = [cache.key(g) for g in groups]
    for i, key in enumerate(keys):
        hit = cache.get(key)
        if hit is not None:
            out[i] = ([FileResult(path, findings, error) for path, findings, error in hit[0]], hit[1])
    todo = [i for i, r in enumerate(out) if r is None]
    done, used = _check_all([groups[i] for i in todo], config, _workers(jobs, len(todo)))
    for i, result in zip(todo, done):
        out[i] = result
        files, notes = result
        if not any(r.error is not None for r in files):
            cache.put(keys[i], ([(r.path, r.findings, r.error) for r in files], notes))
    return out, used  # type: ignore[return-value]


def _sequential(groups: Sequence[Sequence[SourceFile]], config: Config) -> List[GroupResult]:
    """Check ``groups`` in order in forked children: one child for all of them while none dies.
    When one dies, the group it was checking is tried once more alone (the death may come from
    what earlier groups left behind), and is FM000 if that child dies too; the rest go on in a
    new child. Where there is no ``fork`` (Windows), in this process."""
    if not hasattr(os, "fork"):  # pragma: no cover - not on this platform
        return [check_group(g, config) for g in groups]
    out: List[GroupResult] = []
    rest = list(groups)
    while rest:
        got, why = _forked(rest, config)
        out.extend(got)
        if len(got) == len(rest):
            break
        failing = rest[len(got)]
        if len(rest) > 1:
            alone, why_alone = _forked([failing], config)
            if alone:
                out.extend(alone)
                rest = rest[len(got) + 1:]
                continue
            why = why_alone
        out.append(_died(failing, why))
        rest = rest[len(got) + 1:]
    return out


def _forked(groups: Sequence[Sequence[SourceFile]], config: Config) -> Tuple[List[GroupResult], str]:
    """The results of checking ``groups`` one after another in a forked child, as far as it got
    before it died, and, if it did, why ("signal 11", "exit status 1")."""
    import pickle

    reader, writer = os.pipe()
    for stream in (sys.stdout, sys.stderr):
        stream.flush()  # or the child would print what is buffered a second time
    pid = os.fork()
    if pid == 0:  # pragma: no cover - runs in the child, seen through its results
        status = 0
        try:
            os.close(reader)
            _limit_memory()
            with os.fdopen(writer, "wb") as sink:
                for group in groups:
                    data = pickle.dumps(check_group(group, config), protocol=pickle.HIGHEST_PROTOCOL)
                    sink.write(len(data).to_bytes(8, "little") + data)
                    sink.flush()
        except BaseException:  # noqa: BLE001 - the parent reports the death
            status = 70
        os._exit(status)
    os.close(writer)
    results: List[GroupResult] = []
    try:
        with os.fdopen(reader, "rb") as source:
            while len(results) < len(groups):
                header = source.read(8)
                if len(header) < 8:
                    break
                size = int.from_bytes(header, "little")
                data = source.read(size)
                if len(data) < size:
                    break
                results.append(pickle.loads(data))
    finally:
        if len(results) < len(groups):
            try:
                os.kill(pid, 9)  # interrupted, or sent garbage: make sure it is gone
            except OSError:
                pass
        _, status = os.waitpid(pid, 0)
    if len(results) == len(groups):
        return results, ""
    if os.WIFSIGNALED(status):
        return results, f"signal {os.WTERMSIG(status)}"
    return results, f"exit status {os.WEXITSTATUS(status) if os.WIFEXITED(status) else status}"


def _died(group: Sequence[SourceFile], why: str) -> GroupResult:
    message = f"internal error: worker died: {why}"
    trace = f"the worker process checking this file died ({why})"
    return [FileResult(f.path, (Finding(f.path, 1, 1, INTERNAL_ERROR, message),), trace) for f in group], ()


def groups_of(paths: Sequence[str], sources: Sequence[bytes], *, split: bool = True) -> List[List[SourceFile]]:
    """The groups of files to analyse together; one none of whose files can be Flask code is
    not parsed at all (nor a file that opts out). With ``split``, a group larger than
    :data:`GROUP_BYTES` becomes one project per application (see :func:`modules.split_large`);
    the route map keeps groups whole, so that each handler is one row."""
    named = [f for f in name_files(paths, sources) if not skips_file(f.source)]
    edges = import_edges(named)  # read once: for the groups, and to split a large one
    groups = [g for g in components(named, edges) if any(f.might_be_flask for f in g)]
    if not split:
        return groups
    imports = {f.path: {named[t].path for t in edges[i]} for i, f in enumerate(named)}
    return [project for g in groups for project in split_large(g, GROUP_BYTES, imports)]


def _merge(results: Sequence[FileResult]) -> List[FileResult]:
    """One result per file, for files that several projects analysed (a module shared by the
    applications of a split group): the union of their findings, except that a noqa comment is
    unused (FM002) only when it is unused in every one of them."""
    by_path: Dict[str, List[FileResult]] = {}
    for r in results:
        by_path.setdefault(r.path, []).append(r)
    out: List[FileResult] = []
    for path, seen in by_path.items():
        if len(seen) == 1:
            out.append(seen[0])
            continue
        unused = set.intersection(*({f for f in r.findings if f.code == noqa.UNUSED_NOQA} for r in seen))
        # One finding per place and message: two projects may reach it from different handlers
        # (another flow); the first in order stands for both, as one project reports it once.
        found: Dict[Tuple[int, int, str, str], Finding] = {}
        for f in sorted(f for r in seen for f in r.findings if f.code != noqa.UNUSED_NOQA):
            found.setdefault((f.line, f.col, f.code, f.message), f)
        error = next((r.error for r in seen if r.error is not None), None)
        out.append(FileResult(path, tuple(sorted(set(found.values()) | unused)), error))
    return out


def _unanalysed(paths: Sequence[str], sources: Sequence[bytes], groups: Sequence[Sequence[SourceFile]],
                config: Config) -> List[FileResult]:
    """FM002 in the files no rule looks at: a noqa there silences nothing."""
    if not config.is_selected(noqa.UNUSED_NOQA):
        return []
    analysed = {f.path for g in groups for f in g}
    return [_finish(path, source, [], config, True, None) for path, source in zip(paths, sources)
            if path not in analysed and b"noqa" in source.lower() and not skips_file(source)]


def run(paths: Sequence[str], config: Config, *, jobs: Optional[int] = None,
        cache: Optional["ResultCache"] = None) -> RunResult:
    """Lint ``paths`` (files or folders; default ``.``) with ``config``.

    ``jobs``: worker processes; None picks automatically. ``cache``: where unchanged groups'
    results are read from and new ones stored (None: nothing cached). A path that does not exist
    is listed in ``RunResult.missing`` and the others are linted; nothing raises for a file's sake.
    """
    found = discover_all(paths, config)
    files = found.files
    results: List[FileResult] = [_unreadable(path, why, config) for path, why in found.unreadable]
    readable: List[str] = []
    sources: List[bytes] = []
    for path in files:
        source, failed = read(path, config)
        if failed is not None:
            results.append(failed)
        else:
            readable.append(path)
            sources.append(source)  # type: ignore[arg-type]
    groups = groups_of(readable, sources)
    results.extend(_unanalysed(readable, sources, groups, config))
    checked, used = _check_cached(groups, config, jobs, cache)
    notes: List[str] = []
    analysed: List[FileResult] = []
    for group_results, group_notes in checked:
        analysed.extend(group_results)
        notes.extend(group_notes)
    results.extend(_merge(analysed))
    findings = sorted(f for r in results for f in r.findings)
    tracebacks = tuple(sorted((r.path, r.error) for r in results if r.error is not None))
    return RunResult(
        findings=tuple(findings),
        files=tuple(files),
        internal_error=bool(tracebacks),
        tracebacks=tracebacks,
        jobs=used,
        notes=tuple(sorted(set(notes))),
        missing=tuple(missing_paths(list(paths) or ["."])),
        skipped=tuple(found.notes),
        cache=f"cache: {cache.hits} group(s) reused, {cache.misses} analysed, in {cache.directory}"
        if cache is not None else None,
    )


def lint_source(path: str, source: bytes, config: Config, *, apply_noqa: bool = True,
                isolated: bool = False) -> FileResult:
    """The findings of one file, ``source`` read as if it were ``path``: for standard input and
    the flake8 plugin. In a project, the other modules (its imports, its decorators, its error
    handlers) come from the files on disk, read the way a run over the project reads them.
    ``isolated``: check in a child process (standard input), so a crash of the parser is an
    FM000 rather than the end of the process; the flake8 plugin checks in its own process,
    which flake8 already runs files in. Never raises."""
    failed = _undecodable(path, source, config)
    if failed is not None:
        return failed
    if len(source) > config.max_file_size:
        return _unreadable(path, too_large(len(source), config.max_file_size), config)
    if skips_file(source):
        return FileResult(path, ())
    paths, texts = [path], [source]
    for other, text in _project_sources(path, config):
        if os.path.realpath(other) != os.path.realpath(path):
            paths.append(other)
            texts.append(text)
    groups = groups_of(paths, texts)
    containing = [g for g in groups if any(f.path == path for f in g)]
    if not containing:
        # Not Flask code, and nothing it imports is: no findings, but an unused noqa still is one.
        return _finish(path, source, [], config, apply_noqa, None)
    # More than one only when a large group was split: the file's findings are merged as a run
    # over the project merges them.
    found = [next(r for r in _group_results(g, config, apply_noqa, isolated) if r.path == path) for g in containing]
    return found[0] if len(found) == 1 else _merge(found)[0]


def _group_results(group: Sequence[SourceFile], config: Config, apply_noqa: bool, isolated: bool) -> List[FileResult]:
    key = (tuple((f.path, hash(f.source)) for f in group), apply_noqa, config)
    results = _GROUPS.get(key)
    if results is None:
        if isolated and apply_noqa:
            results = _sequential([group], config)[0][0]
        else:
            results = check_group(group, config, apply_noqa=apply_noqa)[0]
        _GROUPS.clear()  # the flake8 plugin asks file by file: keep the last project's answer
        _GROUPS[key] = results
    return results


_GROUPS: Dict[tuple, List[FileResult]] = {}
_SOURCES: Dict[Tuple[str, Config], List[Tuple[str, bytes]]] = {}


def _project_sources(path: str, config: Config) -> List[Tuple[str, bytes]]:
    """The Python files (and their text) of the project ``path`` belongs to: those under the
    folder its top-level package (or the module itself) sits in. Read once per process."""
    _, _, root = Namer().locate(path)
    key = (root, config)
    if key not in _SOURCES:
        found = discover([root], config) if os.path.isdir(root) else []
        if len(found) > PROJECT_FILES_LIMIT:
            found = []
        out = []
        for other in found:
            text, bad = read(other, config)
            if bad is None:
                out.append((other, text))
        _SOURCES.clear()
        _SOURCES[key] = out  # type: ignore[assignment]
    return _SOURCES[key]


def run_source(path: str, source: bytes, config: Config) -> RunResult:
    """Lint one file's text that does not come from disk (standard input) as if it were ``path``."""
    result = lint_source(display_path(path), source, config, isolated=True)
    tracebacks = ((result.path, result.error),) if result.error is not None else ()
    return RunResult(
        findings=result.findings,
        files=(result.path,),
        internal_error=bool(tracebacks),
        tracebacks=tracebacks,
    )
