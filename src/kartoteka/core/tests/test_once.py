from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError

from kartoteka.core.models import FormSubmission
from kartoteka.core.once import SubmitOnceForm, submit_once


def test_the_same_token_creates_once_and_returns_the_first_result(agent) -> None:
    # given
    created: list[str] = []

    def create() -> str:
        created.append("account")
        return f"/customers/{len(created)}/"

    # when
    first = submit_once(user=agent, token="t-1", create=create)
    second = submit_once(user=agent, token="t-1", create=create)
    # then
    assert (first, second, created) == (
        ("/customers/1/", True),
        ("/customers/1/", False),
        ["account"],
    )


def test_a_failed_creation_frees_the_token_for_the_corrected_form(agent) -> None:
    # given
    def invalid() -> str:
        raise ValidationError("bad NIP")

    with pytest.raises(ValidationError):
        submit_once(user=agent, token="t-2", create=invalid)
    # when
    result = submit_once(user=agent, token="t-2", create=lambda: "/customers/7/")
    # then
    assert result == ("/customers/7/", True)
    assert FormSubmission.objects.get().result_url == "/customers/7/"


def test_another_users_token_is_not_reused(agent, outsider) -> None:
    submit_once(user=agent, token="t-3", create=lambda: "/customers/1/")
    with pytest.raises(IntegrityError):
        submit_once(user=outsider, token="t-3", create=lambda: "/customers/2/")


def test_unbound_form_gets_a_fresh_token_each_time() -> None:
    first = SubmitOnceForm().initial["submission_token"]
    second = SubmitOnceForm().initial["submission_token"]
    assert first != second
    assert len(first) == 32
