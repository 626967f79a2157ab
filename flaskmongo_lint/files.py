"""Discovery: which files a run looks at, in a stable order.

Paths named on the command line are always linted (a file of any extension, a folder walked);
inside folders only ``*.py`` files are taken, in sorted order, skipping excluded names and any
folder holding a ``pyvenv.cfg`` (a virtualenv, whatever it is called). A folder that cannot be
read is reported (FM001), never skipped in silence; symbolic links are followed only to targets
inside the paths given.
"""
from __future__ import annotations

import fnmatch
import functools
import os
import re
from dataclasses import dataclass, field
from typing import Callable, Iterator, List, Optional, Sequence, Set, Tuple

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
    return _matcher((pattern,), root)(path)


def is_excluded(path: str, config: Config) -> bool:
    """Whether a file or folder met while walking is excluded by ``exclude``/``extend-exclude``."""
    return _matcher(config.all_excludes, config.root)(path)


@functools.lru_cache(maxsize=64)
def _matcher(patterns: Tuple[str, ...], root: str) -> Callable[[str], bool]:
    """:func:`path_matches` for any of ``patterns`` at once: one regular expression for the name
    patterns and one for the path patterns (the walk asks for every file and folder it meets)."""
    names: List[str] = []
    paths: List[str] = []
    for raw in patterns:
        pattern = _normalise_pattern(raw)
        if "/" not in pattern:
            names.append(fnmatch.translate(os.path.normcase(pattern)))
            continue
        candidates = {pattern}
        if "**/" in pattern:
            candidates.add(pattern.replace("**/", ""))
        for c in sorted(candidates):
            paths += [fnmatch.translate(os.path.normcase(c)), fnmatch.translate(os.path.normcase(c + "/*"))]
    by_name = re.compile("|".join(names)).match if names else None
    by_path = re.compile("|".join(paths)).match if paths else None

    def matches(path: str) -> bool:
        if by_name is not None and by_name(os.path.normcase(os.path.basename(os.path.normpath(path)))):
            return True
        return by_path is not None and by_path(os.path.normcase(relative_to_root(path, root))) is not None

    return matches


def read_bytes(path: str, max_size: int) -> Tuple[Optional[bytes], str]:
    """A file's bytes and ""; or None and why it is not read, as FM001 says it: larger than
    ``max_size`` (then not even read: a generated file of gigabytes must cost nothing), or an
    error of the operating system."""
    try:
        with open(path, "rb") as handle:
            size = os.fstat(handle.fileno()).st_size
            if size > max_size:
                return None, too_large(size, max_size)
            return handle.read(), ""
    except OSError as exc:
        return None, f"cannot read file: {' '.join((exc.strerror or str(exc)).split())}"


def too_large(size: int, limit: int) -> str:
    """The FM001 message of a file larger than ``max-file-size``."""
    return f"file is {_size(size)}, larger than max-file-size ({_size(limit)}): not analysed"


def _size(n: int) -> str:
    for unit, scale in (("MB", 1_000_000), ("kB", 1_000)):
        if n >= scale:
            return f"{n / scale:.1f} {unit}"
    return f"{n} bytes"


def _is_virtualenv(directory: str) -> bool:
    return os.path.isfile(os.path.join(directory, "pyvenv.cfg"))


@dataclass
class Discovery:
    """What walking the paths found: the files to lint, the files or folders that could not be
    read (FM001, with why), and notes for ``--verbose`` (links passed over)."""

    files: List[str] = field(default_factory=list)
    unreadable: List[Tuple[str, str]] = field(default_factory=list)
    notes: List[str] = field(default_factory=list)


