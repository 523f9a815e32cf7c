from __future__ import annotations

import pytest

from kartoteka.testing.customers import AccountFactory
from kartoteka.testing.mail.sending import make_mailbox


@pytest.fixture(autouse=True)
def _site(settings) -> None:
    settings.SITE_URL = "https://crm.firma.example"


@pytest.fixture(autouse=True)
def _no_sending(monkeypatch) -> None:
    """Queued mail stays queued: these tests look at the outbox, not at an SMTP server."""
    monkeypatch.setattr("kartoteka.mail.sending.outbound._enqueue_sending", lambda: None)


@pytest.fixture
def mailbox(db):
    return make_mailbox(is_default=True)


@pytest.fixture
def restricted_account(support_team):
    """A restricted account of the Support team: the outsider (Sales) must not see it."""
    return AccountFactory(name="Tajny Klient", restricted=True, team=support_team)
