"""Test clients signed in as a given user (shared by every app's view tests)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.test import Client

if TYPE_CHECKING:
    from kartoteka.people.models import User


def client_for(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client
