"""What both commands (the lint and ``routes``) share: the program name, exit statuses, one-line
errors, and the ``--jobs`` type."""
from __future__ import annotations

from typing import Any, List, Optional

import click

PROG = "flaskmongo-lint"
EXIT_CLEAN, EXIT_FINDINGS, EXIT_ERROR = 0, 1, 2
STDIN = "-"


class Fail(Exception):
    """An error to report as ``flaskmongo-lint: error: <message>`` with exit status 2."""


def _one_line(text: str) -> str:
    return " ".join(text.split())


def error(message: str) -> None:
    click.echo(f"{PROG}: error: {_one_line(message)}", err=True)


def note(message: str) -> None:
    click.echo(f"{PROG}: {message}", err=True)


class Jobs(click.ParamType):
    """``auto`` or a positive number of worker processes."""

    name = "jobs"

    def convert(self, value: Any, param: Optional[click.Parameter], ctx: Optional[click.Context]) -> Optional[int]:
        if value is None or isinstance(value, int):
            return value
        if str(value).lower() == "auto":
            return None
        try:
            number = int(value)
        except ValueError:
            number = 0
        if number < 1:
            self.fail(f"{value!r} is not 'auto' or a positive number", param, ctx)
        return number


class OneLineCommand(click.Command):
    """A click command whose usage errors are one line like every other error, instead of
    click's usage text, blank line and "Error: ..." (three lines a CI log reader must parse)."""

    def make_context(self, info_name: Optional[str], args: List[str], parent: Optional[click.Context] = None,
                     **extra: Any) -> click.Context:
        try:
            return super().make_context(info_name, args, parent, **extra)
        except click.UsageError as exc:
            error(f"{exc.format_message().rstrip('.')} (see --help)")
            raise click.exceptions.Exit(EXIT_ERROR) from exc


__all__ = ["EXIT_CLEAN", "EXIT_ERROR", "EXIT_FINDINGS", "PROG", "STDIN", "Fail", "Jobs", "OneLineCommand", "error", "note"]
