from __future__ import annotations

import pytest

from kartoteka.mail.models import Mailbox
from kartoteka.testing.mail.sending import make_mailbox

pytestmark = pytest.mark.django_db


def test_the_default_mailbox_is_the_active_default() -> None:
    # given
    make_mailbox("inna@firma.example")
    default = make_mailbox(is_default=True)
    # when / then
    assert Mailbox.objects.default() == default


def test_an_inactive_default_mailbox_is_no_default_to_send_from() -> None:
    # given
    make_mailbox("inna@firma.example")
    make_mailbox(is_default=True, active=False)
    # when / then
    assert Mailbox.objects.default() is None
