"""The command line: options in, exit status out. No analysis here.

Exit status: 0 nothing reported, 1 something reported (``--exit-zero``: 0), 2 a usage or
configuration error, a path that does not exist, or an internal error (FM000) in some file.
Every error is one line on stderr, ``flaskmongo-lint: error: <message>``, click's usage errors
included.
"""
from __future__ import annotations

import os
import sys
import time
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any, List, Optional, Sequence, Tuple

import click

from flaskmongo_lint import __version__
from flaskmongo_lint.clikit import EXIT_CLEAN, EXIT_ERROR, EXIT_FINDINGS, PROG, STDIN, Fail, Jobs, OneLineCommand, error, note
from flaskmongo_lint.config import Config, ConfigError, describe, load_config, parse_codes
from flaskmongo_lint.files import discover_all, missing_paths, read_bytes
from flaskmongo_lint.report import FORMATS, MACHINE_FORMATS, render

if TYPE_CHECKING:
    from flaskmongo_lint.baseline import Baseline
    from flaskmongo_lint.cache import ReportKey, ResultCache
    from flaskmongo_lint.findings import Finding
    from flaskmongo_lint.report.text import LineReader
    from flaskmongo_lint.runner import RunResult


def _list_rules() -> str:
    from flaskmongo_lint.report.meta import all_codes

    lines = []
    for info in all_codes():
        cwe = f"CWE-{info.cwe}" if info.cwe is not None else "-"
        lines.append(f"{info.code}  {info.name:<26} {info.severity:<8} {cwe:<9} {info.summary}")
    return "".join(line + "\n" for line in lines)


def _explain(code_or_name: str) -> str:
    from flaskmongo_lint.docs import terminal
    from flaskmongo_lint.report.meta import lookup

    info = lookup(code_or_name)
    if info is None:
        raise Fail(f"unknown rule code or name {code_or_name!r} (see --list-rules)")
    return terminal(info)


@click.command(cls=OneLineCommand, context_settings={"help_option_names": ["-h", "--help"]})
@click.argument("paths", nargs=-1, metavar="[PATH]...")
@click.option("--select", metavar="CODES", help="Report only these codes or prefixes (comma-separated); replaces the configured select.")
@click.option("--ignore", metavar="CODES", help="Do not report these codes or prefixes; replaces the configured ignore.")
@click.option("--extend-select", metavar="CODES", help="Add codes or prefixes to the configured select.")
@click.option("--extend-ignore", metavar="CODES", help="Add codes or prefixes to the configured ignore.")
@click.option("--config", "config_file", metavar="FILE", help="Read [tool.flaskmongo-lint] from FILE instead of the nearest pyproject.toml.")
@click.option("--baseline", "baseline_file", metavar="FILE", help="Do not report the findings recorded in FILE (see --write-baseline).")
@click.option("--write-baseline", metavar="FILE", help="Record the current findings in FILE and report nothing.")
@click.option("--stdin-filename", metavar="PATH", help="Lint standard input (PATH '-') as if it were the file PATH.")
@click.option("--exit-zero", is_flag=True, help="Exit 0 even when something is reported (errors still exit 2).")
@click.option("--show-source", is_flag=True, help="Show the source line and carets under each finding (text, grouped).")
@click.option("--statistics", is_flag=True, help="After the findings, count them per code.")
@click.option("--format", "output_format", type=click.Choice(list(FORMATS)), default="text", show_default=True, help="Output format.")
@click.option("--output-file", metavar="FILE", help="Write the report to FILE instead of standard output.")
@click.option("--jobs", "-j", type=Jobs(), default=None, metavar="N", help="Worker processes: a number, or auto (default).")
@click.option("--no-cache", is_flag=True, help="Neither read nor write the result cache.")
@click.option("--cache-dir", metavar="DIR", help="Keep the result cache in DIR (default: $FLASKMONGO_LINT_CACHE_DIR, else .flaskmongo_lint_cache in the project root).")
@click.option("--list-rules", is_flag=True, help="List every rule: code, name, severity, CWE, summary.")
@click.option("--explain", metavar="CODE", help="Explain a rule (a code like FM101 or a name like unscoped-read).")
@click.option("--verbose", "-v", is_flag=True, help="Say what is going on on stderr; show tracebacks of internal errors.")
@click.version_option(__version__, "--version", prog_name=PROG, message="%(prog)s %(version)s")
def cli(**options: Any) -> None:
    """Find IDOR, mass assignment, unguarded ObjectId and NoSQL injection in Flask + PyMongo code.

    Lints the Python files under each PATH (default: the current directory), or standard input
    when PATH is '-'. 'flaskmongo-lint routes [PATH]...' maps the endpoints instead (see
    'flaskmongo-lint routes --help').
    """
    opts = Options(**options)
    try:
        status = _main(opts)
    except (Fail, ConfigError) as exc:
        error(str(exc))
        status = EXIT_ERROR
    except Exception as exc:  # noqa: BLE001 - a bug in the linter: one line, unless asked for more
        if opts.verbose:
            import traceback  # only for this: a run that goes well never needs it

            traceback.print_exc()
        error(f"unexpected {type(exc).__name__}: {exc}")
        status = EXIT_ERROR
    sys.exit(status)


