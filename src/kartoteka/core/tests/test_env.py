from __future__ import annotations

import stat
from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured

from kartoteka.env import env_bool, env_int, env_list, env_str, secret_key


@pytest.mark.parametrize(
    ("raw", "value"), [("1", True), ("Yes", True), ("off", False), ("", False)]
)
def test_env_bool_understands_the_usual_words(monkeypatch, raw: str, value: bool) -> None:
    monkeypatch.setenv("DEBUG", raw)
    assert env_bool("DEBUG") is value


def test_env_bool_rejects_anything_else(monkeypatch) -> None:
    monkeypatch.setenv("DEBUG", "yes please")
    with pytest.raises(ImproperlyConfigured, match="DEBUG='yes please' is not a boolean"):
        env_bool("DEBUG")


def test_env_int_rejects_words(monkeypatch) -> None:
    monkeypatch.setenv("PORT", "eighty")
    with pytest.raises(ImproperlyConfigured, match="PORT='eighty' is not a whole number"):
        env_int("PORT", 8000)


def test_env_list_splits_on_commas(monkeypatch) -> None:
    monkeypatch.setenv("ALLOWED_HOSTS", " crm.firma.pl, ,localhost ")
    assert env_list("ALLOWED_HOSTS", []) == ["crm.firma.pl", "localhost"]


def test_a_file_variable_wins_over_the_plain_one(monkeypatch, tmp_path: Path) -> None:
    secret = tmp_path / "secret"
    secret.write_text("from-file\n")
    monkeypatch.setenv("SECRET_KEY", "from-env")
    monkeypatch.setenv("SECRET_KEY_FILE", str(secret))
    assert env_str("SECRET_KEY") == "from-file"


def test_missing_secret_file_fails_loudly(monkeypatch, tmp_path: Path) -> None:
    monkeypatch.setenv("SECRET_KEY_FILE", str(tmp_path / "nowhere"))
    with pytest.raises(ImproperlyConfigured, match="cannot be read"):
        env_str("SECRET_KEY")


def test_secret_key_is_generated_once_and_kept_private(monkeypatch, tmp_path: Path) -> None:
    # given no SECRET_KEY in the environment
    monkeypatch.delenv("SECRET_KEY", raising=False)
    monkeypatch.delenv("SECRET_KEY_FILE", raising=False)
    # when
    first = secret_key(tmp_path)
    second = secret_key(tmp_path)
    # then
    assert first == second
    assert len(first) == 50
    assert stat.S_IMODE((tmp_path / "secret_key").stat().st_mode) == 0o600
