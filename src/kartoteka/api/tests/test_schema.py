from __future__ import annotations

from kartoteka.testing.clients import api_schema


def test_schema_lists_the_account_and_contact_endpoints(db: None) -> None:
    # when
    paths = api_schema()["paths"]
    # then
    assert {
        path: sorted(paths[path])
        for path in (
            "/api/v1/accounts/",
            "/api/v1/accounts/{id}/",
            "/api/v1/contacts/",
            "/api/v1/contacts/{id}/",
        )
    } == {
        "/api/v1/accounts/": ["get", "post"],
        "/api/v1/accounts/{id}/": ["delete", "get", "patch", "put"],
        "/api/v1/contacts/": ["get", "post"],
        "/api/v1/contacts/{id}/": ["delete", "get", "patch", "put"],
    }


def test_account_list_documents_the_filters_of_the_account_page(db: None) -> None:
    # when
    operation = api_schema()["paths"]["/api/v1/accounts/"]["get"]
    # then
    assert sorted(parameter["name"] for parameter in operation["parameters"]) == [
        "classification",
        "kind",
        "manager",
        "ordering",
        "page",
        "q",
        "segment",
    ]


def test_the_whole_schema_validates_without_warnings(db, tmp_path) -> None:
    from django.core.management import call_command

    call_command(
        "spectacular", "--validate", "--fail-on-warn", "--file", str(tmp_path / "schema.yml")
    )
    assert (tmp_path / "schema.yml").read_text().startswith("openapi: 3")