@dataclass(frozen=True)
class Options:
    """The command line's options, as click parsed them (names as in ``cli``'s decorators)."""

    paths: Tuple[str, ...]
    select: Optional[str]
    ignore: Optional[str]
    extend_select: Optional[str]
    extend_ignore: Optional[str]
    config_file: Optional[str]
    baseline_file: Optional[str]
    write_baseline: Optional[str]
    stdin_filename: Optional[str]
    exit_zero: bool
    show_source: bool
    statistics: bool
    output_format: str
    output_file: Optional[str]
    jobs: Optional[int]
    no_cache: bool
    cache_dir: Optional[str]
    list_rules: bool
    explain: Optional[str]
    verbose: bool


def _configure(o: Options) -> Config:
    config = load_config(o.config_file)
    config = config.with_overrides(
        select=parse_codes(o.select, "--select", allow_empty=False) if o.select is not None else None,
        ignore=parse_codes(o.ignore, "--ignore") if o.ignore is not None else None,
        extend_select=parse_codes(o.extend_select, "--extend-select") if o.extend_select else (),
        extend_ignore=parse_codes(o.extend_ignore, "--extend-ignore") if o.extend_ignore else (),
    )
    if o.baseline_file is not None:
        config = replace(config, baseline=os.path.abspath(o.baseline_file))
    return config


def _reads_stdin(o: Options) -> bool:
    """Standard input is linted for the path '-', or for --stdin-filename with no path (as Ruff)."""
    if STDIN in o.paths:
        if len(o.paths) > 1:
            raise Fail("'-' (standard input) cannot be combined with other paths")
        return True
    if o.stdin_filename is not None:
        if o.paths:
            raise Fail("--stdin-filename names the file standard input stands for: give '-' as the only path")
        return True
    return False


def _lint(o: Options, config: Config, cache: Optional["ResultCache"]) -> Tuple["RunResult", Optional[List[str]]]:
    """The run's result, and the lines of standard input when that is what was linted."""
    # Imported here: a replayed report needs none of the runner (nor what it imports).
    from flaskmongo_lint.runner import run, run_source

    if _reads_stdin(o):
        source = sys.stdin.buffer.read()
        result = run_source(o.stdin_filename or STDIN, source, config)
        return result, source.decode("utf-8", errors="replace").splitlines()
    return run(list(o.paths) or ["."], config, jobs=o.jobs, cache=cache), None


def _replay_key(o: Options, config: Config, cache: Optional["ResultCache"]) -> Optional["ReportKey"]:
    """The key of this run's whole report in the cache; None for a run whose report is not
    stored: standard input, ``--verbose`` (it reports how the run went), a baseline (read or
    written), or a path that does not exist."""
    if cache is None or o.verbose or config.baseline or o.write_baseline or _reads_stdin(o):
        return None
    paths = list(o.paths) or ["."]
    if missing_paths(paths):
        return None
    found = discover_all(paths, config)
    files: List[Tuple[str, Optional[bytes], str]] = [(path, None, why) for path, why in found.unreadable]
    files += [(path, *read_bytes(path, config.max_file_size)) for path in found.files]
    # Everything besides the configuration and the files that the printed report depends on.
    command = repr((paths, o.output_format, o.output_file, o.show_source, o.statistics, o.exit_zero,
                    os.getcwd(), sys.version))
    return cache.report_key(command, files)


def _cache(o: Options, config: Config) -> Optional["ResultCache"]:
    if o.no_cache:
        return None
    from flaskmongo_lint.cache import ResultCache, default_directory

    return ResultCache(o.cache_dir or default_directory(config), config)


