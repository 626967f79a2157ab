"""The result cache: a warm run analyses nothing, a change re-analyses only its group, and the
folder is safe to share, to corrupt and to lose."""
from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import List

import pytest
from cli_support import OBJECTID, SEARCH, invoke, lines, log_analysed, write

from flaskmongo_lint import cache as cache_module
from flaskmongo_lint import checker
from flaskmongo_lint.cache import DIRECTORY_NAME, ENVIRONMENT_VARIABLE, ResultCache
from flaskmongo_lint.config import Config

# A package whose two modules import each other's names: one group.
ROUTES = textwrap.dedent(
    """\
    from flask import Blueprint
    from shop.store import load
    bp = Blueprint("shop", __name__)
    @bp.get("/orders/<order_id>")
    def order(order_id):
        return str(load(order_id))
    """
)
STORE = textwrap.dedent(
    """\
    from bson import ObjectId
    from pymongo import MongoClient
    db = MongoClient().shop
    def load(order_id):
        return db.orders.find_one({"_id": ObjectId(order_id)})
    """
)


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Three groups: items.py, search.py, and the shop package (two files)."""
    root = tmp_path / "project"
    write(root, "items.py", OBJECTID)
    write(root, "search.py", SEARCH)
    write(root, "shop/__init__.py", "")
    write(root, "shop/routes.py", ROUTES)
    write(root, "shop/store.py", STORE)
    monkeypatch.chdir(root)
    return root


@pytest.fixture
def analysed(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A log of the files the engine analyses, one name per line (checks run in a forked child,
    so the spy tells through a file)."""
    log = tmp_path / "analysed.log"
    log.write_text("")
    return log_analysed(monkeypatch, log)


def _names(log: Path) -> List[str]:
    names = sorted(log.read_text().split())
    log.write_text("")
    return names


def test_warm_run_analyses_nothing_and_prints_the_same(project: Path, analysed: Path) -> None:
    cold = invoke("--jobs", "1", "--verbose", ".")
    assert _names(analysed) == ["items.py", "routes.py", "search.py", "store.py"]
    assert "cache: 0 group(s) reused, 3 analysed" in cold.stderr
    warm = invoke("--jobs", "1", "--verbose", ".")
    assert _names(analysed) == []
    assert "cache: 3 group(s) reused, 0 analysed" in warm.stderr
    assert warm.stdout == cold.stdout and warm.exit_code == cold.exit_code == 1
    assert {line.split(":")[0] for line in lines(warm)} == {"items.py", "search.py", "shop/store.py"}


def test_warm_run_gives_every_format_the_same(project: Path) -> None:
    for fmt in ("json", "sarif"):
        cold = invoke("--format", fmt, ".")
        assert invoke("--format", fmt, ".").stdout == cold.stdout


def test_a_change_re_analyses_only_its_group(project: Path, analysed: Path) -> None:
    invoke("--jobs", "1", ".")
    _names(analysed)
    (project / "shop" / "store.py").write_text(STORE + "\n# touched\n")
    invoke("--jobs", "1", ".")
    assert _names(analysed) == ["routes.py", "store.py"]
    (project / "items.py").write_text(OBJECTID + "# edited\n")
    invoke("--jobs", "1", ".")
    assert _names(analysed) == ["items.py"]


def test_a_new_finding_after_an_edit_is_reported(project: Path) -> None:
    assert "search.py" not in invoke("items.py").stdout
    before = invoke(".").stdout
    (project / "search.py").write_text(SEARCH.replace("found = list", "found = 1\n    found = list"))
    after = invoke(".").stdout
    assert before != after
    assert "search.py:8:" in after and "search.py:7:" not in after


def test_a_setting_is_part_of_the_key(project: Path) -> None:
    everything = invoke(".").stdout
    only = invoke("--select", "FM303", ".").stdout
    assert [line.split()[1] for line in only.splitlines()] == ["FM303"]
    assert invoke(".").stdout == everything


def test_no_cache_reads_and_writes_nothing(project: Path, analysed: Path, tmp_path: Path,
                                           monkeypatch: pytest.MonkeyPatch) -> None:
    folder = tmp_path / "elsewhere"
    monkeypatch.setenv(ENVIRONMENT_VARIABLE, str(folder))
    invoke("--jobs", "1", ".")
    assert folder.is_dir()
    _names(analysed)
    invoke("--jobs", "1", "--no-cache", ".")
    assert len(_names(analysed)) == 4
    other = tmp_path / "unused"
    invoke("--no-cache", "--cache-dir", str(other), ".")
    assert not other.exists()


