"""Configuration: defaults, loading ``[tool.flaskmongo-lint]``, validation, command-line overrides.

The result is one frozen :class:`Config` built once per run and handed down to discovery, the
runner and (as :class:`AnalysisSettings`) the engine. Every problem with the file is a
:class:`ConfigError` whose message is one line naming the key and the file, because the command
line prints it as ``flaskmongo-lint: error: <message>`` and exits 2.
"""
from __future__ import annotations

import difflib
import os
import re
import sys
from dataclasses import dataclass, field, replace
from typing import Any, Dict, Iterable, List, Mapping, Optional, Sequence, Tuple

from flaskmongo_lint.settings import ANALYSIS_LISTS, AnalysisSettings

TOOL_NAME = "flaskmongo-lint"

DEFAULT_EXCLUDE: Tuple[str, ...] = (
    ".git", ".hg", ".svn", ".tox", ".nox", ".venv", "venv", "node_modules", "build", "dist",
    "__pycache__", ".eggs", "*.egg-info",
)

DEFAULT_MAX_FILE_SIZE = 8_000_000
_SIZE_RE = re.compile(r"^\s*([0-9]+(?:\.[0-9]+)?)\s*(b|kb|kib|mb|mib|gb|gib)?\s*$", re.IGNORECASE)
_SIZE_UNITS = {"b": 1, "kb": 1000, "kib": 1024, "mb": 1000 ** 2, "mib": 1024 ** 2, "gb": 1000 ** 3, "gib": 1024 ** 3}

# A code or a prefix of one: "FM", "FM1", "FM10", "FM101". Rule codes have three digits, so a
# longer number can never match anything and is surely a typo.
_CODE_RE = re.compile(r"^FM[0-9]{0,3}$")
# FM000-FM002 are reported by the runner, not by rules (see report/meta.py).
_META_PREFIX = "FM0"
# Codes that only a select entry naming them (or a prefix longer than "FM") switches on: FM002
# (unused noqa) is hygiene a team opts into, not a security finding.
OPT_IN_CODES: Tuple[str, ...] = ("FM002", "FM401")
_ALL_PREFIX = "FM"


class ConfigError(Exception):
    """A configuration problem; ``str()`` is a one-line message for the user."""


@dataclass(frozen=True)
class Config:
    """Everything a run needs to know besides the paths. Build it with :func:`load_config`."""

    select: Tuple[str, ...] = ("FM",)
    ignore: Tuple[str, ...] = ()
    exclude: Tuple[str, ...] = DEFAULT_EXCLUDE
    extend_exclude: Tuple[str, ...] = ()
    # glob -> code prefixes silenced in the files it matches
    per_file_ignores: Dict[str, Tuple[str, ...]] = field(default_factory=dict, hash=False)
    analysis: AnalysisSettings = field(default_factory=AnalysisSettings)
    # Directory that path patterns (exclude, per-file-ignores) are relative to: the directory of
    # the configuration file, like flake8 and Ruff; "." (the current directory) without one.
    root: str = "."
    # The file this was loaded from, for --verbose; None when only defaults are in force.
    source: Optional[str] = None
    # A baseline file (``baseline`` key, absolute): findings recorded in it are not reported.
    baseline: Optional[str] = None
    # Files larger than this many bytes are FM001, not analysed (``max-file-size``): no hand
    # written module is that large, and a generated one costs the parser gigabytes.
    max_file_size: int = DEFAULT_MAX_FILE_SIZE

    @property
    def all_excludes(self) -> Tuple[str, ...]:
        return self.exclude + self.extend_exclude

    def is_selected(self, code: str) -> bool:
        """Whether findings with ``code`` are reported, by select/ignore alone.

        Like Ruff and flake8: the longest prefix of ``code`` found in select or ignore decides,
        and on a tie ignore wins. The meta codes (FM000, FM001) behave as if "FM" were always
        selected, so narrowing ``select`` to some rules never hides a file that could not be
        parsed; only an explicit ignore does. An opt-in code (FM002) is selected only by an entry
        more specific than "FM" ("FM002", "FM00", "FM0").
        """
        if code in OPT_IN_CODES:
            select = tuple(s for s in self.select if s != _ALL_PREFIX)
        elif code.startswith(_META_PREFIX):
            select = self.select + (_ALL_PREFIX,)
        else:
            select = self.select
        best_select = _longest_prefix(code, select)
        best_ignore = _longest_prefix(code, self.ignore)
        if best_select < 0:
            return False
        return best_select > best_ignore

    def with_overrides(
        self,
        *,
        select: Optional[Sequence[str]] = None,
        ignore: Optional[Sequence[str]] = None,
        extend_select: Sequence[str] = (),
        extend_ignore: Sequence[str] = (),
    ) -> "Config":
        """Apply command-line options: ``select``/``ignore`` replace the file's lists, the
        ``extend_`` ones add to them. Codes must already be validated (see :func:`parse_codes`)."""
        new_select = tuple(select) if select is not None else self.select
        new_ignore = tuple(ignore) if ignore is not None else self.ignore
        return replace(
            self,
            select=_dedupe(new_select + tuple(extend_select)),
            ignore=_dedupe(new_ignore + tuple(extend_ignore)),
        )


