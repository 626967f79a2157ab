"""Discovery: which files a run looks at, in a stable order.

Paths named on the command line are always linted (a file of any extension, a folder walked);
inside folders only ``*.py`` files are taken, in sorted order, skipping excluded names and any
folder holding a ``pyvenv.cfg`` (a virtualenv, whatever it is called).
"""
from __future__ import annotations

import fnmatch
import os
from typing import Iterator, List, Sequence, Set

from flaskmongo_lint.config import Config


def display_path(path: str) -> str:
    """The form a path is printed in: as given, normalised (``./a/../b.py`` -> ``b.py``)."""
    return os.path.normpath(path)


def relative_to_root(path: str, root: str) -> str:
    """``path`` relative to ``root`` with forward slashes; the absolute path when outside it."""
    absolute = os.path.abspath(path)
    try:
        rel = os.path.relpath(absolute, os.path.abspath(root))
    except ValueError:  # pragma: no cover - another drive on Windows
        rel = absolute
    if rel == os.pardir or rel.startswith(os.pardir + os.sep):
        rel = absolute
    return rel.replace(os.sep, "/")


def _normalise_pattern(pattern: str) -> str:
    pattern = pattern.replace("\\", "/")
    while pattern.startswith("./"):
        pattern = pattern[2:]
    return pattern.rstrip("/") or pattern


def path_matches(path: str, pattern: str, root: str) -> bool:
    """Whether ``pattern`` matches ``path`` (flake8-style).

    A pattern without a slash matches the file or folder name (``build``, ``*.egg-info``,
    ``test_*.py``); one with a slash is a glob on the path relative to ``root`` (``src/gen/*``,
    ``tests/**/*.py``), and also matches everything below a folder it names. ``*`` crosses
    slashes as in flake8's fnmatch, and ``**/`` may also match nothing.
    """
    pattern = _normalise_pattern(pattern)
    if "/" not in pattern:
        return fnmatch.fnmatch(os.path.basename(os.path.normpath(path)), pattern)
    rel = relative_to_root(path, root)
    candidates = {pattern}
    if "**/" in pattern:
        candidates.add(pattern.replace("**/", ""))
    return any(fnmatch.fnmatch(rel, c) or fnmatch.fnmatch(rel, c + "/*") for c in candidates)


def is_excluded(path: str, config: Config) -> bool:
    """Whether a file or folder met while walking is excluded by ``exclude``/``extend-exclude``."""
    return any(path_matches(path, p, config.root) for p in config.all_excludes)


def _is_virtualenv(directory: str) -> bool:
    return os.path.isfile(os.path.join(directory, "pyvenv.cfg"))


def _walk(directory: str, config: Config) -> Iterator[str]:
    try:
        entries = sorted(os.scandir(directory), key=lambda e: e.name)
    except OSError:
        # An unreadable folder is skipped like flake8 does; its files could not be read anyway.
        return
    for entry in entries:
        path = os.path.join(directory, entry.name)
        if is_excluded(path, config):
            continue
        # follow_symlinks=False on folders: a link back up the tree must not loop forever.
        if entry.is_dir(follow_symlinks=False):
            if not _is_virtualenv(path):
                yield from _walk(path, config)
        elif entry.name.endswith(".py") and entry.is_file():
            yield path


def missing_paths(paths: Sequence[str]) -> List[str]:
    """The paths of ``paths`` that do not exist, in the order given."""
    return [p for p in paths if not os.path.exists(p)]


def discover(paths: Sequence[str], config: Config) -> List[str]:
    """The files to lint under ``paths`` (default ``.``): display paths, deduplicated, in order.

    A path that does not exist is passed over (see :func:`missing_paths`): the run reports it
    and lints the rest.
    """
    given = list(paths) or ["."]
    seen: Set[str] = set()
    result: List[str] = []
    for path in given:
        if not os.path.exists(path):
            continue
        if os.path.isdir(path):
            found: Iterator[str] = _walk(path, config)
        else:
            found = iter([path])
        for file in found:
            shown = display_path(file)
            key = os.path.realpath(shown)
            if key not in seen:
                seen.add(key)
                result.append(shown)
    return result
