#!/usr/bin/env python3
"""Fuzz flaskmongo-lint with generated Python programs: it must never report FM000 nor hang.

Programs come from hypothesmith (``from_grammar()``: any text CPython compiles, odd whitespace,
comments and line endings included; ``from_node()``: programs built from libcst nodes, so every
kind of statement and expression). Each program is linted in several shapes, in this process,
through the public runner (``flaskmongo_lint.runner.lint_source``, what standard input and the
flake8 plugin use: decoding, parsing, the project analysis, the rules, positions, fingerprints,
noqa):

- ``raw``: the program itself, after a comment naming Flask so that the pre-filter (which skips
  files that cannot be Flask code) lets it through;
- ``handler``: the program indented into a Flask route handler that also passes request data to
  a PyMongo call, so the analysis really runs on the generated statements;
- ``renamed``: the handler with the program's names and attributes swapped, at random, for ones
  the analysis knows (``request``, ``db``, ``get_json``, ``find_one``, ``$where`` ...), so the
  generated code touches client data and queries;
- ``cut``: the handler with a random slice removed, which mostly gives code that does not parse
  (it must be FM001, not FM000).

A run prints how many programs and shapes ran, how many were FM001 (and how many of those
neither CPython nor libcst can parse; the rest are limits CPython refuses), how many had
findings, how many FM000 and how many hangs (a shape that takes longer than ``--timeout``
seconds). The first few offending inputs are written to the
folder given by ``--save``. The exit status is 1 when any FM000 or hang occurred, else 0.

    .venv/bin/python scripts/fuzz.py --count 5000 --jobs 2 --save fuzz-failures

Needs hypothesmith (in the ``test`` extra: ``pip install -e '.[test]'``). Generating a program
costs far more than linting it (about 0.1 s against 2 ms), so ``--jobs`` splits the count over
processes, each with its own seed. The suite's tests/test_fuzz.py runs a few hundred programs
through the same functions.
"""
from __future__ import annotations

import argparse
import ast
import atexit
import multiprocessing
import os
import re
import shutil
import signal
import sys
import tempfile
import time
import warnings
import zlib
from dataclasses import dataclass, field
from typing import Any, Dict, Iterator, List, Optional, Sequence, Tuple

import libcst as cst

from flaskmongo_lint.config import Config
from flaskmongo_lint.runner import lint_source

# A comment that mentions Flask: the pre-filter only looks for such words.
RAW_PREFIX = "# flask request\n"

HANDLER_HEAD = '''\
from bson import ObjectId
from flask import Flask, request
from flask_login import current_user, login_required
from pymongo import MongoClient

app = Flask(__name__)
db = MongoClient().shop


@app.route("/x/<id>", methods=["GET", "POST"])
@login_required
def view(id):
    data = request.get_json()
    query = {"name": request.args.get("name")}
    pass
'''
HANDLER_TAIL = '''\
    db.items.update_one({"_id": ObjectId(id)}, {"$set": data})
    return db.items.find_one(query)
'''
INDENT = "    "

# What ``renamed`` picks from: names and attributes that sources, sinks and guards are made of.
NAMES = ("request", "db", "data", "id", "query", "current_user", "ObjectId", "abort", "jsonify", "session", "g")
ATTRIBUTES = (
    "get_json", "json", "args", "form", "values", "view_args", "get", "items", "find_one", "find",
    "update_one", "delete_one", "insert_one", "replace_one", "aggregate", "where", "map_reduce",
    "is_valid", "owner_id", "notes",
)
STRINGS = ('"$where"', '"$set"', '"$regex"', '"_id"', '"owner_id"', '"$ne"')

_LINE = re.compile(r"(\r\n|\r|\n)")


def indent(program: str, prefix: str = INDENT) -> str:
    """``program`` with ``prefix`` before each line that is not blank. Only ``\\r\\n``, ``\\r``
    and ``\\n`` end a line, as for the tokenizer (``str.splitlines`` would also split at form
    feeds and other characters that may sit inside a line)."""
    parts = _LINE.split(program)
    out = []
    for i in range(0, len(parts), 2):
        line = parts[i]
        end = parts[i + 1] if i + 1 < len(parts) else ""
        out.append((prefix + line if line.strip() else line) + end)
    text = "".join(out)
    if text and not text.endswith(("\n", "\r")):
        text += "\n"
    return text


def wrap_in_handler(program: str) -> str:
    """A Flask module whose route handler runs ``program`` between request reads and PyMongo calls."""
    return HANDLER_HEAD + indent(program) + HANDLER_TAIL


