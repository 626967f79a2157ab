"""One run: discover files, check each in isolation (in worker processes when it pays), suppress,
sort.

Each file's source goes through :func:`lint_source`, which never raises: an exception from the
engine becomes an FM000 finding for that file and the run goes on. Results are sorted at the
end, so the output is the same whatever the number of workers.
"""
from __future__ import annotations

import concurrent.futures
import functools
import io
import os
import re
import tokenize
import traceback
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass
from typing import List, Optional, Sequence, Tuple

from flaskmongo_lint import checker, noqa
from flaskmongo_lint.config import Config
from flaskmongo_lint.files import discover, display_path, missing_paths, path_matches
from flaskmongo_lint.findings import Finding
from flaskmongo_lint.fingerprints import assign_fingerprints

# The engine can only report on Flask code, and every Flask handler file mentions at least one
# of these; a file with none is not worth parsing (most of a large tree, typically).
FLASK_MARKERS: Tuple[bytes, ...] = (b"flask", b"Flask", b"request", b"route", b"Resource", b"payload")

# Below this many files a process pool costs more to start than it saves.
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
    missing: Tuple[str, ...] = ()  # paths given that do not exist: exit status 2


def might_be_flask(source: bytes) -> bool:
    return any(marker in source for marker in FLASK_MARKERS)


_SKIP_FILE = re.compile(rb"^[ \t]*#[ \t]*flaskmongo-lint:[ \t]*skip-file[ \t]*$", re.MULTILINE | re.IGNORECASE)


def skips_file(source: bytes) -> bool:
    """Whether the file opts out with a ``# flaskmongo-lint: skip-file`` line of its own."""
    return b"skip-file" in source.lower() and _SKIP_FILE.search(source) is not None


def _decode(source: bytes) -> str:
    """The file's text as Python would read it (PEP 263 coding cookie, BOM, default UTF-8)."""
    encoding, _ = tokenize.detect_encoding(io.BytesIO(source).readline)
    return source.decode(encoding)


def _one_line(text: str) -> str:
    return " ".join(text.split())


def check_file(path: str, config: Config) -> FileResult:
    """Read one file and lint it (see :func:`lint_source`). Never raises."""
    try:
        with open(path, "rb") as handle:
            source = handle.read()
    except OSError as exc:
        finding = Finding(path, 1, 1, UNREADABLE, f"cannot read file: {_one_line(exc.strerror or str(exc))}")
        return FileResult(path, _suppress(assign_fingerprints([finding], config.root), "", path, config))
    return lint_source(path, source, config)


def lint_source(path: str, source: bytes, config: Config, *, apply_noqa: bool = True) -> FileResult:
    """The findings of one file, ``source`` read as if it were ``path``: the one place a file's
    text becomes findings, for files on disk, standard input and the flake8 plugin alike.

    Applies skip-file, select/ignore, per-file-ignores for ``path`` and (unless ``apply_noqa`` is
    false, for flake8, which applies its own) noqa, FM002 included; assigns fingerprints. The
    baseline is applied by the caller, over the whole run. Never raises: an exception from the
    engine becomes an FM000 finding and its traceback ``FileResult.error``.
    """
    if skips_file(source):
        return FileResult(path, ())
    flask = might_be_flask(source)
    # FM002 looks at every file with a noqa, Flask or not: a noqa in a file the rules never
    # report on silences nothing.
    wants_unused_noqa = apply_noqa and config.is_selected(noqa.UNUSED_NOQA) and b"noqa" in source.lower()
    if not flask and not wants_unused_noqa:
        return FileResult(path, ())
    try:
        text = _decode(source)
    except (SyntaxError, UnicodeDecodeError, LookupError) as exc:
        finding = Finding(path, 1, 1, UNREADABLE, f"cannot read file: {_one_line(str(exc))}")
        return FileResult(path, _suppress(assign_fingerprints([finding], config.root), "", path, config, apply_noqa))

    error: Optional[str] = None
    findings: List[Finding] = []
    if flask:
        try:
            # Looked up on the module at call time, so tests (and plugins) can replace it.
            findings = list(checker.check_source(source, path, config.analysis))
        except Exception as exc:  # noqa: BLE001 - one file's failure must not end the run
            error = traceback.format_exc()
            message = f"internal error: {type(exc).__name__}: {_one_line(str(exc))}"
            findings = [Finding(path, 1, 1, INTERNAL_ERROR, message)]
    # Before suppression, so a fingerprint does not depend on what this run selects or silences.
    findings = assign_fingerprints(findings, config.root)
    kept = list(_suppress(findings, text, path, config, apply_noqa))
    if wants_unused_noqa and not any(f.code in (INTERNAL_ERROR, UNREADABLE) for f in findings):
        # A file that did not parse tells nothing about which noqa comments are used.
        unused = assign_fingerprints(noqa.unused_noqa(findings, text, path), config.root)
        kept.extend(_suppress(unused, text, path, config, apply_noqa))
    return FileResult(path, tuple(sorted(kept)), error)


def _suppress(
    findings: Sequence[Finding], text: str, path: str, config: Config, apply_noqa: bool = True
) -> Tuple[Finding, ...]:
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


def _workers(jobs: Optional[int], files: int) -> int:
    """How many processes: ``jobs`` if given, else one per CPU for more than a handful of files."""
    if files <= 1:
        return 1
    if jobs is None:
        if files <= PARALLEL_THRESHOLD:
            return 1
        jobs = os.cpu_count() or 1
    return max(1, min(jobs, files))


def _check_all(files: Sequence[str], config: Config, workers: int) -> Tuple[List[FileResult], int]:
    if workers > 1:
        task = functools.partial(check_file, config=config)
        chunksize = max(1, len(files) // (workers * 4))
        try:
            with concurrent.futures.ProcessPoolExecutor(max_workers=workers) as pool:
                return list(pool.map(task, files, chunksize=chunksize)), workers
        except (OSError, NotImplementedError, BrokenProcessPool):
            # No process pool here (a sandbox without semaphores, a worker killed by the OS):
            # the same work in-process gives the same answer, only slower.
            pass
    return [check_file(path, config) for path in files], 1


def run(paths: Sequence[str], config: Config, *, jobs: Optional[int] = None) -> RunResult:
    """Lint ``paths`` (files or folders; default ``.``) with ``config``.

    ``jobs``: worker processes; None picks automatically, 1 checks in this process. A path that
    does not exist is listed in ``RunResult.missing`` and the others are linted; nothing raises
    for a file's sake.
    """
    files = discover(paths, config)
    results, used = _check_all(files, config, _workers(jobs, len(files)))
    findings = sorted(f for r in results for f in r.findings)
    tracebacks = tuple((r.path, r.error) for r in results if r.error is not None)
    return RunResult(
        findings=tuple(findings),
        files=tuple(files),
        internal_error=bool(tracebacks),
        tracebacks=tracebacks,
        jobs=used,
        missing=tuple(missing_paths(list(paths) or ["."])),
    )


def run_source(path: str, source: bytes, config: Config) -> RunResult:
    """Lint one file's text that does not come from disk (standard input) as if it were ``path``."""
    result = lint_source(display_path(path), source, config)
    tracebacks = ((result.path, result.error),) if result.error is not None else ()
    return RunResult(
        findings=result.findings,
        files=(result.path,),
        internal_error=bool(tracebacks),
        tracebacks=tracebacks,
    )