def _main(o: Options) -> int:
    # Rule documentation needs no configuration, so a broken pyproject.toml cannot hide it.
    if o.list_rules:
        click.echo(_list_rules(), nl=False)
        return EXIT_CLEAN
    if o.explain is not None:
        click.echo(_explain(o.explain), nl=False)
        return EXIT_CLEAN

    config = _configure(o)
    if o.verbose:
        for line in describe(config):
            click.echo(line, err=True)
    # Read before linting: a broken baseline is a configuration error, found in no time.
    known: Optional["Baseline"] = None
    if config.baseline and not o.write_baseline:
        from flaskmongo_lint import baseline

        known = baseline.load(config.baseline)

    cache = None if _reads_stdin(o) else _cache(o, config)
    key = _replay_key(o, config, cache)
    replay = cache.get_report(key) if cache is not None and key is not None else None
    if replay is not None:
        # The same command over the same files: what the last run printed, without the analysis.
        out, err, status = replay
        _write(out.decode("utf-8", "surrogatepass"), o.output_file)
        if err:
            click.echo(err, err=True, nl=False)
        return status

    started = time.perf_counter()
    result, stdin_lines = _lint(o, config, cache)
    if o.verbose:
        elapsed = time.perf_counter() - started
        click.echo(
            f"checked {len(result.files)} file(s) in {elapsed:.2f}s with {result.jobs} process(es)",
            err=True,
        )
        if result.cache is not None:
            click.echo(result.cache, err=True)
        for path, trace in result.tracebacks:
            click.echo(f"internal error in {path}:\n{trace}", err=True, nl=False)
        for skipped in result.skipped:
            click.echo(skipped, err=True)
        for cut in result.notes:
            # A budget ran out: what was found is reported; this function was not walked in full.
            click.echo(f"analysis cut short: {cut}", err=True)
    for path in result.missing:
        error(f"path does not exist: {path}")

    findings = _apply_baseline(o, config, known, result.findings)
    read_line = _lines_reader(stdin_lines) if stdin_lines is not None else None
    report = render(
        o.output_format, findings, show_source=o.show_source, read_line=read_line,
        execution_successful=not (result.internal_error or result.missing),
    )
    extra: List[str] = []
    if o.statistics and findings:
        from flaskmongo_lint.report.text import statistics as render_statistics

        stats = render_statistics(findings)
        if o.output_format in MACHINE_FORMATS:
            # Keep machine-readable output parseable: the counts go to stderr instead.
            extra.append(stats)
        else:
            report += stats
    _write(report, o.output_file)
    for text in extra:
        click.echo(text, err=True, nl=False)

    if result.internal_error or result.missing:
        return EXIT_ERROR  # never stored: an internal error may not happen again
    status = EXIT_FINDINGS if findings and not o.exit_zero else EXIT_CLEAN
    if cache is not None and key is not None:
        cache.put_report(key, (report.encode("utf-8", "surrogatepass"), "".join(extra), status))
    return status


def _apply_baseline(
    o: Options, config: Config, known: Optional["Baseline"], findings: Sequence["Finding"]
) -> Sequence["Finding"]:
    """The findings to report: all of them, or for --write-baseline only what a baseline cannot
    record (FM000), or with a baseline only those it does not hide (and a note of how many)."""
    if o.write_baseline:
        from flaskmongo_lint import baseline

        recorded = baseline.write(o.write_baseline, findings, config.root)
        note(f"wrote {recorded} finding(s) to {o.write_baseline}")
        return [f for f in findings if f.code in baseline.NEVER_BASELINED]
    if known is not None:
        reported, hidden = known.split(findings)
        note(f"{len(hidden)} finding(s) hidden by the baseline {o.baseline_file or os.path.relpath(known.path)}")
        return reported
    return findings


def _lines_reader(lines: List[str]) -> "LineReader":
    """--show-source for standard input: its lines, whatever is on disk under its name."""

    def read_line(_path: str, number: int) -> Optional[str]:
        return lines[number - 1] if 0 < number <= len(lines) else None

    return read_line


def _write(report: str, output_file: Optional[str]) -> None:
    if output_file is None:
        click.echo(report, nl=False)
        return
    try:
        with open(output_file, "w", encoding="utf-8") as handle:
            handle.write(report)
    except OSError as exc:
        raise Fail(f"cannot write {output_file}: {exc.strerror or exc}") from exc


ROUTES = "routes"  # the first argument that runs the route map instead of the lint


def main(argv: Optional[List[str]] = None) -> None:
    """Console-script entry point (``flaskmongo-lint``, ``python -m flaskmongo_lint``);
    ``flaskmongo-lint routes ...`` is the route map (:mod:`flaskmongo_lint.routemap.cli`)."""
    args = sys.argv[1:] if argv is None else list(argv)
    if args and args[0] == ROUTES:
        from flaskmongo_lint.routemap.cli import main as routes_main

        routes_main(args[1:])
        return
    cli.main(args=args, prog_name=PROG)


def console() -> None:
    """The console script and ``python -m flaskmongo_lint``: :func:`main`, then leave at once.
    A short run spends a fifth of its time tearing the interpreter down (freeing every module and
    object one by one) after its output is written; like mypy, skip that: flush the output and
    ``os._exit`` with the status."""
    try:
        main()
        status: Any = EXIT_CLEAN
    except SystemExit as exc:
        status = exc.code
    if status is None:
        status = EXIT_CLEAN
    elif not isinstance(status, int):
        click.echo(str(status), err=True)
        status = EXIT_ERROR
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except (OSError, ValueError):  # a closed pipe (| head): nothing more can be said
            pass
    os._exit(status)


if __name__ == "__main__":  # pragma: no cover
    console()