class _Renamer(cst.CSTTransformer):
    """Swaps names, attributes and some strings for ones the analysis knows, chosen by ``seed``."""

    def __init__(self, seed: int) -> None:
        super().__init__()
        self.seed = seed
        self.count = 0

    def _pick(self, original: str, pool: Sequence[str]) -> str:
        self.count += 1
        choice = zlib.crc32(f"{self.seed}:{self.count}:{original}".encode("utf-8", "surrogatepass"))
        # About one in three keeps its name, so the program's own structure stays.
        slot = choice % (len(pool) + len(pool) // 2)
        return pool[slot] if slot < len(pool) else original

    def leave_Name(self, original_node: cst.Name, updated_node: cst.Name) -> cst.Name:
        return updated_node.with_changes(value=self._pick(updated_node.value, NAMES))

    def leave_Attribute(self, original_node: cst.Attribute, updated_node: cst.Attribute) -> cst.Attribute:
        return updated_node.with_changes(attr=cst.Name(self._pick(updated_node.attr.value, ATTRIBUTES)))

    def leave_SimpleString(self, original_node: cst.SimpleString,
                           updated_node: cst.SimpleString) -> cst.SimpleString:
        if updated_node.prefix or updated_node.quote not in ('"', "'"):
            return updated_node
        return updated_node.with_changes(value=self._pick(updated_node.value, STRINGS))


def rename(program: str, seed: int) -> Optional[str]:
    """``program`` with names swapped (see :class:`_Renamer`), or None if libcst cannot parse it."""
    try:
        tree = cst.parse_module(program)
        return tree.visit(_Renamer(seed)).code
    except Exception:  # noqa: BLE001 - anything libcst cannot parse or print is just not renamed
        return None


def cut(text: str, seed: int) -> str:
    """``text`` with a slice of up to 8 characters removed after the handler's first lines."""
    start = len(HANDLER_HEAD) - len("    pass\n")
    span = max(1, len(text) - start - len(HANDLER_TAIL) // 2)
    at = start + seed % span
    return text[:at] + text[at + 1 + (seed >> 8) % 8:]


def shapes(program: str, seed: int) -> List[Tuple[str, str]]:
    """The (shape, source) pairs that one generated program is linted as."""
    handler = wrap_in_handler(program)
    out = [("raw", RAW_PREFIX + program), ("handler", handler)]
    renamed = rename(program, seed)
    if renamed is not None:
        out.append(("renamed", wrap_in_handler(renamed)))
    out.append(("cut", cut(handler, seed)))
    return out


def encode(source: str) -> bytes:
    # hypothesmith may produce lone surrogates; they make bytes that are not UTF-8 (an FM001).
    return source.encode("utf-8", "surrogatepass")


def parses(source: bytes) -> bool:
    """Whether CPython or, failing it, libcst can parse ``source`` (what the linter tries)."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            ast.parse(source)
        return True
    except Exception:  # noqa: BLE001 - a syntax error, a limit, or text CPython cannot decode
        pass
    try:
        cst.parse_module(source)
    except Exception:  # noqa: BLE001 - a syntax error or a file libcst cannot decode
        return False
    return True


@dataclass
class Outcome:
    """What linting one shape of one program gave."""

    shape: str
    source: bytes
    codes: Tuple[str, ...]
    internal_errors: Tuple[str, ...]  # FM000 messages
    traceback: Optional[str]
    seconds: float

    @property
    def unparseable(self) -> bool:
        return "FM001" in self.codes


# An empty folder of its own: the file is never written, so lint_source finds no project to read.
_DIRECTORY = tempfile.mkdtemp(prefix="fml-fuzz-")
atexit.register(shutil.rmtree, _DIRECTORY, True)
FUZZ_PATH = os.path.join(_DIRECTORY, "fuzzed.py")
CONFIG = Config(root=_DIRECTORY)


def lint(shape: str, source: bytes, config: Config = CONFIG, path: str = FUZZ_PATH) -> Outcome:
    """Lint ``source`` as if it were the file ``path``, through the runner."""
    started = time.perf_counter()
    result = lint_source(path, source, config)
    seconds = time.perf_counter() - started
    codes = tuple(f.code for f in result.findings)
    errors = tuple(f.message for f in result.findings if f.code == "FM000")
    return Outcome(shape, source, codes, errors, result.error, seconds)


def lint_program(program: str, seed: int) -> List[Outcome]:
    """Every shape of ``program`` linted."""
    return [lint(shape, encode(source)) for shape, source in shapes(program, seed)]


def problems(outcome: Outcome) -> List[str]:
    """What is wrong with an outcome: an FM000, or a file neither CPython nor libcst can parse without FM001
    (only checked for the shapes that hold a handler, which no pre-filter can skip)."""
    out = [f"FM000 in the {outcome.shape} shape: {message}" for message in outcome.internal_errors]
    if outcome.shape != "raw" and not outcome.unparseable and not parses(outcome.source):
        out.append(f"nothing can parse the {outcome.shape} shape, yet no FM001 was reported: {outcome.codes}")
    return out


# ---------------------------------------------------------------------------------------------
# The script


class Hang(BaseException):
    """Raised by the alarm in a shape that takes too long; a BaseException, so the runner's
    ``except Exception`` (which turns errors into FM000) does not catch it."""


def _alarm(signum: int, frame: Any) -> None:
    raise Hang()


@dataclass
class Tally:
    programs: int = 0
    shapes: int = 0
    fm001: int = 0
    fm001_confirmed: int = 0  # of those, neither CPython nor libcst can parse
    with_findings: int = 0
    fm000: int = 0
    hangs: int = 0
    mismatches: int = 0  # nothing parses it and no FM001
    slowest: float = 0.0
    slowest_input: Tuple[str, bytes] = ("", b"")  # shape, source
    lint_seconds: float = 0.0
    offending: List[Tuple[str, str, bytes, str]] = field(default_factory=list)  # kind, shape, source, details

    def add(self, other: "Tally") -> None:
        for name in ("programs", "shapes", "fm001", "fm001_confirmed", "with_findings", "fm000", "hangs",
                     "mismatches", "lint_seconds"):
            setattr(self, name, getattr(self, name) + getattr(other, name))
        if other.slowest > self.slowest:
            self.slowest, self.slowest_input = other.slowest, other.slowest_input
        self.offending.extend(other.offending)


def _strategy(kind: str) -> Any:
    import hypothesmith

    return hypothesmith.from_grammar() if kind == "grammar" else hypothesmith.from_node()


def fuzz_chunk(job: Tuple[str, int, int, float, int]) -> Tally:
    """Run ``count`` programs of strategy ``kind`` with hypothesis seeded by ``seed``."""
    kind, count, seed, timeout, keep = job
    from hypothesis import HealthCheck, given, settings
    from hypothesis import seed as with_seed
    from hypothesis import strategies as st

    # hypothesmith compiles what it generates: silence the SyntaxWarnings CPython gives on it.
    warnings.filterwarnings("ignore", category=SyntaxWarning)
    tally = Tally()
    use_alarm = timeout > 0 and hasattr(signal, "setitimer")
    if use_alarm:
        signal.signal(signal.SIGALRM, _alarm)

    label = f"[{kind} seed {seed}]"

    @with_seed(seed)
    @settings(max_examples=count, deadline=None, database=None, suppress_health_check=list(HealthCheck))
    @given(program=_strategy(kind), salt=st.integers(min_value=0, max_value=2 ** 20))
    def one(program: str, salt: int) -> None:
        tally.programs += 1
        if tally.programs % 250 == 0:
            print(f"{label} {tally.programs}/{count} programs", file=sys.stderr, flush=True)
        for shape, text in shapes(program, salt):
            source = encode(text)
            if use_alarm:
                signal.setitimer(signal.ITIMER_REAL, timeout)
            try:
                outcome = lint(shape, source)
            except Hang:
                tally.shapes += 1
                tally.hangs += 1
                if len(tally.offending) < keep:
                    tally.offending.append(("hang", shape, source, f"took more than {timeout} s"))
                continue
            finally:
                if use_alarm:
                    signal.setitimer(signal.ITIMER_REAL, 0)
            tally.shapes += 1
            tally.lint_seconds += outcome.seconds
            if outcome.seconds > tally.slowest:
                tally.slowest, tally.slowest_input = outcome.seconds, (shape, source)
            tally.with_findings += any(code not in ("FM000", "FM001") for code in outcome.codes)
            if outcome.unparseable:
                tally.fm001 += 1
                tally.fm001_confirmed += not parses(source)
            found = problems(outcome)
            if outcome.internal_errors:
                tally.fm000 += 1
            elif found:
                tally.mismatches += 1
            if found and len(tally.offending) < keep:
                kind_of = "fm000" if outcome.internal_errors else "mismatch"
                tally.offending.append((kind_of, shape, source, "\n".join(found) + "\n\n" + (outcome.traceback or "")))

    one()
    return tally


def _save(folder: str, offending: Sequence[Tuple[str, str, bytes, str]]) -> List[str]:
    os.makedirs(folder, exist_ok=True)
    written = []
    for number, (kind, shape, source, details) in enumerate(offending, 1):
        base = os.path.join(folder, f"{kind}_{number:03d}_{shape}")
        with open(base + ".py", "wb") as handle:
            handle.write(source)
        with open(base + ".txt", "w", encoding="utf-8") as handle:
            handle.write(details)
        written.append(base + ".py")
    return written


def _jobs(count: int, jobs: int, strategies: Sequence[str], seed: int, timeout: float,
          keep: int) -> Iterator[Tuple[str, int, int, float, int]]:
    """Split ``count`` programs over the strategies and ``jobs`` processes, one seed each."""
    pieces = [kind for kind in strategies for _ in range(jobs)]
    share, extra = divmod(count, len(pieces))
    for index, kind in enumerate(pieces):
        n = share + (index < extra)
        if n:
            yield kind, n, seed * 1000 + index, timeout, keep


def main(argv: Optional[List[str]] = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--count", type=int, default=5000, help="programs to generate (default 5000)")
    parser.add_argument("--strategy", choices=("grammar", "node", "both"), default="both",
                        help="hypothesmith.from_grammar(), from_node(), or half of each (default)")
    parser.add_argument("--jobs", type=int, default=1, help="processes to split the count over (default 1)")
    parser.add_argument("--seed", type=int, default=0, help="base seed, for a reproducible run (default 0)")
    parser.add_argument("--timeout", type=float, default=10.0,
                        help="seconds one shape may take before it counts as a hang (default 10; 0: none)")
    parser.add_argument("--save", metavar="DIR", default="fuzz-failures",
                        help="folder for the first offending inputs (default fuzz-failures; written only if any)")
    parser.add_argument("--slow", type=float, default=1.0,
                        help="save the slowest shape too when it took at least this many seconds (default 1; 0: never)")
    parser.add_argument("--keep", type=int, default=10, help="how many offending inputs to save (default 10)")
    args = parser.parse_args(argv)

    strategies = ("grammar", "node") if args.strategy == "both" else (args.strategy,)
    work = list(_jobs(args.count, max(1, args.jobs), strategies, args.seed, args.timeout, args.keep))
    started = time.perf_counter()
    total = Tally()
    if args.jobs > 1:
        with multiprocessing.get_context("spawn").Pool(min(args.jobs, len(work))) as pool:
            for tally in pool.imap_unordered(fuzz_chunk, work):
                total.add(tally)
    else:
        for job in work:
            total.add(fuzz_chunk(job))
    seconds = time.perf_counter() - started

    per_kind: Dict[str, int] = {}
    for kind, _, _, _ in total.offending:
        per_kind[kind] = per_kind.get(kind, 0) + 1
    print(f"programs:        {total.programs} ({'+'.join(strategies)}, seed {args.seed})")
    print(f"shapes linted:   {total.shapes} (raw, handler, renamed, cut)")
    print(f"with findings:   {total.with_findings}")
    print(f"FM001:           {total.fm001} ({total.fm001_confirmed} that neither CPython nor libcst can parse)")
    print(f"FM000:           {total.fm000}")
    print(f"hangs:           {total.hangs} (over {args.timeout:g} s)")
    print(f"missing FM001:   {total.mismatches}")
    print(f"time:            {seconds:.1f} s ({total.lint_seconds:.1f} s linting, slowest shape {total.slowest:.3f} s)")
    if total.offending:
        written = _save(args.save, total.offending[: args.keep])
        print(f"saved {len(written)} offending inputs to {args.save}/:")
        for path in written:
            print(f"  {path}")
    if args.slow and total.slowest >= args.slow:
        # Not a failure, but worth a look for the budgets: where the time goes.
        shape, source = total.slowest_input
        os.makedirs(args.save, exist_ok=True)
        path = os.path.join(args.save, f"slowest_{shape}.py")
        with open(path, "wb") as handle:
            handle.write(source)
        print(f"slowest shape ({total.slowest:.3f} s, {len(source)} bytes) saved to {path}")
    return 1 if total.fm000 or total.hangs or total.mismatches else 0


if __name__ == "__main__":
    sys.exit(main())
