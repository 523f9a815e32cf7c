"""The API: administrators manage forms; a company's server sends submissions with the secret."""

from __future__ import annotations

import pytest
from rest_framework.test import APIClient

from kartoteka.cases.models import Case
from kartoteka.testing.clients import api_schema
from kartoteka.testing.mail.sending import make_mailbox
from kartoteka.testing.webforms import make_webform
from kartoteka.webforms.models import WebForm

pytestmark = pytest.mark.django_db

SUBMISSION = {
    "name": "Piotr Zieliński",
    "email": "piotr@warsztat.example",
    "subject": "Przegląd kompresora",
    "message": "Prosimy o termin przeglądu.",
}


def api_for(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def test_an_administrator_creates_and_lists_forms(admin) -> None:
    client = api_for(admin)
    response = client.post(
        "/api/v1/forms/",
        {"name": "Kontakt", "allowed_origins": ["https://www.firma.example/"]},
        format="json",
    )
    assert response.status_code == 201
    assert response.json()["allowed_origins"] == ["https://www.firma.example"]
    listed = client.get("/api/v1/forms/").json()
    assert [row["name"] for row in listed["results"]] == ["Kontakt"]
    assert "secret" not in listed["results"][0]


def test_an_administrator_changes_and_deletes_a_form(admin) -> None:
    form = make_webform()
    client = api_for(admin)
    response = client.patch(f"/api/v1/forms/{form.pk}/", {"active": False}, format="json")
    assert response.status_code == 200
    assert response.json()["active"] is False
    assert client.delete(f"/api/v1/forms/{form.pk}/").status_code == 204
    assert WebForm.objects.count() == 0


def test_others_may_not_manage_forms(agent, manager) -> None:
    form = make_webform()
    for user in (agent, manager):
        assert api_for(user).get("/api/v1/forms/").status_code == 403
        assert api_for(user).get(f"/api/v1/forms/{form.pk}/").status_code == 403


def test_an_unknown_form_is_404(admin) -> None:
    assert api_for(admin).get("/api/v1/forms/999999/").status_code == 404


def test_a_server_with_the_secret_sends_a_submission() -> None:
    # given
    make_mailbox("serwis@firma.example", is_default=True)
    form = make_webform()
    # when
    response = APIClient().post(
        f"/api/v1/forms/{form.key}/submissions/",
        SUBMISSION,
        format="json",
        HTTP_X_FORM_SECRET=form.secret,
    )
    # then
    assert response.status_code == 201
    case = Case.objects.get()
    assert response.json() == {"case_number": case.number}
    assert case.channel == Case.Channel.WEB_FORM
    assert case.subject == "Przegląd kompresora"


@pytest.mark.parametrize("secret", ["", "wrong"])
def test_a_missing_or_wrong_secret_is_403(secret) -> None:
    form = make_webform()
    headers = {"HTTP_X_FORM_SECRET": secret} if secret else {}
    response = APIClient().post(
        f"/api/v1/forms/{form.key}/submissions/", SUBMISSION, format="json", **headers
    )
    assert response.status_code == 403
    assert Case.objects.count() == 0


def test_an_unknown_or_inactive_form_is_404() -> None:
    form = make_webform(active=False)
    for key in (form.key, "no-such-key"):
        response = APIClient().post(
            f"/api/v1/forms/{key}/submissions/", SUBMISSION, format="json",
            HTTP_X_FORM_SECRET=form.secret,
        )  # fmt: skip
        assert response.status_code == 404


def test_required_fields_and_lengths_are_checked() -> None:
    form = make_webform(custom_fields=[{"label": "Numer umowy", "required": True}])
    response = APIClient().post(
        f"/api/v1/forms/{form.key}/submissions/",
        {**SUBMISSION, "message": "x" * 10_001},
        format="json",
        HTTP_X_FORM_SECRET=form.secret,
    )
    assert response.status_code == 400
    assert set(response.json()) == {"message"}
    response = APIClient().post(
        f"/api/v1/forms/{form.key}/submissions/", SUBMISSION, format="json",
        HTTP_X_FORM_SECRET=form.secret,
    )  # fmt: skip
    assert response.status_code == 400
    assert response.json() == {"answers": ["Answer: Numer umowy"]}
    assert Case.objects.count() == 0


def test_the_api_is_rate_limited_at_ten_times_the_forms_rate() -> None:
    form = make_webform(rate_limit_count=1)
    url = f"/api/v1/forms/{form.key}/submissions/"
    answers = []
    for n in range(11):
        data = {**SUBMISSION, "email": f"k{n}@x.example"}
        response = APIClient().post(url, data, format="json", HTTP_X_FORM_SECRET=form.secret)
        answers.append(response.status_code)
    assert answers == [201] * 10 + [429]


def test_garbage_json_is_400() -> None:
    form = make_webform()
    response = APIClient().post(
        f"/api/v1/forms/{form.key}/submissions/", b"{not json", content_type="application/json",
        HTTP_X_FORM_SECRET=form.secret,
    )  # fmt: skip
    assert response.status_code == 400


def test_the_schema_lists_the_form_endpoints() -> None:
    paths = api_schema()["paths"]
    assert sorted(paths["/api/v1/forms/"]) == ["get", "post"]
    assert sorted(paths["/api/v1/forms/{id}/"]) == ["delete", "get", "patch"]
    assert sorted(paths["/api/v1/forms/{key}/submissions/"]) == ["post"]
