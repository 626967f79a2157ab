"""The result cache: a group of files that has not changed is not parsed again.

A group (files that import each other, analysed as one project) is the unit the analysis works
on, so it is the unit cached: its key is a hash of the tool's own code, the configuration in
force, and the path, module name and content hash of every file in the group. Any change to one
of them (a file edited, added to or removed from the group, a setting, an upgrade of the tool)
gives another key, so an entry is never stale, only unused. What is stored is the group's
results exactly as the run would print them (after fingerprints, suppression and noqa).

Beside the groups, a whole run's report is stored, keyed the same way over every file found and
the options that shape the output: a re-run over an unchanged tree with the same command reads
and hashes the files and prints what the last one printed, without grouping them or rendering
thousands of findings again.

Entries are JSON, never pickle: a cache folder inside a repository is data a stranger could have
committed, and reading it must not run code. Each entry is written to a temporary file and moved
into place (``os.replace``), so concurrent runs never see half an entry; one that cannot be read
or decoded is ignored and recomputed. The folder holds a ``.gitignore`` of ``*`` (and a
``CACHEDIR.TAG``), so it never ends up in version control or backups.
"""
from __future__ import annotations

import hashlib
import json
import os
from typing import TYPE_CHECKING, Any, Dict, List, Optional, Sequence, Tuple

from flaskmongo_lint import __version__
from flaskmongo_lint.config import Config

if TYPE_CHECKING:  # groups and findings: a replayed report reads neither
    from flaskmongo_lint.findings import Finding, Location
    from flaskmongo_lint.modules import SourceFile

DIRECTORY_NAME = ".flaskmongo_lint_cache"
ENVIRONMENT_VARIABLE = "FLASKMONGO_LINT_CACHE_DIR"
# Bump when the layout of an entry changes.
FORMAT = "1"
_GITIGNORE = "# Created by flaskmongo-lint: the result cache, safe to delete.\n*\n"
_CACHEDIR_TAG = (
    "Signature: 8a477f597d28d172789f06886806bc55\n"
    "# This file is a cache directory tag created by flaskmongo-lint.\n"
    "# For information about cache directory tags see https://bford.info/cachedir/\n"
)

# (findings, traceback of an internal error) per file, and the group's budget notes: what
# runner.check_group gives, in plain data.
FileEntry = Tuple[str, Tuple["Finding", ...], Optional[str]]
GroupEntry = Tuple[List[FileEntry], Tuple[str, ...]]
# A whole run's report: standard output (UTF-8), standard error, exit status; and its key: the slot
# (settings and command) and the digest of the files it read.
Replay = Tuple[bytes, str, int]
ReportKey = Tuple[str, str]


def default_directory(config: Config) -> str:
    """Where the cache lives: ``$FLASKMONGO_LINT_CACHE_DIR``, else ``.flaskmongo_lint_cache`` in
    the project root (the folder of the configuration file, or the current one)."""
    return os.environ.get(ENVIRONMENT_VARIABLE) or os.path.join(config.root, DIRECTORY_NAME)


def _code_stamp() -> str:
    """The tool's own code: its version and the size and modification time of each of its
    modules, so an edited checkout never reads results an older analysis wrote."""
    package = os.path.dirname(os.path.abspath(__file__))
    parts = [__version__]
    for folder, dirs, files in os.walk(package):
        dirs[:] = sorted(d for d in dirs if d != "__pycache__")
        for name in sorted(files):
            if name.endswith(".py"):
                try:
                    info = os.stat(os.path.join(folder, name))
                except OSError:
                    continue
                parts.append(f"{os.path.relpath(os.path.join(folder, name), package)}:{info.st_size}:{info.st_mtime_ns}")
    return hashlib.sha256("\n".join(parts).encode()).hexdigest()


