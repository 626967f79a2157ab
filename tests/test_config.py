"""Configuration: defaults, finding pyproject.toml, --config, validation, selection, overrides."""
from __future__ import annotations

import sys
import textwrap
from pathlib import Path

import pytest

from flaskmongo_lint.config import (
    DEFAULT_EXCLUDE,
    VALID_KEYS,
    Config,
    ConfigError,
    find_config_file,
    load_config,
    parse_codes,
)
from flaskmongo_lint.settings import ANALYSIS_LISTS, AnalysisSettings


def write_pyproject(directory: Path, body: str, name: str = "pyproject.toml") -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / name
    path.write_text(textwrap.dedent(body), encoding="utf-8")
    return path


@pytest.fixture(autouse=True)
def in_tmp(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    return tmp_path


def error_of(tmp_path: Path, body: str) -> str:
    write_pyproject(tmp_path, body)
    with pytest.raises(ConfigError) as info:
        load_config()
    message = str(info.value)
    assert "\n" not in message
    return message


# ---------------------------------------------------------------------------------------------
# Defaults and finding the file


def test_defaults() -> None:
    config = Config()
    assert config.select == ("FM",)
    assert config.ignore == ()
    assert config.exclude == DEFAULT_EXCLUDE
    assert {".git", ".venv", "venv", "node_modules", "build", "dist", "__pycache__", "*.egg-info"} <= set(config.exclude)
    assert config.extend_exclude == ()
    assert config.per_file_ignores == {}
    assert config.analysis == AnalysisSettings()


def test_no_file_gives_defaults(tmp_path: Path) -> None:
    config = load_config()
    assert config.source is None
    assert config.select == ("FM",)
    assert config.analysis == AnalysisSettings()
    assert Path(config.root) == tmp_path


def test_nearest_pyproject_upward(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    top = write_pyproject(tmp_path, '[tool.flaskmongo-lint]\nselect = ["FM1"]\n')
    deep = tmp_path / "a" / "b"
    deep.mkdir(parents=True)
    monkeypatch.chdir(deep)
    config = load_config()
    assert Path(config.source or "") == top
    assert Path(config.root) == tmp_path
    assert config.select == ("FM1",)


def test_nearer_pyproject_wins(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    write_pyproject(tmp_path, '[tool.flaskmongo-lint]\nselect = ["FM1"]\n')
    near = write_pyproject(tmp_path / "a", '[tool.flaskmongo-lint]\nselect = ["FM2"]\n')
    monkeypatch.chdir(tmp_path / "a")
    config = load_config()
    assert Path(config.source or "") == near
    assert config.select == ("FM2",)


def test_pyproject_without_table_is_passed_over(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    top = write_pyproject(tmp_path, '[tool.flaskmongo-lint]\nselect = ["FM3"]\n')
    write_pyproject(tmp_path / "sub", '[project]\nname = "sub"\ndependencies = ["flaskmongo-lint"]\n')
    write_pyproject(tmp_path / "sub" / "deeper", "this is not TOML at all [\n")
    monkeypatch.chdir(tmp_path / "sub" / "deeper")
    assert find_config_file() == str(top)
    assert load_config().select == ("FM3",)


def test_explicit_config_file(tmp_path: Path) -> None:
    write_pyproject(tmp_path, '[tool.flaskmongo-lint]\nselect = ["FM1"]\n')
    other = write_pyproject(tmp_path / "conf", '[tool.flaskmongo-lint]\nselect = ["FM2"]\n', name="lint.toml")
    config = load_config(str(other))
    assert config.select == ("FM2",)
    assert Path(config.source or "") == other
    assert Path(config.root) == tmp_path / "conf"


def test_explicit_config_file_needs_the_table(tmp_path: Path) -> None:
    other = write_pyproject(tmp_path, '[tool.black]\nline-length = 100\n', name="other.toml")
    with pytest.raises(ConfigError, match=r"no \[tool.flaskmongo-lint\] table in other.toml"):
        load_config(str(other))


def test_explicit_config_file_missing() -> None:
    with pytest.raises(ConfigError, match="config file not found: missing.toml"):
        load_config("missing.toml")


# ---------------------------------------------------------------------------------------------
# Keys


def test_every_key(tmp_path: Path) -> None:
    write_pyproject(
        tmp_path,
        """\
        [tool.flaskmongo-lint]
        select = ["FM1", "fm3"]
        ignore = ["FM103"]
        exclude = ["vendored"]
        extend-exclude = ["migrations"]
        owner-fields = ["owner"]
        extend-id-fields = ["slug"]

        [tool.flaskmongo-lint.per-file-ignores]
        "tests/*" = ["FM1", "FM301"]
        """,
    )
    config = load_config()
    assert config.select == ("FM1", "FM3")
    assert config.ignore == ("FM103",)
    assert config.exclude == ("vendored",)
    assert config.extend_exclude == ("migrations",)
    assert config.all_excludes == ("vendored", "migrations")
    assert config.per_file_ignores == {"tests/*": ("FM1", "FM301")}
    assert config.analysis.owner_fields == ("owner",)
    assert config.analysis.id_fields == ("slug",)
    assert config.analysis.capability_fields == AnalysisSettings().capability_fields


@pytest.mark.parametrize("name", ANALYSIS_LISTS)
def test_each_analysis_list_and_its_extend_twin(tmp_path: Path, name: str) -> None:
    key = name.replace("_", "-")
    default = getattr(AnalysisSettings(), name)

    write_pyproject(tmp_path, f'[tool.flaskmongo-lint]\n{key} = ["only_this"]\n')
    assert getattr(load_config().analysis, name) == ("only_this",)

    write_pyproject(tmp_path, f'[tool.flaskmongo-lint]\nextend-{key} = ["also_this"]\n')
    assert getattr(load_config().analysis, name) == default + ("also_this",)

    write_pyproject(tmp_path, f'[tool.flaskmongo-lint]\n{key} = ["a"]\nextend-{key} = ["b", "a"]\n')
    assert getattr(load_config().analysis, name) == ("a", "b")


def test_valid_keys_are_kebab_case() -> None:
    assert "owner-fields" in VALID_KEYS and "extend-owner-fields" in VALID_KEYS
    assert all("_" not in key for key in VALID_KEYS)


# ---------------------------------------------------------------------------------------------
# Errors: one line naming the key and the file


def test_unknown_key_names_key_file_and_suggestion(tmp_path: Path) -> None:
    message = error_of(tmp_path, '[tool.flaskmongo-lint]\nselct = ["FM1"]\n')
    assert message == "unknown key 'selct' in [tool.flaskmongo-lint] of pyproject.toml (did you mean 'select'?)"


def test_snake_case_key_suggests_kebab(tmp_path: Path) -> None:
    message = error_of(tmp_path, '[tool.flaskmongo-lint]\nowner_fields = ["owner"]\n')
    assert "'owner_fields'" in message and "did you mean 'owner-fields'?" in message


def test_unknown_key_without_suggestion(tmp_path: Path) -> None:
    message = error_of(tmp_path, "[tool.flaskmongo-lint]\nzzzzzz = 1\n")
    assert message == "unknown key 'zzzzzz' in [tool.flaskmongo-lint] of pyproject.toml"


@pytest.mark.parametrize(
    "body, key",
    [
        ('select = "FM1"', "'select'"),
        ("ignore = [101]", "'ignore'"),
        ('exclude = {a = "b"}', "'exclude'"),
        ("extend-owner-fields = [1, 2]", "'extend-owner-fields'"),
        ("owner-fields = true", "'owner-fields'"),
    ],
)
def test_wrong_type(tmp_path: Path, body: str, key: str) -> None:
    message = error_of(tmp_path, f"[tool.flaskmongo-lint]\n{body}\n")
    assert message == f"{key} in pyproject.toml must be a list of strings"


def test_per_file_ignores_wrong_types(tmp_path: Path) -> None:
    message = error_of(tmp_path, '[tool.flaskmongo-lint]\nper-file-ignores = ["tests/*"]\n')
    assert message == "'per-file-ignores' in pyproject.toml must be a table of glob = [codes]"
    message = error_of(tmp_path, '[tool.flaskmongo-lint.per-file-ignores]\n"tests/*" = "FM1"\n')
    assert message == "'per-file-ignores' entry 'tests/*' in pyproject.toml must be a list of strings"


def test_tool_entry_not_a_table(tmp_path: Path) -> None:
    message = error_of(tmp_path, '[tool]\nflaskmongo-lint = "yes"\n')
    assert message == "[tool.flaskmongo-lint] in pyproject.toml must be a table"


def test_bad_toml(tmp_path: Path) -> None:
    message = error_of(tmp_path, "[tool.flaskmongo-lint]\nselect = [\n")
    assert message.startswith("cannot parse config file pyproject.toml: ")


def test_bad_code_in_file(tmp_path: Path) -> None:
    message = error_of(tmp_path, '[tool.flaskmongo-lint]\nselect = ["E501"]\n')
    assert message.startswith("invalid code 'E501' in 'select' of pyproject.toml: expected FM")
    message = error_of(tmp_path, '[tool.flaskmongo-lint.per-file-ignores]\n"x.py" = ["FM1011"]\n')
    assert "invalid code 'FM1011'" in message and "'per-file-ignores' entry 'x.py'" in message


# ---------------------------------------------------------------------------------------------
# Codes and selection


def test_parse_codes() -> None:
    assert parse_codes("FM1,FM203", "--select") == ("FM1", "FM203")
    assert parse_codes(" fm1  FM203, ,FM1 ", "--select") == ("FM1", "FM203")
    assert parse_codes("FM", "--select") == ("FM",)
    for bad in ("E501", "FM1a", "FM1234", "F", "FMX"):
        with pytest.raises(ConfigError, match=f"invalid code '{bad}' in --select"):
            parse_codes(bad, "--select")


def test_selection_longest_prefix_wins() -> None:
    config = Config(select=("FM1", "FM301"), ignore=("FM10", "FM3"))
    assert not config.is_selected("FM101")  # FM10 (ignore) is longer than FM1 (select)
    assert config.is_selected("FM301")  # FM301 (select) is longer than FM3 (ignore)
    assert not config.is_selected("FM302")
    assert not config.is_selected("FM201")  # matched by nothing
    assert Config(select=("FM1",), ignore=("FM1",)).is_selected("FM101") is False  # tie: ignore wins
    assert Config().is_selected("FM305")
    assert not Config(ignore=("FM",)).is_selected("FM101")


def test_meta_codes_selected_unless_ignored() -> None:
    assert Config(select=("FM1",)).is_selected("FM001")
    assert Config(select=()).is_selected("FM000")
    assert not Config(ignore=("FM001",)).is_selected("FM001")
    assert not Config(ignore=("FM",)).is_selected("FM001")


def test_unused_noqa_is_opt_in() -> None:
    assert not Config().is_selected("FM002")  # "FM" alone does not switch it on
    assert not Config(select=("FM1",)).is_selected("FM002")
    for entry in ("FM002", "FM00", "FM0"):
        assert Config(select=("FM", entry)).is_selected("FM002"), entry
    assert not Config(select=("FM002",), ignore=("FM002",)).is_selected("FM002")
    assert not Config(select=("FM0",), ignore=("FM00",)).is_selected("FM002")


def test_empty_select_is_an_error(tmp_path: Path) -> None:
    message = error_of(tmp_path, "[tool.flaskmongo-lint]\nselect = []\n")
    assert message.startswith("'select' in pyproject.toml is empty, so nothing would be reported")
    with pytest.raises(ConfigError, match="--select is empty"):
        parse_codes(" , ", "--select", allow_empty=False)
    assert parse_codes("", "--ignore") == ()


def test_baseline_key(tmp_path: Path) -> None:
    write_pyproject(tmp_path / "repo", '[tool.flaskmongo-lint]\nbaseline = "ci/base.json"\n')
    config = load_config(str(tmp_path / "repo" / "pyproject.toml"))
    assert config.baseline == str(tmp_path / "repo" / "ci" / "base.json")
    assert Config().baseline is None
    for body in ("baseline = 1", 'baseline = ""', 'baseline = ["a.json"]'):
        message = error_of(tmp_path, f"[tool.flaskmongo-lint]\n{body}\n")
        assert message == "'baseline' in pyproject.toml must be a file name (a string)"


def test_command_line_wins_over_file(tmp_path: Path) -> None:
    write_pyproject(tmp_path, '[tool.flaskmongo-lint]\nselect = ["FM1", "FM2"]\nignore = ["FM201"]\n')
    config = load_config()
    assert config.with_overrides(select=("FM3",)).select == ("FM3",)
    assert config.with_overrides(select=("FM3",)).ignore == ("FM201",)
    assert config.with_overrides(ignore=("FM1",)).ignore == ("FM1",)
    extended = config.with_overrides(extend_select=("FM3",), extend_ignore=("FM101",))
    assert extended.select == ("FM1", "FM2", "FM3")
    assert extended.ignore == ("FM201", "FM101")
    assert config.with_overrides() == config
    assert config.with_overrides(select=("FM3",)).analysis is config.analysis


def test_config_is_frozen() -> None:
    with pytest.raises(AttributeError):
        Config().select = ("FM1",)  # type: ignore[misc]
    hash(Config())  # usable as a key, despite the per-file-ignores dict


def test_readme_example_is_valid_and_complete() -> None:
    """The README's configuration example loads, and mentions every key."""
    import re

    from flaskmongo_lint.config import config_from_table

    if sys.version_info >= (3, 11):
        import tomllib
    else:
        import tomli as tomllib

    readme = (Path(__file__).resolve().parent.parent / "README.md").read_text(encoding="utf-8")
    section = readme.split("## Configuration", 1)[1]
    block = re.search(r"```toml\n(.*?)```", section, re.S)
    assert block is not None
    text = block.group(1)
    config = config_from_table(tomllib.loads(text)["tool"]["flaskmongo-lint"], "pyproject.toml")
    assert config.per_file_ignores["tests/*"] == ("FM1", "FM301")
    mentioned = set(re.findall(r"^#? ?([a-z-]+) =", text, re.M))
    assert set(VALID_KEYS) - {"per-file-ignores"} <= mentioned


@pytest.mark.parametrize(("value", "expected"), [
    (1000, 1000), ("8MB", 8_000_000), ("512 KiB", 512 * 1024), ("1.5mb", 1_500_000), ("42", 42),
])
def test_max_file_size_accepts_bytes_and_units(value: object, expected: int) -> None:
    from flaskmongo_lint.config import config_from_table

    assert config_from_table({"max-file-size": value}, "pyproject.toml").max_file_size == expected


@pytest.mark.parametrize("value", ["8 parsecs", -1, 0, True, [1]])
def test_max_file_size_rejects_nonsense(value: object) -> None:
    from flaskmongo_lint.config import ConfigError, config_from_table

    with pytest.raises(ConfigError, match="max-file-size"):
        config_from_table({"max-file-size": value}, "pyproject.toml")


def test_secret_fields_match_without_regard_to_case() -> None:
    """FM401's field names come in every case (``Password``, ``API_KEY``): that list ignores case,
    the others do not."""
    settings = AnalysisSettings()
    for name in ("password", "Password", "password_hash", "PASSWORD_HASH", "reset_token", "accessToken",
                 "secret", "SecretKey", "api_key", "API_KEY", "otp", "otp_secret"):
        assert settings.matches("secret_fields", name), name
    for name in ("name", "email", "apikey", "pass", "hashtag", "role"):
        assert not settings.matches("secret_fields", name), name
    assert not settings.matches("owner_fields", "OWNER_ID")  # case-sensitive as before
    custom = AnalysisSettings(secret_fields=("pin",))
    assert custom.matches("secret_fields", "PIN") and not custom.matches("secret_fields", "password")
