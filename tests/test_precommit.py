"""The pre-commit hook for real: ``pre-commit try-repo`` on this repository, in a throwaway git
repository, fails a vulnerable file and passes a clean one.

pre-commit builds the hook's environment the way it does for users (a virtualenv with this
repository installed from its source), so this test takes some seconds and needs the package
index that .ci/run installs from.
"""
from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Dict

import pytest

from cli_support import OBJECTID, write

REPO = Path(__file__).resolve().parent.parent

CLEAN = OBJECTID.replace(
    '    return str(db.items.find_one({"_id": ObjectId(item_id)}))\n',
    "    if not ObjectId.is_valid(item_id):\n"
    "        return 'not found', 404\n"
    '    return str(db.items.find_one({"_id": ObjectId(item_id)}))\n',
)


def _env(tmp_path: Path) -> Dict[str, str]:
    env = dict(os.environ)
    env.update(
        PRE_COMMIT_HOME=str(tmp_path / "pre-commit-home"),  # hermetic: no cache from elsewhere
        GIT_AUTHOR_NAME="test", GIT_AUTHOR_EMAIL="test@example.invalid",
        GIT_COMMITTER_NAME="test", GIT_COMMITTER_EMAIL="test@example.invalid",
    )
    env.pop("GIT_DIR", None)
    env.pop("GIT_WORK_TREE", None)
    return env


def _run(args: "list[str]", cwd: Path, env: Dict[str, str]) -> "subprocess.CompletedProcess[str]":
    return subprocess.run(args, cwd=cwd, env=env, capture_output=True, text=True, timeout=600)


@pytest.mark.skipif(shutil.which("git") is None, reason="needs git")
def test_pre_commit_try_repo_fails_the_vulnerable_file_and_passes_the_clean_one(tmp_path: Path) -> None:
    assert (REPO / ".pre-commit-hooks.yaml").is_file()
    project = tmp_path / "project"
    project.mkdir()
    env = _env(tmp_path)
    assert _run(["git", "init", "-q"], project, env).returncode == 0
    write(project, "vulnerable.py", OBJECTID)
    write(project, "clean.py", CLEAN)
    assert _run(["git", "add", "vulnerable.py", "clean.py"], project, env).returncode == 0

    pre_commit = [sys.executable, "-m", "pre_commit", "try-repo", str(REPO), "flaskmongo-lint"]
    failed = _run(pre_commit + ["--files", "vulnerable.py"], project, env)
    assert failed.returncode == 1, failed.stdout + failed.stderr
    assert "Failed" in failed.stdout
    assert "vulnerable.py:8:" in failed.stdout and "FM301" in failed.stdout

    passed = _run(pre_commit + ["--files", "clean.py"], project, env)
    assert passed.returncode == 0, passed.stdout + passed.stderr
    assert "Passed" in passed.stdout
    assert "FM301" not in passed.stdout