class ResultCache:
    """Group results by key, in one folder. Never raises: a folder that cannot be written only
    means nothing is cached."""

    def __init__(self, directory: str, config: Config) -> None:
        self.directory = os.path.abspath(directory)
        self.entries = os.path.join(self.directory, f"v{FORMAT}")
        # Everything in the configuration can change a result: selection, per-file ignores,
        # the analysis vocabulary, the root fingerprints are relative to.
        self._settings = hashlib.sha256(f"{_code_stamp()}\n{config!r}".encode()).hexdigest()
        self._ready = False
        self.hits = 0
        self.misses = 0

    def key(self, group: Sequence["SourceFile"]) -> str:
        """The key of a group's results: settings, then each file's path, names and content."""
        digest = hashlib.sha256(self._settings.encode())
        for f in sorted(group, key=lambda f: f.path):
            digest.update(b"\0" + "\0".join((f.path, f.name, f.imported_as, str(f.is_package))).encode())
            digest.update(b"\0" + hashlib.sha256(f.source).digest())
        return digest.hexdigest()

    def _path(self, key: str) -> str:
        return os.path.join(self.entries, key[:2], key + ".json")

    def get(self, key: str) -> Optional[GroupEntry]:
        """The stored results for ``key``, or None (not there, unreadable or corrupt)."""
        try:
            with open(self._path(key), "r", encoding="utf-8") as handle:
                found = _decode(json.load(handle))
        except (OSError, ValueError, TypeError, KeyError, IndexError):
            found = None
        if found is None:
            self.misses += 1
        else:
            self.hits += 1
        return found

    def put(self, key: str, entry: GroupEntry) -> None:
        """Store ``entry`` under ``key``, atomically; a failure is ignored."""
        self._store(key, _encode(entry))

    def _store(self, key: str, data: Dict[str, Any]) -> None:
        self._write(self._path(key), json.dumps(data, separators=(",", ":")).encode())

    def _write(self, path: str, data: bytes) -> None:
        """``data`` into ``path``, through a temporary file moved into place (readers never see
        half of it); a failure is ignored."""
        import tempfile  # only when something is stored: a warm run stores nothing

        try:
            self._prepare()
            os.makedirs(os.path.dirname(path), exist_ok=True)
            handle, temporary = tempfile.mkstemp(dir=os.path.dirname(path), prefix=".tmp-")
            try:
                with os.fdopen(handle, "wb") as out:
                    out.write(data)
                os.replace(temporary, path)
            except BaseException:
                try:
                    os.unlink(temporary)
                except OSError:
                    pass
                raise
        except OSError:
            pass

    # ------------------------------------------------------------------ whole reports
    def report_key(self, command: str, files: Sequence[Tuple[str, Optional[bytes], str]]) -> ReportKey:
        """Where a run's report is kept and what it was made of: the slot is the settings and
        ``command`` (everything else the output depends on: the options, the working directory,
        the interpreter), so each command keeps only its latest report; the inputs are every file
        found with its content (or why it could not be read)."""
        slot = hashlib.sha256(f"report\0{self._settings}\0{command}".encode()).hexdigest()
        digest = hashlib.sha256()
        for path, source, problem in files:
            digest.update(b"\0" + path.encode("utf-8", "surrogateescape") + b"\0" + problem.encode())
            if source is not None:
                digest.update(hashlib.sha256(source).digest())
        return slot, digest.hexdigest()

    def _report_path(self, slot: str) -> str:
        return os.path.join(self.directory, f"reports{FORMAT}", slot[:2], slot + ".txt")

    def get_report(self, key: ReportKey) -> Optional[Replay]:
        """The report the last run of the same command stored, if it read the same files: what it
        wrote to standard output (as bytes, UTF-8) and standard error, and its exit status; None
        if there is none, the files differ, or the entry is corrupt."""
        slot, inputs = key
        try:
            with open(self._report_path(slot), "rb") as handle:
                header = json.loads(handle.readline())
                if header["inputs"] != inputs:
                    return None
                out = handle.read()
            if len(out) != header["length"]:  # cut short
                return None
            return out, str(header["err"]), int(header["status"])
        except (OSError, ValueError, TypeError, KeyError):
            return None

    def put_report(self, key: ReportKey, replay: Replay) -> None:
        """Store a run's report (a line of JSON, then the output as it was written), in place
        of the command's earlier one."""
        slot, inputs = key
        out, err, status = replay
        header = json.dumps({"inputs": inputs, "length": len(out), "err": err, "status": status},
                            separators=(",", ":"))
        self._write(self._report_path(slot), header.encode() + b"\n" + out)

    def _prepare(self) -> None:
        """Create the folder with its ``.gitignore`` and ``CACHEDIR.TAG`` (once per run)."""
        if self._ready:
            return
        os.makedirs(self.directory, exist_ok=True)
        for name, text in ((".gitignore", _GITIGNORE), ("CACHEDIR.TAG", _CACHEDIR_TAG)):
            target = os.path.join(self.directory, name)
            if not os.path.exists(target):
                with open(target, "w", encoding="utf-8") as out:
                    out.write(text)
        self._ready = True


# ------------------------------------------------------------------ plain data both ways

def _place(p: "Location") -> List[Any]:
    return [p.path, p.line, p.col, p.end_line, p.end_col, p.message]


def _finding(f: "Finding") -> Dict[str, Any]:
    return {
        "p": f.path, "l": f.line, "c": f.col, "k": f.code, "m": f.message, "n": f.confidence,
        "el": f.end_line, "ec": f.end_col, "s": f.snippet, "o": f.scope, "fp": f.fingerprint,
        "f": [_place(s) for s in f.flow], "r": [_place(r) for r in f.related],
    }


def _encode(entry: GroupEntry) -> Dict[str, Any]:
    files, notes = entry
    return {
        "files": [[path, [_finding(f) for f in findings], error] for path, findings, error in files],
        "notes": list(notes),
    }


def _decode(data: Dict[str, Any]) -> GroupEntry:
    from flaskmongo_lint.findings import Finding, FlowStep, Location

    files: List[FileEntry] = []
    for path, findings, error in data["files"]:
        decoded = tuple(
            Finding(
                str(f["p"]), int(f["l"]), int(f["c"]), str(f["k"]), str(f["m"]), f["n"], int(f["el"]), int(f["ec"]),
                str(f["s"]), str(f["o"]), tuple(FlowStep(*s) for s in f["f"]), tuple(Location(*r) for r in f["r"]),
                str(f["fp"]),
            )
            for f in findings
        )
        files.append((str(path), decoded, error if error is None else str(error)))
    return files, tuple(str(n) for n in data["notes"])


__all__ = ["DIRECTORY_NAME", "ENVIRONMENT_VARIABLE", "ResultCache", "default_directory"]
