"""One run: discover files, group them into projects, check each group in isolation (in worker
processes when it pays), suppress, sort.

Files that import each other (either way) are one group and are analysed together, so a handler's
flow into a service module, an auth decorator or an error handler written elsewhere is seen. A
group is checked by :func:`check_group`, which never raises: an exception from the engine becomes
an FM000 finding for the file it happened in and the run goes on. Results are sorted at the end,
so the output is the same whatever the order of the files and the number of workers.
"""
from __future__ import annotations

import concurrent.futures
import functools
import io
import os
import tokenize
import traceback
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass
from typing import List, Optional, Sequence, Tuple

from flaskmongo_lint import checker, noqa
from flaskmongo_lint.config import Config
from flaskmongo_lint.files import discover, path_matches
from flaskmongo_lint.findings import Finding
from flaskmongo_lint.modules import FLASK_MARKERS, SourceFile, components, name_files

# Below this many groups a process pool costs more to start than it saves.
PARALLEL_THRESHOLD = 8

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


def might_be_flask(source: bytes) -> bool:
    return any(marker in source for marker in FLASK_MARKERS)


def _decode(source: bytes) -> str:
    """The file's text as Python would read it (PEP 263 coding cookie, BOM, default UTF-8)."""
    encoding, _ = tokenize.detect_encoding(io.BytesIO(source).readline)
    return source.decode(encoding)


def _one_line(text: str) -> str:
    return " ".join(text.split())


def read(path: str, config: Config) -> Tuple[Optional[bytes], Optional[FileResult]]:
    """A file's bytes, or the FM001 result of a file that cannot be read or decoded."""
    try:
        with open(path, "rb") as handle:
            source = handle.read()
    except OSError as exc:
        finding = Finding(path, 1, 1, UNREADABLE, f"cannot read file: {_one_line(exc.strerror or str(exc))}")
        return None, FileResult(path, _suppress([finding], "", path, config))
    try:
        _decode(source)
    except (SyntaxError, UnicodeDecodeError, LookupError) as exc:
        finding = Finding(path, 1, 1, UNREADABLE, f"cannot read file: {_one_line(str(exc))}")
        return None, FileResult(path, _suppress([finding], "", path, config))
    return source, None


def check_group(group: Sequence[SourceFile], config: Config) -> Tuple[List[FileResult], Tuple[str, ...]]:
    """Check files that import each other as one project; select/ignore, per-file-ignores and
    noqa applied. Never raises."""
    try:
        # Looked up on the module at call time, so tests (and plugins) can replace it.
        found = checker.check_files(group, config.analysis)
    except Exception as exc:  # noqa: BLE001 - one group's failure must not end the run
        error = (f"{type(exc).__name__}: {_one_line(str(exc))}", traceback.format_exc())
        found = checker.ProjectFindings({f.path: [] for f in group}, {f.path: error for f in group})
    results = []
    for f in group:
        findings = list(found.findings.get(f.path, []))
        failed = found.errors.get(f.path)
        if failed is not None:
            findings = [Finding(f.path, 1, 1, INTERNAL_ERROR, f"internal error: {failed[0]}")]
        results.append(FileResult(f.path, _suppress(findings, _decode(f.source), f.path, config),
                                  failed[1] if failed is not None else None))
    return results, tuple(found.notes)


def _suppress(findings: Sequence[Finding], text: str, path: str, config: Config) -> Tuple[Finding, ...]:
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
    return tuple(sorted(noqa.filter_findings(kept, text)))


def _workers(jobs: Optional[int], groups: int) -> int:
    """How many processes: ``jobs`` if given, else one per CPU for more than a handful of groups."""
    if groups <= 1:
        return 1
    if jobs is None:
        if groups <= PARALLEL_THRESHOLD:
            return 1
        jobs = os.cpu_count() or 1
    return max(1, min(jobs, groups))


def _check_all(groups: Sequence[Sequence[SourceFile]], config: Config,
               workers: int) -> Tuple[List[Tuple[List[FileResult], Tuple[str, ...]]], int]:
    if workers > 1:
        task = functools.partial(check_group, config=config)
        # Largest groups first, so no worker is left with a big one at the end.
        order = sorted(range(len(groups)), key=lambda i: -sum(len(f.source) for f in groups[i]))
        try:
            with concurrent.futures.ProcessPoolExecutor(max_workers=workers) as pool:
                done = list(pool.map(task, [groups[i] for i in order], chunksize=1))
            out: List = [None] * len(groups)
            for i, result in zip(order, done):
                out[i] = result
            return out, workers
        except (OSError, NotImplementedError, BrokenProcessPool):
            # No process pool here (a sandbox without semaphores, a worker killed by the OS):
            # the same work in-process gives the same answer, only slower.
            pass
    return [check_group(g, config) for g in groups], 1


def run(paths: Sequence[str], config: Config, *, jobs: Optional[int] = None) -> RunResult:
    """Lint ``paths`` (files or folders; default ``.``) with ``config``.

    ``jobs``: worker processes; None picks automatically, 1 checks in this process.
    Raises files.DiscoveryError if a path does not exist; otherwise never raises for a file's
    sake.
    """
    files = discover(paths, config)
    results: List[FileResult] = []
    readable: List[str] = []
    sources: List[bytes] = []
    for path in files:
        source, failed = read(path, config)
        if failed is not None:
            results.append(failed)
        else:
            readable.append(path)
            sources.append(source)  # type: ignore[arg-type]
    # A group none of whose files can be Flask code is not parsed at all.
    groups = [g for g in components(name_files(readable, sources)) if any(f.might_be_flask for f in g)]
    checked, used = _check_all(groups, config, _workers(jobs, len(groups)))
    notes: List[str] = []
    for group_results, group_notes in checked:
        results.extend(group_results)
        notes.extend(group_notes)
    findings = sorted(f for r in results for f in r.findings)
    tracebacks = tuple(sorted((r.path, r.error) for r in results if r.error is not None))
    return RunResult(
        findings=tuple(findings),
        files=tuple(files),
        internal_error=bool(tracebacks),
        tracebacks=tracebacks,
        jobs=used,
        notes=tuple(sorted(set(notes))),
    )
