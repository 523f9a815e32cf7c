"""The administrators' lists of event types, products and resources: listed, added, edited,
removed — or deactivated when in use; for administrators only."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from kartoteka.activities.models import EventType, Product, Resource
from kartoteka.testing.activities import ProductFactory, ResourceFactory, at, call_recorded
from kartoteka.testing.clients import client_for
from kartoteka.testing.customers import AccountFactory

pytestmark = pytest.mark.django_db

LISTS = ["activities:event-type-list", "activities:product-list", "activities:resource-list"]


@pytest.mark.parametrize("name", LISTS)
@pytest.mark.parametrize(
    ("persona", "status"), [("admin", 200), ("agent", 403), ("outsider", 403), ("portal_user", 404)]
)
def test_the_lists_are_for_administrators_only(request, name, persona, status) -> None:
    user = request.getfixturevalue(persona)
    assert client_for(user).get(reverse(name)).status_code == status


def test_an_agent_cannot_add_a_product(agent) -> None:
    response = client_for(agent).post(
        reverse("activities:product-create"),
        {"name": "Toner", "code": "T-1", "unit_price": "10", "currency": "PLN", "active": "on"},
    )
    assert response.status_code == 403
    assert Product.objects.count() == 0


def test_the_settings_menu_links_the_lists(admin) -> None:
    html = client_for(admin).get(reverse("activities:product-list")).text
    for name in LISTS:
        assert f'href="{reverse(name)}"' in html


def test_adding_an_event_type_with_its_usual_next_task(admin) -> None:
    # when
    response = client_for(admin).post(
        reverse("activities:event-type-create"),
        {
            "name": "Demo produktu",
            "kind": "meeting",
            "icon": "🖥",
            "duration_minutes": "90",
            "plans_next_task": "on",
            "next_task_type": EventType.objects.get(name="Phone call").pk,
            "delay_days": "3",
            "delay_hours": "4",
            "position": "7",
            "active": "on",
        },
    )
    # then
    assert response.status_code == 302
    demo = EventType.objects.get(name="Demo produktu")
    assert (demo.kind, demo.icon, demo.default_duration, demo.next_task_delay, demo.position) == (
        "meeting", "🖥", timedelta(minutes=90), timedelta(days=3, hours=4), 7,
    )  # fmt: skip
    assert demo.next_task_type == EventType.objects.get(name="Phone call")
    listed = client_for(admin).get(reverse("activities:event-type-list")).text
    assert "Demo produktu" in listed
    assert "1 h 30 min" in listed
    assert "3 days 4 h" in listed


def test_editing_an_event_type_shows_its_values_and_keeps_its_name_unique(admin) -> None:
    call = EventType.objects.get(name="Phone call")
    url = reverse("activities:event-type-edit", args=[call.pk])
    form = client_for(admin).get(url).text
    assert 'name="duration_minutes" value="15"' in form
    response = client_for(admin).post(
        url,
        {"name": "Meeting", "kind": "call", "icon": "📞", "duration_minutes": "15",
         "delay_days": "2", "position": "0", "active": "on"},
    )  # fmt: skip
    assert response.status_code == 400
    assert "Event type with this Name already exists." in response.text


def test_adding_a_product_with_a_price(admin) -> None:
    response = client_for(admin).post(
        reverse("activities:product-create"),
        {"name": "Toner  czarny", "code": " T-1 ", "unit_price": "1250.50", "currency": "EUR",
         "active": "on"},
    )  # fmt: skip
    assert response.status_code == 302
    product = Product.objects.get()
    assert (product.name, product.code, product.unit_price, product.currency) == (
        "Toner czarny", "T-1", Decimal("1250.50"), "EUR",
    )  # fmt: skip
    listed = client_for(admin).get(reverse("activities:product-list")).text
    assert "1,250.50 EUR" in listed


@pytest.mark.parametrize(
    ("price", "message"),
    [
        ("-1", "The price cannot be negative."),
        ("1.999", "A price has at most two decimal places."),
        ("dużo", "Enter a number."),
    ],
)
def test_a_bad_price_is_refused_with_a_clear_message(admin, price, message) -> None:
    response = client_for(admin).post(
        reverse("activities:product-create"),
        {"name": "Toner", "code": "T-1", "unit_price": price, "currency": "PLN"},
    )
    assert response.status_code == 400
    assert message in response.text
    assert Product.objects.count() == 0


def test_a_code_taken_in_any_letter_case_is_refused(admin) -> None:
    ProductFactory(code="TONER-1")
    response = client_for(admin).post(
        reverse("activities:product-create"),
        {"name": "Toner", "code": "toner-1", "unit_price": "10", "currency": "PLN"},
    )
    assert response.status_code == 400
    assert "Another product already has the code toner-1." in response.text
    assert Product.objects.count() == 1


def test_a_resource_is_added_and_edited(admin) -> None:
    client = client_for(admin)
    client.post(
        reverse("activities:resource-create"), {"name": "Sala A", "kind": "room", "active": "on"}
    )
    room = Resource.objects.get()
    response = client.post(
        reverse("activities:resource-edit", args=[room.pk]), {"name": "Sala B", "kind": "room"}
    )
    assert response.status_code == 302
    room.refresh_from_db()
    assert (room.name, room.active) == ("Sala B", False)


def test_an_unknown_row_is_404(admin) -> None:
    assert client_for(admin).get(reverse("activities:product-edit", args=[999])).status_code == 404


def test_an_unused_product_is_deleted(admin) -> None:
    toner = ProductFactory(name="Toner")
    response = client_for(admin).post(reverse("activities:product-remove", args=[toner.pk]))
    assert response.status_code == 302
    assert Product.objects.count() == 0


def test_a_row_in_use_is_deactivated_instead_of_deleted(admin, agent) -> None:
    # given: a product and a room booked by an event
    toner = ProductFactory(name="Toner")
    room = ResourceFactory(name="Sala A")
    call_recorded(agent, AccountFactory(), starts_at=at(1, 10), products=[toner], resource=room)
    client = client_for(admin)
    # when
    response = client.post(reverse("activities:product-remove", args=[toner.pk]), follow=True)
    client.post(reverse("activities:resource-remove", args=[room.pk]))
    client.post(
        reverse("activities:event-type-remove", args=[EventType.objects.get(name="Phone call").pk])
    )
    # then
    assert "Product Toner is in use, so it was deactivated instead of deleted." in response.text
    assert list(Product.objects.values_list("name", "active")) == [("Toner", False)]
    assert list(Resource.objects.values_list("name", "active")) == [("Sala A", False)]
    assert EventType.objects.get(name="Phone call").active is False


def test_removing_takes_a_post(admin) -> None:
    toner = ProductFactory()
    response = client_for(admin).get(reverse("activities:product-remove", args=[toner.pk]))
    assert response.status_code == 405


def test_the_dictionaries_admin_offers_event_dictionaries(admin) -> None:
    html = client_for(admin).get(reverse("core:dictionary-create")).text
    assert '<option value="event">Events</option>' in html


def test_the_event_type_list_takes_as_many_queries_for_many_types(admin) -> None:
    client = client_for(admin)
    url = reverse("activities:event-type-list")

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert client.get(url).status_code == 200
        return len(captured)

    few = queries()
    for number in range(10):
        EventType.objects.create(
            name=f"Typ {number}", icon="•", next_task_type=EventType.objects.first()
        )
    assert queries() == few
