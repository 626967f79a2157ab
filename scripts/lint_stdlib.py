#!/usr/bin/env python3
"""Lint the standard library and site-packages: a stress test on real code, and a speed figure.

The trees are the standard library of the interpreter running this script
(``sysconfig.get_paths()["stdlib"]``, without the ``site-packages`` folder it may hold) and its
site-packages (``site.getsitepackages()``), or the folders given with ``--site`` instead. They
are linted by flaskmongo-lint as a subprocess (``python -m flaskmongo_lint --format json``, the
way a user runs it, start-up included), with no exclusion besides ``site-packages`` inside the
standard library (so ``venv``, ``build`` and test folders are linted too) and with the result
cache off where the linter has one (``--no-cache``). The script prints the number of files and
lines linted, the seconds, files and lines per second, how many files were FM001 and how many
findings there were, and every FM000 (path and message). The standard library holds deliberately
broken test files (lib2to3's test data, files in bad encodings): those must be FM001.

``--every-file`` also checks every file on its own, in this process and its workers, through
``runner.check_group``: the pre-filter that skips files that cannot be Flask code is passed over,
so the parser and the analysis see every file; one that takes longer than ``--timeout-file``
seconds counts as a hang. That part is a stress test only (its speed says nothing of a run).

The exit status is 1 if any FM000 or hang occurred (or the linter failed), else 0.

    .venv/bin/python scripts/lint_stdlib.py
    .venv/bin/python scripts/lint_stdlib.py --every-file --jobs 2
    .venv/bin/python scripts/lint_stdlib.py --site /usr/lib/python3/dist-packages
"""
from __future__ import annotations

import argparse
import json
import multiprocessing
import os
import signal
import site
import subprocess
import sys
import sysconfig
import tempfile
import time
from dataclasses import dataclass, field
from typing import Any, List, Optional, Sequence, Tuple

from flaskmongo_lint.config import Config
from flaskmongo_lint.files import discover
from flaskmongo_lint.models.markers import may_serve_requests

# Folders below the standard library that are not the standard library.
NOT_STDLIB = ("site-packages", "dist-packages")
CONFIG_TEXT = "[tool.flaskmongo-lint]\nexclude = [%s]\n" % ", ".join(f'"{name}"' for name in NOT_STDLIB)


def default_trees() -> Tuple[str, List[str]]:
    """The standard library folder and the site-packages folders of this interpreter."""
    stdlib = sysconfig.get_paths()["stdlib"]
    sites = [p for p in site.getsitepackages() if os.path.isdir(p)]
    user = site.getusersitepackages() if site.ENABLE_USER_SITE else None
    if user and os.path.isdir(user):
        sites.append(user)
    return stdlib, sites


def count_lines(paths: Sequence[str]) -> int:
    lines = 0
    for path in paths:
        try:
            with open(path, "rb") as handle:
                lines += handle.read().count(b"\n")
        except OSError:
            pass
    return lines


def might_be_flask(path: str) -> bool:
    try:
        with open(path, "rb") as handle:
            source = handle.read()
    except OSError:
        return False
    return may_serve_requests(source)


def linter_options() -> str:
    """The linter's --help text, to know which options this version has."""
    done = subprocess.run([sys.executable, "-m", "flaskmongo_lint", "--help"], capture_output=True, text=True,
                          check=False)
    return done.stdout


@dataclass
class CliRun:
    seconds: float
    status: Optional[int]  # None: killed after the timeout
    findings: List[dict]
    stderr: str


def run_linter(paths: Sequence[str], config_file: str, jobs: str, timeout: float) -> CliRun:
    """``python -m flaskmongo_lint --format json`` on ``paths``, timed."""
    command = [sys.executable, "-m", "flaskmongo_lint", "--format", "json", "--exit-zero", "--config", config_file,
               "--jobs", jobs]
    if "--no-cache" in linter_options():
        command.append("--no-cache")
    command.extend(paths)
    started = time.perf_counter()
    try:
        done = subprocess.run(command, capture_output=True, text=True, timeout=timeout, check=False)
    except subprocess.TimeoutExpired as exc:
        stderr = exc.stderr.decode("utf-8", "replace") if isinstance(exc.stderr, bytes) else (exc.stderr or "")
        return CliRun(time.perf_counter() - started, None, [], stderr)
    seconds = time.perf_counter() - started
    try:
        findings = json.loads(done.stdout) if done.stdout.strip() else []
    except json.JSONDecodeError:
        findings = []
    return CliRun(seconds, done.returncode, findings, done.stderr)


# ---------------------------------------------------------------------------------------------
# --every-file


class Hang(BaseException):
    """Raised by the alarm; a BaseException, so the runner's ``except Exception`` lets it through."""


def _alarm(signum: int, frame: Any) -> None:
    raise Hang()


@dataclass
class FileCheck:
    path: str
    codes: Tuple[str, ...] = ()
    internal_errors: Tuple[str, ...] = ()
    hang: bool = False
    seconds: float = 0.0


def check_files_alone(job: Tuple[Sequence[str], float]) -> List[FileCheck]:
    """Each file of ``paths`` checked as a project of its own, pre-filter or not."""
    from flaskmongo_lint.modules import name_files
    from flaskmongo_lint.runner import INTERNAL_ERROR, check_group, read

    paths, timeout = job
    config = Config(exclude=())
    use_alarm = timeout > 0 and hasattr(signal, "setitimer")
    if use_alarm:
        signal.signal(signal.SIGALRM, _alarm)
    out = []
    for path in paths:
        source, failed = read(path, config)
        if failed is not None:
            out.append(FileCheck(path, tuple(f.code for f in failed.findings)))
            continue
        started = time.perf_counter()
        if use_alarm:
            signal.setitimer(signal.ITIMER_REAL, timeout)
        try:
            (result,), _ = check_group(name_files([path], [source]), config)  # type: ignore[list-item]
        except Hang:
            out.append(FileCheck(path, hang=True, seconds=time.perf_counter() - started))
            continue
        finally:
            if use_alarm:
                signal.setitimer(signal.ITIMER_REAL, 0)
        codes = tuple(f.code for f in result.findings)
        errors = tuple(f.message for f in result.findings if f.code == INTERNAL_ERROR)
        out.append(FileCheck(path, codes, errors, False, time.perf_counter() - started))
    return out