def test_default_folder_is_in_the_project_root_and_ignores_itself(project: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(ENVIRONMENT_VARIABLE)
    (project / "pyproject.toml").write_text("[tool.flaskmongo-lint]\n")
    monkeypatch.chdir(project / "shop")
    invoke(".")
    folder = project / DIRECTORY_NAME
    assert (folder / ".gitignore").read_text().splitlines()[-1] == "*"
    assert (folder / "CACHEDIR.TAG").read_text().startswith("Signature: 8a477f597d28d172789f06886806bc55")
    assert list((folder / "v1").glob("*/*.json"))
    assert not (project / "shop" / DIRECTORY_NAME).exists()


def test_git_ignores_the_default_folder(project: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    if subprocess.run(["git", "--version"], capture_output=True).returncode != 0:
        pytest.skip("git is not installed")
    monkeypatch.delenv(ENVIRONMENT_VARIABLE)
    subprocess.run(["git", "init", "-q", str(project)], check=True)
    invoke(".")
    status = subprocess.run(["git", "status", "--porcelain", "--untracked-files=all"], cwd=project,
                            capture_output=True, text=True, check=True).stdout
    assert "items.py" in status and DIRECTORY_NAME not in status


def test_cache_dir_option_beats_the_variable(project: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    variable, option = tmp_path / "from-variable", tmp_path / "from-option"
    monkeypatch.setenv(ENVIRONMENT_VARIABLE, str(variable))
    invoke("--cache-dir", str(option), ".")
    assert list(option.glob("v1/*/*.json")) and not variable.exists()
    invoke(".")
    assert list(variable.glob("v1/*/*.json"))


def test_corrupt_entries_are_ignored_and_replaced(project: Path, analysed: Path, _own_cache: Path) -> None:
    cold = invoke("--jobs", "1", ".").stdout
    _names(analysed)
    entries = sorted(_own_cache.glob("v1/*/*.json"))
    assert len(entries) == 3
    _forget_reports(_own_cache)  # else the whole report is replayed and no group is read
    entries[0].write_text("{not json")
    entries[1].write_text(json.dumps({"files": [["x.py", [{"p": "x.py"}], None]], "notes": []}))
    entries[2].write_bytes(b"")
    assert invoke("--jobs", "1", ".").stdout == cold
    assert len(_names(analysed)) == 4
    for entry in entries:
        json.loads(entry.read_text())  # rewritten whole


def _forget_reports(folder: Path) -> None:
    for report in folder.glob(f"reports{cache_module.FORMAT}/*/*.txt"):
        report.unlink()


class _NoRun:
    """``runner.run``, counted: a replayed report must not get that far."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        from flaskmongo_lint import runner

        self.calls = 0
        real = runner.run

        def counting(*args, **kwargs):  # type: ignore[no-untyped-def]
            self.calls += 1
            return real(*args, **kwargs)

        monkeypatch.setattr(runner, "run", counting)


def test_a_rerun_replays_the_whole_report(project: Path, monkeypatch: pytest.MonkeyPatch, _own_cache: Path) -> None:
    """The same command over the same files prints what the last run printed (standard output,
    standard error, exit status) without grouping, analysing or rendering anything."""
    runs = _NoRun(monkeypatch)
    command = ("--jobs", "1", "--format", "json", "--statistics", ".")
    cold = invoke(*command)
    warm = invoke(*command)
    assert runs.calls == 1
    assert (warm.stdout, warm.stderr, warm.exit_code) == (cold.stdout, cold.stderr, 1)
    assert "FM301" in cold.stderr  # the statistics, kept apart from the JSON
    assert len(list(_own_cache.glob("reports*/*/*.txt"))) == 1


def test_a_replay_follows_the_command_and_the_files(project: Path, monkeypatch: pytest.MonkeyPatch,
                                                   _own_cache: Path) -> None:
    runs = _NoRun(monkeypatch)
    invoke(".")
    assert invoke("--exit-zero", ".").exit_code == 0  # another command: run, not replayed
    assert runs.calls == 2
    (project / "items.py").write_text(OBJECTID + "# edited\n")
    edited = invoke(".")
    assert runs.calls == 3 and edited.exit_code == 1
    assert invoke(".").stdout == edited.stdout and runs.calls == 3
    assert len(list(_own_cache.glob("reports*/*/*.txt"))) == 2  # one per command, the latest
    (project / "search.py").unlink()
    assert "search.py" not in invoke(".").stdout and runs.calls == 4


@pytest.mark.parametrize("options", [("--verbose",), ("--no-cache",), ("--write-baseline", "b.json")])
def test_what_is_never_replayed(project: Path, monkeypatch: pytest.MonkeyPatch, options: tuple) -> None:
    """--verbose tells how the run went, --no-cache keeps no report, a baseline run writes a file."""
    runs = _NoRun(monkeypatch)
    for _ in range(2):
        invoke(*options, ".")
    assert runs.calls == 2


def test_a_corrupt_report_is_ignored_and_replaced(project: Path, monkeypatch: pytest.MonkeyPatch,
                                                 _own_cache: Path) -> None:
    cold = invoke("--format", "json", ".")
    (report,) = _own_cache.glob("reports*/*/*.txt")
    runs = _NoRun(monkeypatch)
    for broken in (b"", b"{not json\n", report.read_bytes()[:-10]):
        report.write_bytes(broken)
        again = invoke("--format", "json", ".")
        assert (again.stdout, again.exit_code) == (cold.stdout, cold.exit_code)
    assert runs.calls == 3
    assert invoke("--format", "json", ".").stdout == cold.stdout and runs.calls == 3


def test_internal_errors_are_not_cached(project: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    real = checker.check_files

    def explode(files, settings, **kw):  # type: ignore[no-untyped-def]
        raise RuntimeError("the engine fell over")

    monkeypatch.setattr(checker, "check_files", explode)
    assert invoke("--jobs", "1", ".").exit_code == 2
    monkeypatch.setattr(checker, "check_files", real)
    again = invoke("--jobs", "1", ".")
    assert again.exit_code == 1 and "FM000" not in again.stdout


def test_an_unwritable_folder_only_means_nothing_is_cached(project: Path, tmp_path: Path) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    result = invoke("--cache-dir", str(blocker / "cache"), ".")
    assert result.exit_code == 1 and result.stderr == ""
    assert result.stdout == invoke("--no-cache", ".").stdout


def test_the_code_stamp_changes_when_the_tool_does(monkeypatch: pytest.MonkeyPatch) -> None:
    before = cache_module._code_stamp()
    monkeypatch.setattr(cache_module, "__version__", "0.0.0-other")
    assert cache_module._code_stamp() != before


def test_keys_follow_every_input(tmp_path: Path) -> None:
    from flaskmongo_lint.modules import SourceFile

    def key(config: Config, *files: SourceFile) -> str:
        return ResultCache(str(tmp_path), config).key(list(files))

    a = SourceFile("a.py", "a", False, b"x = 1\n")
    base = key(Config(), a)
    assert key(Config(), a) == base
    assert key(Config(), SourceFile("a.py", "a", False, b"x = 2\n")) != base
    assert key(Config(), SourceFile("b.py", "a", False, b"x = 1\n")) != base
    assert key(Config(), SourceFile("a.py", "pkg.a", False, b"x = 1\n")) != base
    assert key(Config(), SourceFile("a.py", "a", True, b"x = 1\n")) != base
    assert key(Config(), a, SourceFile("b.py", "b", False, b"")) != base
    assert key(Config(select=("FM301",)), a) != base


def test_concurrent_runs_share_a_folder_safely(project: Path, tmp_path: Path) -> None:
    folder = tmp_path / "shared"
    env = dict(os.environ, **{ENVIRONMENT_VARIABLE: str(folder)})
    command = [sys.executable, "-m", "flaskmongo_lint", "--jobs", "1", "."]
    runs = [subprocess.Popen(command, cwd=project, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
            for _ in range(6)]
    outputs = [r.communicate() for r in runs]
    expected = subprocess.run(command[:-1] + ["--no-cache", "."], cwd=project, capture_output=True).stdout
    assert all(out == expected and err == b"" for out, err in outputs)
    assert all(r.returncode == 1 for r in runs)
    assert len(list(folder.glob("v1/*/*.json"))) == 3
    assert not list(folder.glob("v1/*/.tmp-*"))
    assert subprocess.run(command, cwd=project, env=env, capture_output=True).stdout == expected


@pytest.mark.parametrize("fmt", ["text", "json", "sarif", "gitlab", "junit", "github"])
def test_the_main_process_never_loads_the_parser(project: Path, fmt: str) -> None:
    """What makes a warm run fast: groups are analysed in child processes, and no report format
    needs libcst or the interpreter for its rule metadata, so a run served by the cache loads
    neither (they cost more than everything else a warm run does)."""
    code = ("import sys\nfrom flaskmongo_lint.cli import main\ntry:\n    main(['--format', '%s', '.'])\n"
            "except SystemExit:\n    pass\nprint(sorted(m for m in sys.modules if m == 'libcst' or "
            "m.startswith('flaskmongo_lint.analysis.interp')))\n" % fmt)
    cold, warm = (subprocess.run([sys.executable, "-c", code], cwd=project, capture_output=True, text=True, check=True)
                  for _ in range(2))
    assert cold.stdout.splitlines()[-1] == warm.stdout.splitlines()[-1] == "[]"
    assert warm.stdout.splitlines()[:-1] == cold.stdout.splitlines()[:-1]
    assert "items.py" in warm.stdout
