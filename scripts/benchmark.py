#!/usr/bin/env python3
"""One-command speed benchmark: flaskmongo-lint against its floors and other tools, on the same files.

What it times, each as a whole process (start-up included, what a user or pre-commit pays),
with the median of ``--repeat`` runs taken in turns (one run of every command, then the next
round, so drift in the machine's speed touches all alike), after one warm-up run each:

- flaskmongo-lint ``--jobs 1`` and with its default jobs, cold: a fresh empty result cache for
  every run (``--cache-dir``; ``--no-cache`` or nothing where the linter has no such option);
- flaskmongo-lint warm: the same cache folder again, the tree unchanged;
- Bandit (``bandit -r -q``), Semgrep (the local rules of scripts/bench_semgrep.yml,
  ``--metrics=off --disable-version-check``, no network) and ``ruff check --select S``, for scale;
- the libcst parse floor: one process that reads and ``libcst.parse_module``s every ``.py`` file
  of the corpus (and the same over as many processes as the linter's default jobs), and, for
  scale, CPython's ``ast.parse`` of the same files (the parser the linter reads them with);
- the import floor: ``python -c "import libcst, click"``.

On three corpora: ``mixed``, the ``.py`` files of wheels of well-known packages (Flask, Django,
SQLAlchemy, requests, PyMongo ...; the linter's pre-filter skips most of them, the floor parses
them all); ``dense``, generated Flask + PyMongo modules (about 40,000 lines, every file a Flask
module); ``single``, one generated module of about 125 lines. It prints a table per corpus
(median, min, max), a Markdown table (tool by corpus: median seconds and ratio to the parse
floor, or to the import floor for the single file) to paste into the README, and the three
ratios the project tracks:

- dense tree, ``flaskmongo-lint --jobs 1`` / one-process parse floor (target <= 1.3);
- dense tree, warm / cold, default jobs (target <= 0.05);
- single file / ``python -c "import libcst, click"`` (target <= 1.2).

Everything it fetches lives in ``.bench/`` (git-ignored) beside this folder and is fetched once:
the wheels (``pip download --no-deps --only-binary :all:``, listed with their versions in
``.bench/wheels/manifest.json``), and a virtualenv ``.bench/venv`` with Bandit, Semgrep and Ruff
at the versions pinned below. They are not dependencies of the project (Semgrep alone brings
dozens of packages, and pins versions of some the project uses), hence a venv of their own;
``--no-install`` uses what is there and leaves out a tool that is missing. The corpora are laid
out afresh in a temporary folder outside any git checkout (Semgrep and Ruff would otherwise skip
the git-ignored ``.bench``). flaskmongo-lint and the floors run with the interpreter that runs
this script, so run it with the project's virtualenv:

    .venv/bin/python scripts/benchmark.py                  # everything, 5 rounds
    .venv/bin/python scripts/benchmark.py --repeat 3 --corpus dense,single --tools fml,floor

Timings depend on the machine and its load: quote the ratios. The script only needs the
standard library and pip; the linter is run as a command, never imported.
"""
from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
import zipfile
from dataclasses import dataclass, field
from typing import Callable, Dict, List, Optional, Sequence, Tuple

HEADER = '''\
"""Synthetic module {index} for the flaskmongo-lint benchmark."""
from bson import ObjectId
from bson.errors import InvalidId
from flask import Blueprint, abort, jsonify, request
from flask_login import current_user, login_required
from pymongo import MongoClient

bp = Blueprint("bench{index}", __name__)
db = MongoClient()["bench"]
EDITABLE = {{"title", "body", "tags"}}

'''

# Each template is one handler; {n} makes names unique within a module.
VULNERABLE = [
    '''
@bp.route("/v{n}/notes/<note_id>")
@login_required
def read_note_{n}(note_id):
    note = db.notes.find_one({{"_id": ObjectId(note_id)}})
    if note is None:
        abort(404)
    return jsonify(title=note["title"], body=note["body"])
''',
    '''
@bp.route("/v{n}/notes/<note_id>", methods=["PATCH"])
@login_required
def update_note_{n}(note_id):
    data = request.get_json()
    db.notes.update_one({{"_id": note_id, "owner_id": current_user.id}}, {{"$set": data}})
    return jsonify(status="ok")
''',
    '''
@bp.route("/v{n}/search")
def search_{n}():
    query = request.get_json() or {{}}
    found = db.notes.find({{"title": query.get("title")}})
    return jsonify(items=[str(doc["_id"]) for doc in found])
''',
    '''
@bp.route("/v{n}/notes/<note_id>", methods=["DELETE"])
def delete_note_{n}(note_id):
    db.notes.delete_one({{"_id": note_id}})
    return "", 204
''',
]