def _longest_prefix(code: str, prefixes: Iterable[str]) -> int:
    """Length of the longest entry of ``prefixes`` that ``code`` starts with, -1 for none."""
    best = -1
    for prefix in prefixes:
        if code.startswith(prefix) and len(prefix) > best:
            best = len(prefix)
    return best


def _dedupe(items: Iterable[str]) -> Tuple[str, ...]:
    return tuple(dict.fromkeys(items))


# ---------------------------------------------------------------------------------------------
# Codes


def validate_code(code: str, where: str) -> str:
    """Normalise one code or prefix (strip, upper-case) or raise a ConfigError naming ``where``."""
    normal = code.strip().upper()
    if not _CODE_RE.match(normal):
        raise ConfigError(
            f"invalid code {code!r} in {where}: expected FM followed by up to three digits "
            f"(a code like FM101 or a prefix like FM1 or FM)"
        )
    return normal


def parse_codes(text: str, where: str, *, allow_empty: bool = True) -> Tuple[str, ...]:
    """Codes from a command-line value: separated by commas and/or whitespace.

    ``allow_empty=False`` (``--select``) makes an empty value an error: ``--select ""`` would
    otherwise switch every rule off and report a clean run.
    """
    parts = [p for p in re.split(r"[,\s]+", text) if p]
    if not parts and not allow_empty:
        raise ConfigError(f"{where} is empty, so nothing would be reported: give codes or prefixes (FM is everything)")
    return _dedupe(validate_code(p, where) for p in parts)


# ---------------------------------------------------------------------------------------------
# Loading


def _kebab(name: str) -> str:
    return name.replace("_", "-")


_LIST_KEYS: Tuple[str, ...] = ("select", "ignore", "exclude", "extend-exclude")
_PATH_KEYS: Tuple[str, ...] = ("baseline",)
_SIZE_KEYS: Tuple[str, ...] = ("max-file-size",)
_ANALYSIS_KEYS: Dict[str, str] = {}
for _name in ANALYSIS_LISTS:
    _ANALYSIS_KEYS[_kebab(_name)] = _name
    _ANALYSIS_KEYS["extend-" + _kebab(_name)] = _name
VALID_KEYS: Tuple[str, ...] = _LIST_KEYS + _PATH_KEYS + _SIZE_KEYS + ("per-file-ignores",) + tuple(_ANALYSIS_KEYS)


def _display(path: str) -> str:
    """A path as the user would like to read it: relative to the current directory when inside it."""
    try:
        rel = os.path.relpath(path)
    except ValueError:  # pragma: no cover - another drive on Windows
        return path
    return path if rel.startswith("..") else rel


def _read_toml(path: str) -> Dict[str, Any]:
    # Imported here: most runs find no pyproject.toml, or read one that has no table of ours.
    if sys.version_info >= (3, 11):  # pragma: no cover - depends on the interpreter
        import tomllib
    else:  # pragma: no cover - depends on the interpreter
        import tomli as tomllib
    try:
        with open(path, "rb") as handle:
            return tomllib.load(handle)
    except OSError as exc:
        raise ConfigError(f"cannot read config file {_display(path)}: {exc.strerror or exc}") from exc
    except tomllib.TOMLDecodeError as exc:
        message = " ".join(str(exc).split())
        raise ConfigError(f"cannot parse config file {_display(path)}: {message}") from exc


def _tool_table(document: Mapping[str, Any]) -> Optional[Any]:
    tool = document.get("tool")
    if not isinstance(tool, dict):
        return None
    return tool.get(TOOL_NAME)


def find_config_file(start: Optional[str] = None) -> Optional[str]:
    """The nearest ``pyproject.toml`` at or above ``start`` (default: the current directory)
    that has a ``[tool.flaskmongo-lint]`` table, or None.

    Like Ruff, a pyproject.toml without our table is passed over, so a sub-package with its own
    pyproject.toml still picks up the repository's settings. Files that do not mention the tool
    at all are skipped without parsing, so an unrelated broken pyproject.toml is not our error.
    """
    directory = os.path.abspath(start or os.getcwd())
    while True:
        candidate = os.path.join(directory, "pyproject.toml")
        if os.path.isfile(candidate) and _mentions_tool(candidate):
            if _tool_table(_read_toml(candidate)) is not None:
                return candidate
        parent = os.path.dirname(directory)
        if parent == directory:
            return None
        directory = parent


def _mentions_tool(path: str) -> bool:
    try:
        with open(path, "rb") as handle:
            return TOOL_NAME.encode() in handle.read()
    except OSError:
        return False


