"""A value of the case lists (status, priority...) has a name per language, shown everywhere
in the reader's language, with the main name where it has none."""

from __future__ import annotations

import csv
import io

import pytest
from django.apps import apps
from django.urls import reverse
from django.utils import translation

from kartoteka.cases import lookups
from kartoteka.cases.defaults import default_names_fill
from kartoteka.cases.history import case_history
from kartoteka.cases.models import Case, CaseType, Priority, Status
from kartoteka.core.names import local_name
from kartoteka.testing.cases import make_case
from kartoteka.testing.clients import client_for

pytestmark = pytest.mark.django_db


def test_a_name_shows_in_the_active_language_else_the_main_name() -> None:
    names = {"pl": "Pilny", "cs": "Naléhavý"}

    with translation.override("cs"):
        assert local_name("Hot", names) == "Naléhavý"
    with translation.override("pl"):
        assert local_name("Hot", names) == "Pilny"
    with translation.override("en"):
        assert local_name("Hot", names) == "Hot"


def test_a_starting_name_without_names_is_shown_translated() -> None:
    with translation.override("pl"):
        assert local_name("Waiting for customer") == "Oczekuje na klienta"
        assert local_name("Czeka na dostawę") == "Czeka na dostawę"


def test_the_starting_values_have_their_names_in_every_language() -> None:
    # given: the installation's lists as migrations made them (in English, in the tests)
    waiting = Status.objects.get(name="Waiting for customer")

    # then
    assert waiting.names == {
        "pl": "Oczekuje na klienta",
        "cs": "Čeká na zákazníka",
        "en": "Waiting for customer",
    }
    with translation.override("cs"):
        assert str(waiting) == "Čeká na zákazníka"


def test_filling_the_names_matches_a_value_named_in_another_language_and_keeps_own_names() -> None:
    # given: a Polish installation's value, and a value the admin named in every language
    Priority.objects.filter(name="Urgent").update(name="Pilny", names={})
    Priority.objects.filter(name="High").update(names={"pl": "Ważny"})

    # when
    default_names_fill(apps)

    # then
    assert Priority.objects.get(name="Pilny").names["cs"] == "Urgentní"
    assert Priority.objects.get(name="High").names == {"pl": "Ważny"}


def test_the_admin_gives_a_value_its_names_in_the_form(admin) -> None:
    client = client_for(admin)
    url = reverse("cases:lookup-create", args=["types"])
    page = client.get(url)
    token = page.context["form"]["submission_token"].value()

    response = client.post(
        url,
        {
            "name": "Warranty",
            "name_pl": " Gwarancja ",
            "name_cs": "Záruka",
            "name_en": "",
            "submission_token": token,
        },
    )

    assert response.status_code == 302
    assert CaseType.objects.get(name="Warranty").names == {"pl": "Gwarancja", "cs": "Záruka"}
    edit = client.get(
        reverse("cases:lookup-edit", args=["types", CaseType.objects.get(name="Warranty").pk])
    )
    assert edit.context["form"]["name_cs"].value() == "Záruka"


def test_unknown_languages_and_empty_names_are_not_stored() -> None:
    value = lookups.lookup_create(
        model=CaseType, name="Warranty", names={"pl": "  ", "de": "Garantie", "cs": "Záruka"}
    )

    assert value.names == {"cs": "Záruka"}


def test_pages_show_the_readers_name(admin) -> None:
    # given
    Status.objects.filter(is_default=True).update(names={"pl": "Świeża", "cs": "Čerstvý"})
    case = make_case("Drukarka", by=admin)
    admin.language = "cs"
    admin.save(update_fields=["language"])
    client = client_for(admin)

    # then
    for url in (
        reverse("cases:case-list"),
        case.get_absolute_url(),
        reverse("desk:case-print", args=[case.number]),
    ):
        assert "Čerstvý" in client.get(url).content.decode(), url


def test_the_export_writes_the_readers_names(admin) -> None:
    Status.objects.filter(is_default=True).update(names={"pl": "Świeża", "cs": "Čerstvý"})
    make_case("Drukarka", by=admin)
    admin.language = "pl"
    admin.save(update_fields=["language"])

    response = client_for(admin).get(reverse("cases:case-export"))

    text = b"".join(response.streaming_content).decode("utf-8-sig")
    delimiter = ";" if ";" in text.splitlines()[0] else ","
    rows = list(csv.reader(io.StringIO(text), delimiter=delimiter))
    assert rows[1][2] == "Świeża"


def test_the_api_names_a_value_in_the_users_language(admin) -> None:
    Status.objects.filter(is_default=True).update(names={"cs": "Čerstvý"})
    case = make_case("Drukarka", by=admin)
    admin.language = "cs"
    admin.save(update_fields=["language"])

    data = client_for(admin).get(f"/api/v1/cases/{case.number}/").json()

    assert data["status"]["name"] == "Čerstvý"


def test_the_history_shows_a_channel_by_its_label_not_its_value(admin) -> None:
    case = make_case("Drukarka", by=admin)
    Case.objects.filter(pk=case.pk).update(channel=Case.Channel.WEB_FORM)
    case.refresh_from_db()
    case.subject = "Drukarka nie drukuje"
    case.save()

    with translation.override("pl"):
        changes = [c for e in case_history(case) for c in e.changes if c.field == "channel"]

    assert [(c.new, c.new_value) for c in changes] == [
        ("Przez użytkownika", "user"),
        ("Formularz WWW", "webform"),
    ]
