"""Web forms for tests, made through the service, and what a visitor's browser posts."""

from __future__ import annotations

from typing import Any

from django.test import Client

from kartoteka.webforms import services
from kartoteka.webforms.models import WebForm
from kartoteka.webforms.tokens import proof_solve, token_issue


def make_webform(name: str = "Zgłoszenie serwisowe", **data: Any) -> WebForm:
    defaults: dict[str, Any] = {
        "thank_you_text": "Dziękujemy, odezwiemy się wkrótce.",
        "allowed_origins": ["https://www.firma.example"],
    }
    defaults.update(data)
    return services.webform_create(data={"name": name, **defaults})


def visitor_post(
    form: WebForm,
    *,
    client: Client | None = None,
    token: str | None = None,
    address: str = "203.0.113.7",
    origin: str = "https://www.firma.example",
    **fields: Any,
) -> Any:
    """Post the public form as a visitor's browser would, with a fresh token (and the proof of
    work, when the form asks for it) unless told otherwise."""
    data: dict[str, Any] = {
        "name": "Anna Nowak",
        "email": "anna.nowak@klient.example",
        "phone": "+48 600 100 200",
        "company": "Piekarnia Nowak",
        "subject": "Ekspres nie grzeje",
        "message": "Ekspres w sali konferencyjnej przestał grzać wodę.",
        "website": "",
    }
    data["token"] = token_issue(form.key) if token is None else token
    if form.proof_of_work and data["token"]:
        data["pow"] = proof_solve(data["token"], bits=form.proof_of_work_bits)
    data.update(fields)
    data = {name: value for name, value in data.items() if value is not None}
    headers = {"HTTP_ORIGIN": origin} if origin else {}
    return (client or Client()).post(form.public_path(), data, REMOTE_ADDR=address, **headers)