CLEAN = [
    '''
@bp.route("/c{n}/notes/<note_id>")
@login_required
def read_own_note_{n}(note_id):
    try:
        oid = ObjectId(note_id)
    except InvalidId:
        abort(404)
    note = db.notes.find_one({{"_id": oid, "owner_id": current_user.id}})
    if note is None:
        abort(404)
    return jsonify(title=note["title"], body=note["body"])
''',
    '''
@bp.route("/c{n}/notes/<note_id>", methods=["PATCH"])
@login_required
def update_own_note_{n}(note_id):
    data = request.get_json() or {{}}
    changes = {{k: v for k, v in data.items() if k in EDITABLE}}
    if not ObjectId.is_valid(note_id):
        abort(404)
    db.notes.update_one({{"_id": ObjectId(note_id), "owner_id": current_user.id}}, {{"$set": changes}})
    return jsonify(status="ok")
''',
    '''
def summarise_{n}(items):
    total = 0
    for item in items:
        if item.get("tags"):
            total += len(item["tags"])
    return {{"count": len(items), "tags": total}}
''',
]


def make_module(index: int, handlers: int) -> str:
    parts = [HEADER.format(index=index)]
    for n in range(handlers):
        templates = VULNERABLE if (index + n) % 3 == 0 else CLEAN
        parts.append(templates[(index * 7 + n) % len(templates)].format(n=n))
    return "".join(parts)


def generate(directory: str, files: int, handlers: int) -> Tuple[int, int]:
    """Write the modules; returns (files, lines)."""
    lines = 0
    for index in range(files):
        text = make_module(index, handlers)
        lines += text.count("\n")
        package = os.path.join(directory, f"pkg{index // 50}")
        os.makedirs(package, exist_ok=True)
        with open(os.path.join(package, f"module_{index:04d}.py"), "w", encoding="utf-8") as handle:
            handle.write(text)
    return files, lines


# ---------------------------------------------------------------------------------------------
# What is fetched, once, into .bench/

HERE = os.path.dirname(os.path.abspath(__file__))
BENCH_DIR = os.path.join(os.path.dirname(HERE), ".bench")
SEMGREP_RULES = os.path.join(HERE, "bench_semgrep.yml")

# The mixed corpus: wheels of well-known packages, newest within these ranges for the running
# Python (the exact versions are printed and kept in the manifest).
PACKAGES = (
    "flask>=3.1,<3.2", "werkzeug>=3.1,<3.2", "jinja2>=3.1,<3.2", "click>=8.1,<9", "itsdangerous>=2.2,<2.3",
    "flask-login>=0.6,<0.7", "flask-restful>=0.3,<0.4", "requests>=2.32,<3", "urllib3>=2.2,<3",
    "pymongo>=4.10,<5", "django>=5.2,<5.3", "marshmallow>=3.20,<5", "attrs>=24,<27", "packaging>=24,<27",
    "rich>=13,<16",
)
# Left out for the time a round takes: SQLAlchemy (240,000 lines) and Pygments (130,000).
TOOLS = ("bandit==1.9.4", "semgrep==1.185.0", "ruff==0.17.6")

DENSE_FILES = 160  # x 30 handlers: about 39,400 lines
DENSE_HANDLERS = 30
SINGLE_HANDLERS = 14  # about 125 lines


