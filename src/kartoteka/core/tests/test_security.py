"""Safe defaults every page gets."""

from __future__ import annotations

import subprocess
import sys

from django.test import Client


def test_login_page_sends_a_strict_content_security_policy(db: None) -> None:
    response = Client().get("/login/")
    assert response.status_code == 200
    policy = response.headers["Content-Security-Policy"]
    assert "default-src 'self'" in policy
    assert "script-src 'self';" in policy
    assert "frame-ancestors 'none'" in policy
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["X-Content-Type-Options"] == "nosniff"


def test_pages_need_a_login(db: None) -> None:
    response = Client().get("/customers/")
    assert response.status_code == 302
    assert response.headers["Location"] == "/login/?next=/customers/"


def test_login_form_rejects_a_post_without_csrf_token(db: None, agent) -> None:
    client = Client(enforce_csrf_checks=True)
    response = client.post("/login/", {"username": "agent", "password": "x"})
    assert response.status_code == 403


def _settings_under(env: dict[str, str], expression: str) -> str:
    code = (
        f"import django; django.setup(); from django.conf import settings as s; print({expression})"
    )
    result = subprocess.run(
        [sys.executable, "-c", code],
        env={"DJANGO_SETTINGS_MODULE": "kartoteka.settings", "SECRET_KEY": "x" * 50} | env,
        capture_output=True,
        text=True,
        check=True,
    )
    return result.stdout.strip()


def test_cookies_are_secure_and_hsts_is_sent_behind_tls(tmp_path) -> None:
    env = {"KARTOTEKA_URL": "https://crm.firma.pl", "KARTOTEKA_DATA_DIR": str(tmp_path)}
    assert (
        _settings_under(
            env, "s.SESSION_COOKIE_SECURE, s.CSRF_COOKIE_SECURE, s.SECURE_HSTS_SECONDS, s.DEBUG"
        )
        == "True True 31536000 False"
    )


def test_a_laptop_start_on_plain_http_can_still_log_in(tmp_path) -> None:
    env = {"KARTOTEKA_DATA_DIR": str(tmp_path)}
    assert _settings_under(env, "s.SESSION_COOKIE_SECURE, s.DEBUG") == "False False"


def test_a_forbidden_page_explains_itself_in_the_users_language(db, manager) -> None:
    from kartoteka.testing.clients import client_for

    manager.language = "pl"
    manager.save(update_fields=["language"])
    response = client_for(manager).get("/mail/mailboxes/")
    assert response.status_code == 403
    assert "Brak dostępu" in response.content.decode()


def test_an_unknown_page_is_a_styled_404(db, agent) -> None:
    from kartoteka.testing.clients import client_for

    response = client_for(agent).get("/customers/999999/")
    assert response.status_code == 404
    assert "Not found" in response.content.decode()
    assert "kartoteka/app.css" in response.content.decode()


def test_a_signed_in_users_pages_are_never_stored(db, agent) -> None:
    # given
    client = Client()
    client.force_login(agent)
    # when
    response = client.get("/customers/")
    # then: neither the browser nor a proxy keeps a copy
    assert response.status_code == 200
    assert "no-store" in response.headers["Cache-Control"]
    assert "private" in response.headers["Cache-Control"]


def test_a_file_downloaded_by_a_signed_in_user_is_never_stored(db, agent, tmp_path, settings):
    # given: a case with an attachment
    from django.core.files.uploadedfile import SimpleUploadedFile

    from kartoteka.cases import services
    from kartoteka.testing.cases import make_case

    settings.MEDIA_ROOT = tmp_path
    case = make_case(by=agent)
    upload = SimpleUploadedFile("umowa.pdf", b"%PDF-1.4", content_type="application/pdf")
    attachment = services.case_attachment_add(case=case, by=agent, file=upload)
    client = Client()
    client.force_login(agent)
    # when
    response = client.get(f"/cases/{case.number}/attachments/{attachment.pk}/")
    # then
    assert response.status_code == 200
    assert "no-store" in response.headers["Cache-Control"]