def load_config(config_file: Optional[str] = None, *, cwd: Optional[str] = None) -> Config:
    """The configuration in force.

    With ``config_file`` (``--config``): that file, a pyproject.toml or any TOML file, which
    must have a ``[tool.flaskmongo-lint]`` table. Without: the nearest pyproject.toml with that
    table upward from ``cwd`` (default: the current directory), or the defaults.
    """
    if config_file is not None:
        path = os.path.abspath(config_file)
        if not os.path.isfile(path):
            raise ConfigError(f"config file not found: {config_file}")
        table = _tool_table(_read_toml(path))
        if table is None:
            raise ConfigError(f"no [tool.{TOOL_NAME}] table in {_display(path)}")
    else:
        found = find_config_file(cwd)
        if found is None:
            return Config(root=os.path.abspath(cwd or os.getcwd()))
        path = found
        table = _tool_table(_read_toml(path))
    return config_from_table(table, path)


def config_from_table(table: Any, path: str) -> Config:
    """Validate the ``[tool.flaskmongo-lint]`` table read from ``path`` and build a Config."""
    where_file = _display(path)
    if not isinstance(table, dict):
        raise ConfigError(f"[tool.{TOOL_NAME}] in {where_file} must be a table")

    for key in table:
        if key not in VALID_KEYS:
            close = difflib.get_close_matches(key, VALID_KEYS, n=1)
            hint = f" (did you mean {close[0]!r}?)" if close else ""
            raise ConfigError(f"unknown key {key!r} in [tool.{TOOL_NAME}] of {where_file}{hint}")

    def strings(key: str) -> Tuple[str, ...]:
        value = table[key]
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise ConfigError(f"{key!r} in {where_file} must be a list of strings")
        return tuple(value)

    def codes(key: str, values: Tuple[str, ...]) -> Tuple[str, ...]:
        return _dedupe(validate_code(v, f"{key!r} of {where_file}") for v in values)

    changes: Dict[str, Any] = {}
    if "select" in table:
        changes["select"] = codes("select", strings("select"))
        if not changes["select"]:
            raise ConfigError(f"'select' in {where_file} is empty, so nothing would be reported: "
                              f"list codes or prefixes (select = [\"FM\"] is everything)")
    if "ignore" in table:
        changes["ignore"] = codes("ignore", strings("ignore"))
    if "exclude" in table:
        changes["exclude"] = strings("exclude")
    if "extend-exclude" in table:
        changes["extend_exclude"] = strings("extend-exclude")
    if "per-file-ignores" in table:
        changes["per_file_ignores"] = _per_file_ignores(table["per-file-ignores"], where_file)
    if "baseline" in table:
        value = table["baseline"]
        if not isinstance(value, str) or not value:
            raise ConfigError(f"'baseline' in {where_file} must be a file name (a string)")
        # Relative to the configuration file, like the path patterns.
        changes["baseline"] = os.path.join(os.path.dirname(os.path.abspath(path)), value)
    if "max-file-size" in table:
        changes["max_file_size"] = parse_size(table["max-file-size"], f"'max-file-size' in {where_file}")

    analysis: Dict[str, Tuple[str, ...]] = {}
    defaults = AnalysisSettings()
    for name in ANALYSIS_LISTS:
        key = _kebab(name)
        base = strings(key) if key in table else getattr(defaults, name)
        extra = strings("extend-" + key) if "extend-" + key in table else ()
        analysis[name] = _dedupe(base + extra)

    return Config(
        analysis=AnalysisSettings(**analysis),
        root=os.path.dirname(os.path.abspath(path)),
        source=path,
        **changes,
    )


def parse_size(value: Any, where: str) -> int:
    """A size in bytes: an integer, or a string with a unit (``"5MB"``, ``"512 KiB"``)."""
    if isinstance(value, bool) or not isinstance(value, (int, str)):
        raise ConfigError(f"{where} must be a number of bytes or a size like \"5MB\"")
    if isinstance(value, int):
        number = value
    else:
        found = _SIZE_RE.match(value)
        if found is None:
            raise ConfigError(f"{where} must be a number of bytes or a size like \"5MB\", not {value!r}")
        number = int(float(found.group(1)) * _SIZE_UNITS[(found.group(2) or "b").lower()])
    if number <= 0:
        raise ConfigError(f"{where} must be positive")
    return number


def _per_file_ignores(value: Any, where_file: str) -> Dict[str, Tuple[str, ...]]:
    if not isinstance(value, dict):
        raise ConfigError(f"'per-file-ignores' in {where_file} must be a table of glob = [codes]")
    result: Dict[str, Tuple[str, ...]] = {}
    for glob, codes in value.items():
        if not isinstance(codes, list) or not all(isinstance(c, str) for c in codes):
            raise ConfigError(
                f"'per-file-ignores' entry {glob!r} in {where_file} must be a list of strings"
            )
        where = f"'per-file-ignores' entry {glob!r} of {where_file}"
        result[glob] = _dedupe(validate_code(c, where) for c in codes)
    return result


def describe(config: Config) -> List[str]:
    """Lines describing the configuration in force, for --verbose."""
    source = _display(config.source) if config.source else "defaults (no [tool.flaskmongo-lint] found)"
    return [
        f"config: {source}",
        f"select: {', '.join(config.select) or '(nothing)'}",
        f"ignore: {', '.join(config.ignore) or '(nothing)'}",
        f"baseline: {_display(config.baseline) if config.baseline else '(none)'}",
    ]
