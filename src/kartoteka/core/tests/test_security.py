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
