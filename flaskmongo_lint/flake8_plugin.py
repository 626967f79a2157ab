"""The flake8 plugin: ``flake8 --select FM`` runs the same rules as ``flaskmongo-lint``.

flake8 decides what is reported: its ``select``/``ignore``, ``per-file-ignores`` and ``# noqa``
(``--disable-noqa`` included) apply to FM codes like to any other, so the plugin reports every
finding of the file and applies none of flaskmongo-lint's own selection or noqa handling.
``[tool.flaskmongo-lint]`` in the nearest pyproject.toml still supplies the analysis vocabulary
(``owner-fields``, ``identity-functions`` ...), and ``# flaskmongo-lint: skip-file`` still skips.

flake8 skips plugins that take the syntax tree on a file that does not parse and reports E999
itself, so FM001 is not reported here.
"""
from __future__ import annotations

import ast
import io
import tokenize
from dataclasses import replace
from functools import lru_cache
from typing import Iterator, List, Tuple, Type

from flaskmongo_lint import __version__
from flaskmongo_lint.config import Config, load_config
from flaskmongo_lint.files import display_path
from flaskmongo_lint.runner import lint_source


@lru_cache(maxsize=None)
def _config() -> Config:
    """The configuration for this flake8 process, with selection left to flake8."""
    return replace(load_config(), select=("FM",), ignore=(), per_file_ignores={})


def _encode(lines: List[str]) -> bytes:
    """The file's bytes again from flake8's decoded lines, in the encoding its coding cookie
    names (so positions and string contents come out as for the file on disk)."""
    text = "".join(lines)
    try:
        encoding, _ = tokenize.detect_encoding(io.BytesIO(text.encode("utf-8")).readline)
        return text.encode(encoding)
    except (SyntaxError, LookupError, UnicodeEncodeError):
        return text.encode("utf-8")


class Flake8Plugin:
    """flake8's entry point ``FM`` (see pyproject.toml)."""

    name = "flaskmongo-lint"
    version = __version__

    def __init__(self, tree: ast.AST, filename: str, lines: List[str]) -> None:
        # flake8 classifies a plugin by its parameters: taking ``tree`` makes this a "tree"
        # plugin, run once per file. The analysis parses the file itself.
        self.filename = filename
        self.lines = lines

    def run(self) -> Iterator[Tuple[int, int, str, Type["Flake8Plugin"]]]:
        result = lint_source(display_path(self.filename), _encode(self.lines), _config(), apply_noqa=False)
        for finding in result.findings:
            # flake8 counts columns from 0 and adds 1 when it prints them.
            yield finding.line, finding.col - 1, f"{finding.code} {finding.message}", type(self)
