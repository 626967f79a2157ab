"""``flake8 --select FM`` runs the same rules through the plugin entry point, and flake8's own
noqa, ignore and per-file-ignores apply to the FM codes."""
from __future__ import annotations

import subprocess
import sys
from importlib import metadata
from pathlib import Path
from typing import List

from cli_support import OBJECTID, OBJECTID_LINE, SEARCH, SEARCH_LINE, write


def flake8(*args: str, cwd: Path) -> "subprocess.CompletedProcess[str]":
    # --isolated: no user or project flake8 configuration other than what the test passes.
    return subprocess.run(
        [sys.executable, "-m", "flake8", "--isolated", *args], cwd=cwd, capture_output=True, text=True, timeout=120
    )


def fm_lines(done: "subprocess.CompletedProcess[str]") -> List[str]:
    return [line for line in done.stdout.splitlines() if ": FM" in line]


def test_the_entry_point_is_registered() -> None:
    found = metadata.entry_points()
    # Python 3.9's entry_points() is a dict of groups; 3.10 added select().
    group = found.select(group="flake8.extension") if hasattr(found, "select") else found.get("flake8.extension", [])
    entry = [ep for ep in group if ep.name == "FM"]
    # A set: Python 3.9 lists a distribution once per place it is found (site-packages, a checkout's egg-info).
    assert {ep.value for ep in entry} == {"flaskmongo_lint.flake8_plugin:Flake8Plugin"}


def test_flake8_reports_what_flaskmongo_lint_reports(tmp_path: Path) -> None:
    write(tmp_path, "app.py", OBJECTID)
    write(tmp_path, "search.py", SEARCH)
    done = flake8("--select", "FM", "app.py", "search.py", cwd=tmp_path)
    assert done.returncode == 1, done.stderr
    ours = subprocess.run(
        [sys.executable, "-m", "flaskmongo_lint", "app.py", "search.py"], cwd=tmp_path, capture_output=True, text=True,
        timeout=120,
    )
    # Same positions (flake8 prints 1-based columns too), codes and messages.
    assert done.stdout == ours.stdout
    assert done.stdout.splitlines()[0].startswith(f"app.py:{OBJECTID_LINE}:")
    assert done.stdout.splitlines()[1].startswith(f"search.py:{SEARCH_LINE}:")


def test_flake8_noqa_and_disable_noqa(tmp_path: Path) -> None:
    write(tmp_path, "app.py", OBJECTID.replace("ObjectId(item_id)}))", "ObjectId(item_id)}))  # noqa: FM301"))
    assert flake8("--select", "FM", "app.py", cwd=tmp_path).returncode == 0
    again = flake8("--select", "FM", "--disable-noqa", "app.py", cwd=tmp_path)
    assert [line.split()[1] for line in fm_lines(again)] == ["FM301"]


def test_flake8_ignore_and_per_file_ignores(tmp_path: Path) -> None:
    write(tmp_path, "app.py", OBJECTID)
    write(tmp_path, "search.py", SEARCH)
    assert fm_lines(flake8("--select", "FM", "--extend-ignore", "FM3", "app.py", cwd=tmp_path)) == []
    done = flake8("--select", "FM", "--per-file-ignores", "app.py:FM301", "app.py", "search.py", cwd=tmp_path)
    assert [line.split(":")[0] for line in fm_lines(done)] == ["search.py"]


def test_flake8_uses_the_analysis_settings_but_not_the_selection_of_pyproject(tmp_path: Path) -> None:
    # select = FM1 would hide FM301 from flaskmongo-lint; under flake8 only flake8 selects.
    write(tmp_path, "pyproject.toml", '[tool.flaskmongo-lint]\nselect = ["FM1"]\n')
    write(tmp_path, "app.py", OBJECTID)
    assert [line.split()[1] for line in fm_lines(flake8("--select", "FM", "app.py", cwd=tmp_path))] == ["FM301"]


def test_flake8_skip_file_and_syntax_errors(tmp_path: Path) -> None:
    write(tmp_path, "skipped.py", "# flaskmongo-lint: skip-file\n" + OBJECTID)
    write(tmp_path, "bad.py", "from flask import Flask\nx = (\n")
    done = flake8("--select", "FM,E999", "skipped.py", "bad.py", cwd=tmp_path)
    assert fm_lines(done) == []
    assert "E999" in done.stdout  # flake8 reports the syntax error itself


def test_flake8_with_a_coding_cookie(tmp_path: Path) -> None:
    source = "# -*- coding: latin-1 -*-\n" + OBJECTID.replace('{"_id": ObjectId', '{"_id": "\xe9" and ObjectId')
    (tmp_path / "app.py").write_bytes(source.encode("latin-1"))
    done = flake8("--select", "FM", "app.py", cwd=tmp_path)
    ours = subprocess.run([sys.executable, "-m", "flaskmongo_lint", "app.py"], cwd=tmp_path, capture_output=True,
                          text=True, timeout=120)
    assert fm_lines(done) and done.stdout == ours.stdout