class _Walker:
    """One walk over the given paths. Folders are entered once each, by their real path, so a
    link back up the tree cannot loop; a link (to a file or a folder) is followed only when its
    target lies inside one of the paths given, so a link to ``/`` or to another checkout does
    not drag foreign code in; a link that loops or points nowhere is a note, not an error."""

    def __init__(self, roots: Sequence[str], config: Config) -> None:
        self.config = config
        self.roots = [os.path.realpath(r) for r in roots]
        self.entered: Set[str] = set()
        self.out = Discovery()

    def inside_roots(self, real: str) -> bool:
        return any(real == r or real.startswith(r.rstrip(os.sep) + os.sep) for r in self.roots)

    def walk(self, directory: str) -> Iterator[Tuple[str, str]]:
        """The ``.py`` files under ``directory``, each with its real path (what tells two
        names of one file apart: a file that is no link is its folder's real path and name)."""
        real = os.path.realpath(directory)
        if real in self.entered:
            return
        self.entered.add(real)
        try:
            with os.scandir(directory) as found:
                entries = sorted(found, key=lambda e: e.name)
        except OSError as exc:
            self.out.unreadable.append((display_path(directory), f"cannot read folder: {_why(exc)}"))
            return
        for entry in entries:
            path = os.path.join(directory, entry.name)
            if is_excluded(path, self.config):
                continue
            try:
                is_link = entry.is_symlink()
                if is_link and not self._follow(path):
                    continue
                if entry.is_dir():
                    if not _is_virtualenv(path):
                        yield from self.walk(path)
                elif entry.name.endswith(".py") and entry.is_file():
                    yield path, os.path.realpath(path) if is_link else os.path.join(real, entry.name)
            except OSError as exc:
                # A link that loops (ELOOP), or an entry gone since the folder was listed.
                self.out.notes.append(f"skipped {display_path(path)}: {_why(exc)}")

    def _follow(self, link: str) -> bool:
        """Whether to follow the symbolic link ``link`` met while walking (else a note)."""
        try:
            os.stat(link)  # follows the link: ELOOP or ENOENT say why it leads nowhere, on every version
            real = os.path.realpath(link)
        except OSError as exc:
            self.out.notes.append(f"skipped link {display_path(link)}: {_why(exc)}")
            return False
        if not os.path.exists(real):
            self.out.notes.append(f"skipped link {display_path(link)}: it points to nothing")
            return False
        if not self.inside_roots(real):
            self.out.notes.append(f"skipped link {display_path(link)}: it points outside the linted paths")
            return False
        return True


def _why(exc: OSError) -> str:
    """An OS error as a short lower-case reason: "permission denied", "too many levels of
    symbolic links"."""
    return (exc.strerror or str(exc)).lower()


def missing_paths(paths: Sequence[str]) -> List[str]:
    """The paths of ``paths`` that do not exist, in the order given."""
    return [p for p in paths if not os.path.exists(p)]


def discover(paths: Sequence[str], config: Config) -> List[str]:
    """The files to lint under ``paths`` (default ``.``): display paths, deduplicated, in order.

    A path that does not exist is passed over (see :func:`missing_paths`): the run reports it
    and lints the rest.
    """
    return discover_all(paths, config).files


def discover_all(paths: Sequence[str], config: Config) -> Discovery:
    """:func:`discover`, with the folders that could not be read and the links passed over.
    Never raises for a file's or a folder's sake."""
    given = list(paths) or ["."]
    walker = _Walker([p for p in given if os.path.isdir(p)], config)
    seen: Set[str] = set()
    for path in given:
        if not os.path.lexists(path) or (os.path.islink(path) and not os.path.exists(path)):
            if os.path.lexists(path):
                walker.out.notes.append(f"skipped link {display_path(path)}: it points to nothing")
            continue
        if os.path.isdir(path):
            found: Iterator[Tuple[str, str]] = walker.walk(path)
        else:
            # A file named on the command line is linted, whatever its name.
            found = iter([(path, os.path.realpath(path))])
        for file, key in found:
            if key not in seen:
                seen.add(key)
                walker.out.files.append(display_path(file))
    return walker.out
