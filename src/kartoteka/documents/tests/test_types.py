"""Administrators keep the list of document types; a type in use is deactivated, not deleted."""

from __future__ import annotations

from django.urls import reverse

from kartoteka.documents.forms import DocumentForm
from kartoteka.documents.models import DocumentType
from kartoteka.testing.clients import client_for


def test_the_default_types_are_there_in_order(db):
    names = list(DocumentType.objects.values_list("name", flat=True))

    assert names == ["Offer", "Invoice", "Order", "Contract", "Other"]


def test_an_administrator_adds_a_type_and_deactivates_one(admin, agent, account):
    client = client_for(admin)
    offer = DocumentType.objects.get(name="Offer")

    added = client.post(
        reverse("documents:type-create"),
        {"name": "Protocol", "icon": "✅", "position": 9, "active": "on"},
    )
    changed = client.post(
        reverse("documents:type-edit", args=[offer.pk]),
        {"name": "Offer", "icon": "📝", "position": 0},
    )

    assert (added.status_code, changed.status_code) == (302, 302)
    offered = DocumentForm(user=agent, account=account).fields["document_type"].queryset
    assert "Protocol" in {t.name for t in offered}
    assert "Offer" not in {t.name for t in offered}


def test_a_duplicate_name_is_refused(admin):
    response = client_for(admin).post(
        reverse("documents:type-create"), {"name": "Invoice", "icon": "x", "position": 1}
    )

    assert response.status_code == 400
    assert DocumentType.objects.filter(name="Invoice").count() == 1


def test_agents_may_not_change_the_types(agent):
    assert client_for(agent).get(reverse("documents:type-list")).status_code == 403
