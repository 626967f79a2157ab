"""``flaskmongo-lint routes [OPTIONS] [PATH]...``: the route map on the command line.

A subcommand rather than a ``--routes`` flag of the lint, because it is another report with its
own formats (text, markdown, json, html: none of the lint's formats means anything for a map, and
no map format is a list of findings) and its own exit status (a map is not a failure: 0 unless it
could not be made). It shares what it can with the lint: the same file discovery and
configuration, and ``--select``/``--ignore`` decide which finding codes the map shows.

Exit status: 0 the map was printed; 2 a usage or configuration error, a path that does not exist,
or an internal error in some file (the map of the rest is still printed).
"""
from __future__ import annotations

import os
import shutil
import sys
import time
from dataclasses import replace
from typing import Any, Optional

import click

from flaskmongo_lint.clikit import EXIT_CLEAN, EXIT_ERROR, PROG, Fail, Jobs, OneLineCommand, error
from flaskmongo_lint.config import Config, ConfigError, describe, load_config, parse_codes
from flaskmongo_lint.routemap.build import MapResult, build
from flaskmongo_lint.routemap.formats import MapFormat, render

COMMAND = "routes"
INTERNAL_ERROR = "internal error"


@click.command(COMMAND, cls=OneLineCommand, context_settings={"help_option_names": ["-h", "--help"]})
@click.argument("paths", nargs=-1, metavar="[PATH]...")
@click.option("--format", "output_format", type=click.Choice([f.value for f in MapFormat]), default="text",
              show_default=True, help="Output format.")
@click.option("--output-file", metavar="FILE", help="Write the map to FILE instead of standard output.")
@click.option("--width", type=click.IntRange(min=40), metavar="N",
              help="Fit the text table in N columns (default: the terminal's width, none when not writing to one).")
@click.option("--config", "config_file", metavar="FILE", help="Read [tool.flaskmongo-lint] from FILE instead of the nearest pyproject.toml.")
@click.option("--select", metavar="CODES", help="Show only these finding codes or prefixes; replaces the configured select.")
@click.option("--ignore", metavar="CODES", help="Do not show these finding codes or prefixes; replaces the configured ignore.")
@click.option("--extend-select", metavar="CODES", help="Add codes or prefixes to the configured select.")
@click.option("--extend-ignore", metavar="CODES", help="Add codes or prefixes to the configured ignore.")
@click.option("--jobs", "-j", type=Jobs(), default=None, metavar="N", help="Worker processes: a number, or auto (default; 1 = in-process).")
@click.option("--verbose", "-v", is_flag=True, help="Say what is going on on stderr.")
def routes(**options: Any) -> None:
    """Map every endpoint: who may call it, and which MongoDB documents it reads or changes.

    One row per endpoint (HTTP methods, URL rule with its blueprint or namespace prefix, handler),
    its authentication and privilege, each MongoDB operation it reaches through helpers in any
    module with a scope verdict, and the finding codes raised for it. The files under each PATH
    (default: the current directory) are read as the lint reads them.
    """
    try:
        status = _main(**options)
    except (Fail, ConfigError) as exc:
        error(str(exc))
        status = EXIT_ERROR
    except Exception as exc:  # noqa: BLE001 - a bug in the map: one line, unless asked for more
        if options.get("verbose"):
            import traceback

            traceback.print_exc()
        error(f"unexpected {type(exc).__name__}: {exc}")
        status = EXIT_ERROR
    sys.exit(status)


def _configure(config_file: Optional[str], select: Optional[str], ignore: Optional[str],
               extend_select: Optional[str], extend_ignore: Optional[str]) -> Config:
    config = load_config(config_file)
    return config.with_overrides(
        select=parse_codes(select, "--select", allow_empty=False) if select is not None else None,
        ignore=parse_codes(ignore, "--ignore") if ignore is not None else None,
        extend_select=parse_codes(extend_select, "--extend-select") if extend_select else (),
        extend_ignore=parse_codes(extend_ignore, "--extend-ignore") if extend_ignore else (),
    )


def text_width(width: Optional[int], output_file: Optional[str]) -> Optional[int]:
    """The columns the text table must fit in: given, or the terminal's when writing to one."""
    if width is not None:
        return width
    if output_file is None and sys.stdout.isatty():
        return shutil.get_terminal_size().columns
    return None


def _main(paths: tuple, output_format: str, output_file: Optional[str], width: Optional[int],  # type: ignore[type-arg]
          config_file: Optional[str], select: Optional[str], ignore: Optional[str], extend_select: Optional[str],
          extend_ignore: Optional[str], jobs: Optional[int], verbose: bool) -> int:
    if "-" in paths:
        raise Fail("the route map reads files, not standard input")
    config = _configure(config_file, select, ignore, extend_select, extend_ignore)
    # The map never applies a baseline: it shows what is there, not what is new.
    config = replace(config, baseline=None)
    if verbose:
        for line in describe(config):
            click.echo(line, err=True)
    started = time.perf_counter()
    result: MapResult = build(list(paths), config, jobs=jobs)
    if verbose:
        click.echo(f"mapped {len(result.route_map.endpoints)} endpoint(s) in {result.files} file(s) "
                   f"in {time.perf_counter() - started:.2f}s", err=True)
    for path in result.missing:
        error(f"path does not exist: {path}")
    report = render(MapFormat(output_format), result.route_map, text_width(width, output_file))
    if output_file is None:
        click.echo(report, nl=False)
    else:
        try:
            with open(output_file, "w", encoding="utf-8") as handle:
                handle.write(report)
        except OSError as exc:
            raise Fail(f"cannot write {output_file}: {exc.strerror or exc}") from exc
    failed = any(message.startswith(INTERNAL_ERROR) for _, message in result.route_map.problems)
    return EXIT_ERROR if failed or result.missing else EXIT_CLEAN


def main(argv: Optional[list] = None) -> None:  # type: ignore[type-arg]
    """``flaskmongo-lint routes ...`` (the lint's entry point hands the arguments after ``routes``)."""
    if os.path.exists(COMMAND) and argv is not None:
        # ``flaskmongo-lint routes`` used to lint a folder named routes; say how to do that now.
        click.echo(f"{PROG}: note: '{COMMAND}' is the route-map command; to lint the path '{COMMAND}', "
                   f"write ./{COMMAND}", err=True)
    routes.main(args=argv, prog_name=f"{PROG} {COMMAND}")


__all__ = ["COMMAND", "main", "routes", "text_width"]
