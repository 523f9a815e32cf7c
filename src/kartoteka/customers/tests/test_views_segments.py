from __future__ import annotations

import pytest
from django.urls import reverse

from kartoteka.customers.models import Account, Segment
from kartoteka.testing.clients import client_for
from kartoteka.testing.customers import AccountFactory, SegmentFactory

pytestmark = pytest.mark.django_db

LIST_URL = reverse("customers:segment-list")
CREATE_URL = reverse("customers:segment-create")


def test_list_shows_account_counts_in_one_query(admin, django_assert_num_queries):
    # given
    key = SegmentFactory(name="Key accounts")
    SegmentFactory(name="Public sector")
    for account in AccountFactory.create_batch(3):
        account.segments.add(key)
    client = client_for(admin)

    # when: session, user and the segments with their counts
    with django_assert_num_queries(5):
        response = client.get(LIST_URL)

    # then
    assert [(s.name, s.account_count) for s in response.context["segments"]] == [
        ("Key accounts", 3),
        ("Public sector", 0),
    ]


@pytest.mark.parametrize(
    ("name", "with_pk"),
    [
        ("segment-list", False),
        ("segment-create", False),
        ("segment-edit", True),
        ("segment-delete", True),
    ],
)
@pytest.mark.parametrize("persona", ["agent", "manager"])
def test_segment_pages_are_forbidden_to_non_administrators(db, request, persona, name, with_pk):
    # given
    user = request.getfixturevalue(persona)
    segment = SegmentFactory()

    # when
    url = reverse(f"customers:{name}", args=[segment.pk] if with_pk else [])
    response = client_for(user).get(url)

    # then
    assert response.status_code == 403


def test_segment_list_is_hidden_from_portal_user(portal_user):
    # when
    response = client_for(portal_user).get(LIST_URL)

    # then
    assert response.status_code == 404


def test_agent_may_not_delete_segment(agent):
    # given
    segment = SegmentFactory()

    # when
    response = client_for(agent).post(reverse("customers:segment-delete", args=[segment.pk]))

    # then
    assert response.status_code == 403
    assert Segment.objects.count() == 1


def test_create_adds_segment(admin):
    # when
    response = client_for(admin).post(CREATE_URL, {"name": "  Key accounts "})

    # then
    assert response.status_code == 302
    assert response.url == LIST_URL
    assert list(Segment.objects.values_list("name", flat=True)) == ["Key accounts"]


def test_create_with_taken_name_says_so(admin):
    # given
    SegmentFactory(name="Key accounts")

    # when
    response = client_for(admin).post(CREATE_URL, {"name": "key ACCOUNTS"})

    # then
    assert response.status_code == 400
    assert response.context["form"].errors["name"] == [
        "A segment named key ACCOUNTS already exists."
    ]
    assert Segment.objects.count() == 1


def test_edit_renames_segment(admin):
    # given
    segment = SegmentFactory(name="Key")

    # when
    response = client_for(admin).post(
        reverse("customers:segment-edit", args=[segment.pk]), {"name": "Key accounts"}
    )

    # then
    segment.refresh_from_db()
    assert response.status_code == 302
    assert segment.name == "Key accounts"


def test_edit_may_keep_the_same_name(admin):
    # given
    segment = SegmentFactory(name="Key")

    # when
    response = client_for(admin).post(
        reverse("customers:segment-edit", args=[segment.pk]), {"name": "Key"}
    )

    # then
    assert response.status_code == 302


def test_delete_page_says_how_many_customers_lose_it(admin):
    # given
    segment = SegmentFactory(name="Key")
    for account in AccountFactory.create_batch(2):
        account.segments.add(segment)

    # when
    response = client_for(admin).get(reverse("customers:segment-delete", args=[segment.pk]))

    # then
    assert "2 customers lose this segment; the customers themselves stay." in response.text


def test_delete_removes_segment_and_keeps_its_accounts(admin):
    # given
    segment = SegmentFactory(name="Key")
    AccountFactory().segments.add(segment)

    # when
    response = client_for(admin).post(reverse("customers:segment-delete", args=[segment.pk]))

    # then
    assert response.status_code == 302
    assert Segment.objects.count() == 0
    assert Account.objects.count() == 1