@dataclass
class EveryFile:
    checks: List[FileCheck] = field(default_factory=list)
    seconds: float = 0.0


def every_file(files: Sequence[str], jobs: int, timeout: float) -> EveryFile:
    chunks = [(list(files[i:i + 50]), timeout) for i in range(0, len(files), 50)]
    started = time.perf_counter()
    out = EveryFile()
    if jobs > 1:
        with multiprocessing.get_context("spawn").Pool(jobs) as pool:
            for checks in pool.imap_unordered(check_files_alone, chunks):
                out.checks.extend(checks)
    else:
        for chunk in chunks:
            out.checks.extend(check_files_alone(chunk))
    out.seconds = time.perf_counter() - started
    return out


# ---------------------------------------------------------------------------------------------


def main(argv: Optional[List[str]] = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--site", action="append", metavar="DIR",
                        help="a site-packages folder to lint instead of this interpreter's (repeatable)")
    parser.add_argument("--no-stdlib", action="store_true", help="lint only the site-packages folders")
    parser.add_argument("--jobs", default="auto", help="the linter's --jobs (default auto)")
    parser.add_argument("--timeout", type=float, default=3600, help="seconds the linter may take (default 3600)")
    parser.add_argument("--every-file", action="store_true",
                        help="also check every file alone in-process, pre-filter passed over (a stress test)")
    parser.add_argument("--no-cli", action="store_true", help="skip the linter run (with --every-file: only that)")
    parser.add_argument("--timeout-file", type=float, default=60,
                        help="with --every-file: seconds one file may take before it is a hang (default 60)")
    args = parser.parse_args(argv)

    stdlib, sites = default_trees()
    if args.site:
        sites = args.site
    trees = ([] if args.no_stdlib else [stdlib]) + [s for s in sites if os.path.abspath(s) != os.path.abspath(stdlib)]
    with tempfile.TemporaryDirectory(prefix="fml-stdlib-") as folder:
        config_file = os.path.join(folder, "flaskmongo-lint.toml")
        with open(config_file, "w", encoding="utf-8") as handle:
            handle.write(CONFIG_TEXT)
        from flaskmongo_lint.config import load_config

        config = load_config(config_file)
        files = discover(trees, config)
        lines = count_lines(files)
        candidates = sum(might_be_flask(f) for f in files)
        print(f"python:       {sys.version.split()[0]} ({sys.executable})")
        for tree in trees:
            print(f"tree:         {tree}")
        print(f"files:        {len(files)} ({candidates} mention Flask words, the others are skipped unparsed)")
        print(f"lines:        {lines}")
        run = run_linter(trees, config_file, args.jobs, args.timeout) if not args.no_cli else None

    failed = False
    reported = run.findings if run is not None else []
    fm000 = [f for f in reported if f.get("code") == "FM000"]
    fm001 = sorted({f["path"] for f in reported if f.get("code") == "FM001"})
    others = [f for f in reported if f.get("code") not in ("FM000", "FM001")]
    if run is None:
        pass
    elif run.status is None:
        print(f"linter:       killed after {args.timeout:g} s (a hang)")
        failed = True
    else:
        rate = len(files) / run.seconds if run.seconds else 0.0
        print(f"seconds:      {run.seconds:.2f} (subprocess, --jobs {args.jobs}, exit status {run.status})")
        print(f"files/s:      {rate:,.0f}")
        print(f"lines/s:      {lines / run.seconds if run.seconds else 0:,.0f}")
        print(f"FM001 files:  {len(fm001)}")
        for path in fm001:
            print(f"  {path}")
        print(f"findings:     {len(others)} (rules)")
        print(f"FM000:        {len(fm000)}")
        for finding in fm000:
            print(f"  {finding['path']}: {finding['message']}")
        if run.status not in (0, 2) or (run.status == 2 and not fm000):
            print(f"linter failed (exit status {run.status}):\n{run.stderr[-4000:]}")
            failed = True
        failed = failed or bool(fm000)

    if args.every_file:
        jobs = (os.cpu_count() or 1) if args.jobs == "auto" else max(1, int(args.jobs))
        result = every_file(files, jobs, args.timeout_file)
        crashed = [c for c in result.checks if c.internal_errors]
        hung = [c for c in result.checks if c.hang]
        unparsed = sum("FM001" in c.codes for c in result.checks)
        slowest = sorted(result.checks, key=lambda c: -c.seconds)[:5]
        print(f"every file:   {len(result.checks)} checked alone in {result.seconds:.1f} s ({jobs} processes)")
        print(f"  FM001:      {unparsed}")
        print(f"  FM000:      {len(crashed)}")
        for check in crashed:
            print(f"    {check.path}: {'; '.join(check.internal_errors)}")
        print(f"  hangs:      {len(hung)} (over {args.timeout_file:g} s)")
        for check in hung:
            print(f"    {check.path}")
        print("  slowest:")
        for check in slowest:
            print(f"    {check.seconds:6.2f} s  {check.path}")
        failed = failed or bool(crashed or hung)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
