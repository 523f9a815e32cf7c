from __future__ import annotations

import pytest
from cryptography.fernet import Fernet

from kartoteka.core import crypto


@pytest.fixture(autouse=True)
def _fresh_key(monkeypatch) -> None:
    monkeypatch.setenv("KARTOTEKA_SECRETS_KEY", Fernet.generate_key().decode())
    crypto._fernet.cache_clear()
    yield
    crypto._fernet.cache_clear()


def test_a_secret_round_trips_and_is_not_stored_in_clear() -> None:
    token = crypto.encrypt("hasło-do-skrzynki")
    assert "hasło" not in token
    assert crypto.decrypt(token) == "hasło-do-skrzynki"


def test_empty_stays_empty() -> None:
    assert (crypto.encrypt(""), crypto.decrypt("")) == ("", "")


def test_a_secret_of_another_key_is_refused_not_garbled(monkeypatch) -> None:
    token = crypto.encrypt("secret")
    monkeypatch.setenv("KARTOTEKA_SECRETS_KEY", Fernet.generate_key().decode())
    crypto._fernet.cache_clear()
    with pytest.raises(crypto.SecretUnreadable):
        crypto.decrypt(token)
