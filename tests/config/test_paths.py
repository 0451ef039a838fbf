"""drover.config.paths: explicit argument → env var → platform default."""

from __future__ import annotations

from pathlib import Path

import platformdirs
import pytest

from drover.config import InvalidProfileName, config_file, data_dir, mirror_path


def test_config_file_precedence(tmp_path):
    default = Path(platformdirs.user_config_dir("drover", appauthor=False)) / "config.toml"
    assert config_file(env={}) == default
    assert config_file(env={"DROVER_CONFIG": str(tmp_path / "c.toml")}) == tmp_path / "c.toml"
    assert config_file(tmp_path / "x.toml", env={"DROVER_CONFIG": "/nope"}) == (tmp_path / "x.toml")


def test_data_dir_precedence(tmp_path):
    assert data_dir(env={}) == Path(platformdirs.user_data_dir("drover", appauthor=False))
    assert data_dir(env={"DROVER_DATA_DIR": str(tmp_path)}) == tmp_path
    assert data_dir(tmp_path / "flag", env={"DROVER_DATA_DIR": "/nope"}) == tmp_path / "flag"


def test_env_is_read_from_os_environ_by_default(tmp_path, monkeypatch):
    monkeypatch.setenv("DROVER_DATA_DIR", str(tmp_path))
    assert data_dir() == tmp_path


def test_mirror_path_per_profile(tmp_path):
    path = mirror_path("work", tmp_path)
    assert path == tmp_path / "work" / "mirror.db" and not path.parent.exists()
    made = mirror_path("work", tmp_path, create=True)
    assert made.parent.is_dir() and (made.parent.stat().st_mode & 0o777) == 0o700


@pytest.mark.parametrize("bad", ["", "..", "a/b", "../x", ".hidden", "x" * 65, "a b", "end."])
def test_profile_names_cannot_escape_the_data_dir(tmp_path, bad):
    with pytest.raises(InvalidProfileName):
        mirror_path(bad, tmp_path)
