"""An administrator's page tells that the background worker went silent; a worker that beats
leaves the page as it is."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import Page, expect

from kartoteka.core.heartbeat import heartbeat_write
from kartoteka.people.models import User
from kartoteka.testing.clients import client_for

pytestmark = pytest.mark.browser


def sign_in(page: Page, user: User, live_server) -> None:
    """The browser carries a session of ``user`` (the sign-in form has tests of its own)."""
    session = client_for(user).cookies[settings.SESSION_COOKIE_NAME].value
    page.context.add_cookies(
        [{"name": settings.SESSION_COOKIE_NAME, "value": session, "url": live_server.url}]
    )


def test_administrator_sees_the_banner_while_the_worker_is_silent(
    page: Page, admin: User, live_server
) -> None:
    # given: the last heartbeat was written ten minutes ago
    heartbeat_write(name="host:101", now=timezone.now() - timedelta(minutes=10))
    sign_in(page, admin, live_server)
    # when
    page.goto(reverse("customers:account-list"))
    # then
    expect(page.get_by_role("alert")).to_contain_text(
        "The background worker has been silent for 10\xa0minutes"
    )


def test_administrator_sees_no_banner_while_the_worker_beats(
    page: Page, admin: User, live_server
) -> None:
    # given
    heartbeat_write(name="host:101", now=timezone.now())
    sign_in(page, admin, live_server)
    # when
    with page.expect_response(lambda response: "worker-banner" in response.url) as banner:
        page.goto(reverse("customers:account-list"))
    # then
    assert banner.value.status == 200
    expect(page.get_by_role("alert")).to_have_count(0)