def _pip(python: str, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([python, "-m", "pip", *args], capture_output=True, text=True, check=False)


def ensure_wheels(bench_dir: str, packages: Sequence[str] = PACKAGES) -> List[str]:
    """The wheels of ``packages``, downloaded into ``bench_dir/wheels`` unless already there."""
    folder = os.path.join(bench_dir, "wheels")
    manifest = os.path.join(folder, "manifest.json")
    python = f"{sys.version_info[0]}.{sys.version_info[1]}"
    try:
        with open(manifest, encoding="utf-8") as handle:
            known = json.load(handle)
        wheels = [os.path.join(folder, w) for w in known["wheels"]]
        if known["packages"] == list(packages) and known["python"] == python and all(map(os.path.isfile, wheels)):
            return wheels
    except (OSError, ValueError, KeyError):
        pass
    os.makedirs(folder, exist_ok=True)
    before = set(os.listdir(folder))
    print(f"downloading {len(packages)} wheels into {folder} ...", file=sys.stderr)
    done = _pip(sys.executable, "download", "--quiet", "--no-deps", "--only-binary", ":all:", "-d", folder, *packages)
    if done.returncode != 0:
        raise SystemExit(f"pip download failed:\n{done.stderr[-3000:]}")
    # pip keeps a wheel that is already there: match each package to its newest file by name.
    found = []
    for requirement in packages:
        name = requirement.split(">")[0].split("<")[0].split("=")[0].replace("-", "_").lower()
        matches = sorted(w for w in os.listdir(folder) if w.endswith(".whl") and w.lower().startswith(name + "-"))
        if not matches:
            new = sorted(set(os.listdir(folder)) - before)
            raise SystemExit(f"no wheel for {requirement} in {folder} (downloaded: {new})")
        found.append(matches[-1])
    with open(manifest, "w", encoding="utf-8") as handle:
        json.dump({"python": python, "packages": list(packages), "wheels": found}, handle, indent=1)
    return [os.path.join(folder, w) for w in found]


@dataclass
class Tools:
    """Commands of the other tools; None for one that is not installed."""

    bandit: Optional[str] = None
    semgrep: Optional[str] = None
    ruff: Optional[str] = None


def ensure_tools(bench_dir: str, install: bool = True) -> Tools:
    """Bandit, Semgrep and Ruff in ``bench_dir/venv``, installed there at the pinned versions."""
    venv = os.path.join(bench_dir, "venv")
    bin_dir = os.path.join(venv, "Scripts" if os.name == "nt" else "bin")
    python = os.path.join(bin_dir, "python")
    marker = os.path.join(venv, "bench-tools.txt")
    wanted = "\n".join(TOOLS) + "\n"
    try:
        with open(marker, encoding="utf-8") as handle:
            installed = handle.read() == wanted
    except OSError:
        installed = False
    if install and not installed:
        print(f"installing {', '.join(TOOLS)} into {venv} ...", file=sys.stderr)
        if not os.path.isfile(python):
            subprocess.run([getattr(sys, "_base_executable", sys.executable), "-m", "venv", venv], check=True)
        done = _pip(python, "install", "--quiet", *TOOLS)
        if done.returncode == 0:
            with open(marker, "w", encoding="utf-8") as handle:
                handle.write(wanted)
        else:
            print(f"could not install the tools (they are left out):\n{done.stderr[-2000:]}", file=sys.stderr)

    def command(name: str) -> Optional[str]:
        path = os.path.join(bin_dir, name)
        return path if os.path.isfile(path) else None

    return Tools(command("bandit"), command("semgrep"), command("ruff"))


# ---------------------------------------------------------------------------------------------
# The corpora, laid out in a temporary folder


@dataclass
class Corpus:
    name: str
    target: str  # the folder or file the tools are given
    files: List[str]  # every .py file (what the parse floor reads)
    lines: int
    note: str = ""


def _lines(paths: Sequence[str]) -> int:
    total = 0
    for path in paths:
        with open(path, "rb") as handle:
            total += handle.read().count(b"\n")
    return total


def _python_files(folder: str) -> List[str]:
    out = []
    for directory, folders, names in os.walk(folder):
        folders.sort()
        out.extend(os.path.join(directory, n) for n in sorted(names) if n.endswith(".py"))
    return out


def unpack(wheels: Sequence[str], folder: str) -> None:
    """The ``.py`` files of each wheel, each wheel in a folder of its own (as a checkout would be)."""
    for wheel in wheels:
        project = os.path.basename(wheel).split("-")[0]
        with zipfile.ZipFile(wheel) as archive:
            for member in archive.namelist():
                if member.endswith(".py") and ".data/" not in member:
                    archive.extract(member, os.path.join(folder, project))


def mixed_corpus(work: str, wheels: Sequence[str]) -> Corpus:
    folder = os.path.join(work, "mixed")
    unpack(wheels, folder)
    files = _python_files(folder)
    names = ", ".join(os.path.basename(w).split("-")[0] + " " + os.path.basename(w).split("-")[1] for w in wheels)
    return Corpus("mixed", folder, files, _lines(files), names)


def dense_corpus(work: str, files: int = DENSE_FILES, handlers: int = DENSE_HANDLERS) -> Corpus:
    folder = os.path.join(work, "dense")
    generate(folder, files, handlers)
    found = _python_files(folder)
    return Corpus("dense", folder, found, _lines(found), f"{files} generated modules of {handlers} handlers")


def single_corpus(work: str, handlers: int = SINGLE_HANDLERS) -> Corpus:
    folder = os.path.join(work, "single")
    os.makedirs(folder, exist_ok=True)
    path = os.path.join(folder, "app.py")
    with open(path, "w", encoding="utf-8") as handle:
        handle.write(make_module(0, handlers))
    return Corpus("single", path, [path], _lines([path]), f"one generated module of {handlers} handlers")


PARSE_FLOOR = '''\
"""Read and parse every file listed in argv[2], in argv[1] processes: with libcst.parse_module,
or with CPython's ast.parse when argv[3] is "ast"."""
import sys


def parse(paths):
    if sys.argv[3:] == ["ast"]:
        import ast
        import warnings

        warnings.simplefilter("ignore")
        parse_one = ast.parse
    else:
        import libcst

        parse_one = libcst.parse_module
    for path in paths:
        with open(path, "rb") as handle:
            source = handle.read()
        try:
            parse_one(source)
        except Exception:
            pass
    return len(paths)


if __name__ == "__main__":
    jobs = int(sys.argv[1])
    with open(sys.argv[2], encoding="utf-8") as handle:
        paths = handle.read().splitlines()
    if jobs <= 1:
        parse(paths)
    else:
        import multiprocessing

        # Largest first, dealt out in small chunks, as a pool of linter workers would take them.
        import os
        paths.sort(key=lambda p: -os.path.getsize(p))
        chunks = [paths[i:i + 8] for i in range(0, len(paths), 8)]
        with multiprocessing.Pool(jobs) as pool:
            sum(pool.imap_unordered(parse, chunks))
'''


# ---------------------------------------------------------------------------------------------
# Commands


def compile_linter() -> str:
    """Write the linter's bytecode (``__pycache__``), as installing a package does. Python reads
    it even when PYTHONDONTWRITEBYTECODE keeps it from writing any (as in some sandboxes and
    containers); without it every run would compile the linter's modules again."""
    import compileall
    import importlib.util

    spec = importlib.util.find_spec("flaskmongo_lint")
    if spec is None or not spec.submodule_search_locations:
        return "linter not importable here; left as it is"
    folder = list(spec.submodule_search_locations)[0]
    ok = compileall.compile_dir(folder, quiet=1)
    return f"compiled in {folder}" if ok else f"some modules of {folder} failed to compile"


def linter_command() -> List[str]:
    """The flaskmongo-lint console script beside this interpreter, else ``python -m``."""
    script = os.path.join(os.path.dirname(sys.executable), "flaskmongo-lint")
    return [script] if os.path.isfile(script) else [sys.executable, "-m", "flaskmongo_lint"]


@dataclass(frozen=True)
class CacheSupport:
    """How this version of the linter is told where its cache is (if it has one)."""

    option: bool  # --cache-dir DIR
    no_cache: bool  # --no-cache
    env: bool  # FLASKMONGO_LINT_CACHE_DIR

    @property
    def any(self) -> bool:
        return self.option or self.env


def cache_support() -> CacheSupport:
    text = subprocess.run([*linter_command(), "--help"], capture_output=True, text=True, check=False).stdout
    return CacheSupport("--cache-dir" in text, "--no-cache" in text, "FLASKMONGO_LINT_CACHE_DIR" in text)


@dataclass
class Command:
    """One row of the benchmark on one corpus."""

    label: str
    argv: List[str]
    ok_status: Tuple[int, ...] = (0,)
    cwd: Optional[str] = None
    env: Optional[Dict[str, str]] = None
    before: Optional[Callable[["Command"], None]] = None  # untimed, before every run (a fresh cache)
    times: List[float] = field(default_factory=list)
    failure: str = ""

    def run(self, timeout: float) -> Optional[float]:
        if self.before is not None:
            self.before(self)
        started = time.perf_counter()
        try:
            done = subprocess.run(self.argv, cwd=self.cwd, env=self.env, stdout=subprocess.DEVNULL,
                                  stderr=subprocess.PIPE, timeout=timeout, check=False)
        except subprocess.TimeoutExpired:
            self.failure = f"timed out after {timeout:g} s"
            return None
        seconds = time.perf_counter() - started
        if done.returncode not in self.ok_status:
            tail = done.stderr.decode("utf-8", "replace").strip().splitlines()[-3:]
            self.failure = f"exit status {done.returncode}: {' / '.join(tail)}"
            return None
        return seconds

    @property
    def median(self) -> Optional[float]:
        return statistics.median(self.times) if self.times and not self.failure else None


def _env(**extra: str) -> Dict[str, str]:
    env = dict(os.environ)
    env.update(extra)
    return env


class LinterCache:
    """Where a linter run keeps its cache: a fresh folder per cold run, one folder for warm runs."""

    def __init__(self, support: CacheSupport, base: str) -> None:
        self.support, self.base, self.count = support, base, 0

    def _args_env(self, folder: str) -> Tuple[List[str], Dict[str, str]]:
        if self.support.option:
            return ["--cache-dir", folder], _env(FLASKMONGO_LINT_CACHE_DIR=folder)
        if self.support.env:
            return [], _env(FLASKMONGO_LINT_CACHE_DIR=folder)
        return [], _env()

    def cold(self, label: str, args: List[str], target: str, cwd: str) -> Command:
        """A run with a new, empty cache folder each time (or no cache at all)."""
        command = Command(label, [], (0, 1), cwd)

        def fresh(c: Command) -> None:
            self.count += 1
            folder = os.path.join(self.base, f"cold-{self.count}")
            extra, c.env = self._args_env(folder)
            if not self.support.any and self.support.no_cache:
                extra = ["--no-cache"]
            c.argv = [*linter_command(), *extra, *args, target]

        command.before = fresh
        fresh(command)
        return command

    def warm(self, label: str, args: List[str], target: str, cwd: str) -> Command:
        """Runs on one cache folder, filled by a first run that is not counted."""
        self.count += 1
        folder = os.path.join(self.base, f"warm-{self.count}")
        extra, env = self._args_env(folder)
        return Command(label, [*linter_command(), *extra, *args, target], (0, 1), cwd, env)


def commands_for(corpus: Corpus, work: str, tools: Tools, cache: LinterCache, wanted: Sequence[str],
                 jobs: int) -> List[Command]:
    listing = os.path.join(work, f"{corpus.name}-files.txt")
    with open(listing, "w", encoding="utf-8") as handle:
        handle.write("\n".join(corpus.files) + "\n")
    floor = os.path.join(work, "parse_floor.py")
    cwd = work  # no pyproject.toml here or above (a temporary folder)
    lint_args = ["--exit-zero", "--format", "json"]
    out: List[Command] = []
    if "fml" in wanted:
        out.append(cache.cold("flaskmongo-lint --jobs 1, cold", [*lint_args, "--jobs", "1"], corpus.target, cwd))
        out.append(cache.cold("flaskmongo-lint, cold", lint_args, corpus.target, cwd))
        out.append(cache.warm("flaskmongo-lint, warm", lint_args, corpus.target, cwd))
    if "floor" in wanted:
        out.append(Command("libcst parse floor, 1 process", [sys.executable, floor, "1", listing], cwd=cwd))
        # For scale: CPython's own parser, which the linter reads files with.
        out.append(Command("ast parse floor, 1 process", [sys.executable, floor, "1", listing, "ast"], cwd=cwd))
        if jobs > 1 and len(corpus.files) > 1:
            out.append(Command(f"libcst parse floor, {jobs} processes", [sys.executable, floor, str(jobs), listing],
                               cwd=cwd))
        out.append(Command('python -c "import libcst, click"', [sys.executable, "-c", "import libcst, click"], cwd=cwd))
    if "bandit" in wanted and tools.bandit:
        out.append(Command("bandit -r -q", [tools.bandit, "-r", "-q", corpus.target], (0, 1), cwd))
    if "semgrep" in wanted and tools.semgrep:
        # An empty .semgrepignore: Semgrep's default one would skip test folders (django/test/).
        folder = corpus.target if os.path.isdir(corpus.target) else os.path.dirname(corpus.target)
        open(os.path.join(folder, ".semgrepignore"), "w").close()
        semgrep_env = _env(SEMGREP_SEND_METRICS="off", SEMGREP_ENABLE_VERSION_CHECK="0")
        out.append(Command(
            "semgrep (4 local rules)",
            [tools.semgrep, "scan", "--config", SEMGREP_RULES, "--metrics=off", "--disable-version-check",
             "--quiet", "--no-git-ignore", "--max-target-bytes", "0", "--jobs", str(jobs), "."],
            (0, 1), folder, semgrep_env,
        ))
    if "ruff" in wanted and tools.ruff:
        out.append(Command("ruff check --select S", [tools.ruff, "check", "--isolated", "--no-cache", "--select", "S",
                                                     "--exit-zero", "--quiet", corpus.target], (0,), cwd))
    return out


# ---------------------------------------------------------------------------------------------
# Running and reporting


def measure(commands: Sequence[Command], repeat: int, timeout: float) -> None:
    """A warm-up run of each, then ``repeat`` rounds of one run each."""
    for command in commands:
        command.run(timeout)
    for _ in range(repeat):
        for command in commands:
            if command.failure:
                continue
            seconds = command.run(timeout)
            if seconds is not None:
                command.times.append(seconds)


def _find(commands: Sequence[Command], prefix: str) -> Optional[Command]:
    return next((c for c in commands if c.label.startswith(prefix)), None)


def _ratio(a: Optional[Command], b: Optional[Command]) -> Optional[float]:
    if a is None or b is None or a.median is None or not b.median:
        return None
    return a.median / b.median


def _floor(corpus: Corpus, commands: Sequence[Command]) -> Optional[Command]:
    """What a corpus's figures are divided by: the import floor for one file, else the parse floor."""
    return _find(commands, "python -c" if corpus.name == "single" else "libcst parse floor, 1")


def print_corpus(corpus: Corpus, commands: Sequence[Command], repeat: int) -> None:
    print(f"\n## {corpus.name}: {len(corpus.files)} files, {corpus.lines:,} lines, {repeat} rounds\n\n{corpus.note}\n")
    floor = _floor(corpus, commands)
    print(f"{'command':<36} {'median s':>9} {'min s':>8} {'max s':>8} {'x floor':>8}")
    for c in commands:
        if c.failure:
            print(f"{c.label:<36} {'failed: ' + c.failure}")
            continue
        ratio = _ratio(c, floor)
        print(f"{c.label:<36} {c.median:>9.3f} {min(c.times):>8.3f} {max(c.times):>8.3f} "
              f"{'' if ratio is None else f'{ratio:.2f}':>8}")


def markdown(corpora: Sequence[Corpus], results: Dict[str, List[Command]]) -> str:
    labels: List[str] = []
    # The rows in the order of the corpus that has the most of them.
    for name in sorted(results, key=lambda n: -len(results[n])):
        for c in results[name]:
            if c.label not in labels:
                labels.append(c.label)
    heads = []
    for corpus in corpora:
        floor = "import floor" if corpus.name == "single" else "parse floor"
        heads.append(f"{corpus.name} ({len(corpus.files)} files, {corpus.lines:,} lines): s (x {floor})")
    rows = ["| tool | " + " | ".join(heads) + " |", "| --- |" + " --- |" * len(corpora)]
    for label in labels:
        cells = []
        for corpus in corpora:
            commands = results[corpus.name]
            c = _find(commands, label)
            floor = _floor(corpus, commands)
            if c is None:
                cells.append("")
            elif c.median is None:
                cells.append("failed")
            else:
                ratio = _ratio(c, floor)
                cells.append(f"{c.median:.2f} ({ratio:.2f}x)" if ratio is not None else f"{c.median:.2f}")
        rows.append(f"| {label} | " + " | ".join(cells) + " |")
    return "\n".join(rows)


def _show(value: Optional[float], target: float) -> str:
    if value is None:
        return "n/a"
    return f"{value:.3f} (target <= {target:g}: {'met' if value <= target else 'not met'})"


def main(argv: Optional[List[str]] = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeat", type=int, default=5, help="counted runs of each command (default 5)")
    parser.add_argument("--repeat-mixed", type=int, default=3,
                        help="counted runs on the mixed corpus, whose rounds are long (default 3)")
    parser.add_argument("--corpus", default="mixed,dense,single", help="corpora, comma-separated (default all three)")
    parser.add_argument("--tools", default="fml,floor,bandit,semgrep,ruff",
                        help="what to time, comma-separated: fml, floor (parse and import), bandit, semgrep, ruff")
    parser.add_argument("--bench-dir", default=BENCH_DIR, help=f"where downloads are kept (default {BENCH_DIR})")
    parser.add_argument("--no-install", action="store_true", help="do not install the tools; leave out missing ones")
    parser.add_argument("--work", metavar="DIR",
                        help="lay the corpora out in DIR and keep them (default: a temporary folder)")
    parser.add_argument("--files", type=int, default=DENSE_FILES,
                        help=f"modules of the dense corpus (default {DENSE_FILES})")
    parser.add_argument("--handlers", type=int, default=DENSE_HANDLERS,
                        help=f"handlers per module of the dense corpus (default {DENSE_HANDLERS}, about 250 lines)")
    parser.add_argument("--timeout", type=float, default=900, help="seconds one run may take (default 900)")
    args = parser.parse_args(argv)

    wanted = [t.strip() for t in args.tools.split(",") if t.strip()]
    names = [n.strip() for n in args.corpus.split(",") if n.strip()]
    unknown = set(names) - {"mixed", "dense", "single"}
    if unknown:
        parser.error(f"unknown corpus: {', '.join(sorted(unknown))}")
    tools = ensure_tools(args.bench_dir, install=not args.no_install) if set(wanted) & {"bandit", "semgrep", "ruff"} \
        else Tools()
    wheels = ensure_wheels(args.bench_dir) if "mixed" in names else []
    jobs = os.cpu_count() or 1
    support = cache_support()
    compiled = compile_linter()
    with tempfile.TemporaryDirectory(prefix="fml-bench-") as temporary:
        work = os.path.abspath(args.work or temporary)
        os.makedirs(work, exist_ok=True)
        with open(os.path.join(work, "parse_floor.py"), "w", encoding="utf-8") as handle:
            handle.write(PARSE_FLOOR)
        cache = LinterCache(support, os.path.join(work, "caches"))
        makers = {
            "mixed": lambda: mixed_corpus(work, wheels),
            "dense": lambda: dense_corpus(work, args.files, args.handlers),
            "single": lambda: single_corpus(work),
        }
        corpora = [makers[n]() for n in names]
        version = subprocess.run([*linter_command(), "--version"], capture_output=True, text=True, check=False)
        print("# flaskmongo-lint benchmark\n")
        print(f"machine: {jobs} CPUs, {sys.platform}, Python {sys.version.split()[0]}; "
              f"{version.stdout.strip()} ({' '.join(linter_command())}); medians of {args.repeat} rounds "
              f"({args.repeat_mixed} on the mixed corpus) after a warm-up run")
        cache_how = ("--cache-dir" if support.option else "FLASKMONGO_LINT_CACHE_DIR" if support.env else
                     "--no-cache" if support.no_cache else "none: this version has no result cache")
        print(f"result cache: {cache_how}")
        print(f"bytecode: {compiled}")
        for tool, path in (("bandit", tools.bandit), ("semgrep", tools.semgrep), ("ruff", tools.ruff)):
            if tool in wanted:
                print(f"{tool}: {path or 'not installed, left out'}")
        results: Dict[str, List[Command]] = {}
        for corpus in corpora:
            commands = commands_for(corpus, work, tools, cache, wanted, jobs)
            repeat = args.repeat_mixed if corpus.name == "mixed" else args.repeat
            print(f"timing {corpus.name} ({len(commands)} commands x {repeat + 1} runs) ...", file=sys.stderr)
            measure(commands, repeat, args.timeout)
            results[corpus.name] = commands
            print_corpus(corpus, commands, repeat)

    print("\n## Markdown\n")
    print(markdown(corpora, results))
    print("\n## Target ratios\n")
    dense, single = results.get("dense", []), results.get("single", [])
    cold_note = "" if support.any else " (no result cache in this version: warm is a second cold run)"
    print("dense tree, flaskmongo-lint --jobs 1 / one-process libcst parse floor: "
          + _show(_ratio(_find(dense, "flaskmongo-lint --jobs 1"), _find(dense, "libcst parse floor, 1")), 1.3))
    print("dense tree, flaskmongo-lint warm / cold: "
          + _show(_ratio(_find(dense, "flaskmongo-lint, warm"), _find(dense, "flaskmongo-lint, cold")), 0.05)
          + cold_note)
    print('single file, flaskmongo-lint / python -c "import libcst, click": '
          + _show(_ratio(_find(single, "flaskmongo-lint, cold"), _find(single, "python -c")), 1.2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
