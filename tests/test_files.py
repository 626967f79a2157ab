"""Discovery and path patterns."""
from __future__ import annotations

import os
from pathlib import Path

import pytest

from flaskmongo_lint.config import Config
from flaskmongo_lint.files import discover, missing_paths, path_matches
from lintkit import refuse_folder


@pytest.fixture(autouse=True)
def in_tmp(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    return tmp_path


def touch(*names: str) -> None:
    for name in names:
        Path(name).parent.mkdir(parents=True, exist_ok=True)
        Path(name).write_text("x = 1\n")


def test_walk_sorted_and_skips() -> None:
    touch("b.py", "a.py", "pkg/z.py", "pkg/sub/y.py", "pkg/notes.md", "dist/d.py", ".git/hooks/h.py",
          "myenv/pyvenv.cfg", "myenv/lib/v.py", "x.egg-info/e.py")
    assert discover(["."], Config()) == ["a.py", "b.py", "pkg/sub/y.py", "pkg/z.py"]
    assert discover([], Config()) == ["a.py", "b.py", "pkg/sub/y.py", "pkg/z.py"]


def test_explicit_paths_kept_in_given_order_and_deduplicated() -> None:
    touch("a.py", "b.py", "dist/d.py", "tool")
    assert discover(["b.py", "dist/d.py", "./b.py", "tool", "."], Config()) == ["b.py", "dist/d.py", "tool", "a.py"]


def test_absolute_paths_stay_absolute(tmp_path: Path) -> None:
    touch("a.py")
    assert discover([str(tmp_path)], Config()) == [os.path.join(str(tmp_path), "a.py")]


def test_missing_paths_are_passed_over_and_listed() -> None:
    touch("a.py")
    assert discover(["gone", "a.py", "also/gone"], Config()) == ["a.py"]
    assert missing_paths(["gone", "a.py", "also/gone"]) == ["gone", "also/gone"]


@pytest.mark.parametrize(
    "path, pattern, matches",
    [
        ("src/app.py", "app.py", True),
        ("src/app.py", "*.py", True),
        ("src/app.py", "src/*", True),
        ("src/deep/app.py", "src/*", True),
        ("src/deep/app.py", "src", False),  # a bare name matches the file's own name only
        ("src/deep/app.py", "src/deep", True),  # a path names a folder and all below it
        ("src/deep/app.py", "./src/deep/", True),
        ("src/app.py", "src/**/*.py", True),
        ("src/a/b/app.py", "src/**/*.py", True),
        ("lib/app.py", "src/*", False),
    ],
)
def test_path_matches(tmp_path: Path, path: str, pattern: str, matches: bool) -> None:
    assert path_matches(path, pattern, str(tmp_path)) is matches


def test_patterns_are_relative_to_the_config_root(tmp_path: Path) -> None:
    root = tmp_path / "project"
    assert path_matches("project/src/app.py", "src/*", str(root))
    assert not path_matches("project/src/app.py", "src/*", str(tmp_path))


# ------------------------------------------------------------------ links and unreadable folders

def test_a_link_loop_and_a_dangling_link_are_notes_not_errors() -> None:
    from flaskmongo_lint.files import discover_all

    touch("app/a.py")
    os.symlink("loop.py", "app/loop.py")  # points at itself
    os.symlink("nowhere.py", "app/dangling.py")
    os.symlink("..", "app/up")  # a folder link back up the tree
    found = discover_all(["."], Config())
    assert found.files == ["app/a.py"]
    assert sorted(found.notes) == [
        "skipped link app/dangling.py: no such file or directory",
        "skipped link app/loop.py: too many levels of symbolic links",
    ]
    assert found.unreadable == []


def test_links_are_followed_inside_the_roots_only(tmp_path: Path) -> None:
    from flaskmongo_lint.files import discover_all

    touch("proj/real/a.py", "outside/secret.py")
    os.symlink("real", "proj/alias")  # inside: its files are the same files, listed once
    os.symlink("real/a.py", "proj/b.py")  # the same file again
    os.symlink(str(tmp_path / "outside"), "proj/ext")
    os.symlink(str(tmp_path / "outside" / "secret.py"), "proj/ext_file.py")
    found = discover_all(["proj"], Config())
    assert found.files == ["proj/alias/a.py"]
    assert sorted(found.notes) == [
        "skipped link proj/ext: it points outside the linted paths",
        "skipped link proj/ext_file.py: it points outside the linted paths",
    ]


def test_an_unreadable_folder_is_reported(monkeypatch: pytest.MonkeyPatch) -> None:
    """Tests may run as root, for whom no mode bit denies anything: the refusal is simulated."""
    from flaskmongo_lint.files import discover_all

    touch("app/a.py", "app/private/b.py")
    refuse_folder(monkeypatch, "private")
    found = discover_all(["app"], Config())
    assert found.files == ["app/a.py"]
    assert found.unreadable == [("app/private", "cannot read folder: permission denied")]
    named = discover_all(["app/private"], Config())  # named on the command line: the same
    assert named.unreadable == [("app/private", "cannot read folder: permission denied")]
