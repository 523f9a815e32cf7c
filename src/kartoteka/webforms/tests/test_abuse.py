"""Hostile submissions: each is refused cleanly, creates nothing and is counted in the log."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core import signing
from django.test import Client

from kartoteka.cases.models import Case
from kartoteka.customers.models import Contact
from kartoteka.mail.models import Message
from kartoteka.testing.mail.sending import make_mailbox
from kartoteka.testing.webforms import make_webform, visitor_post
from kartoteka.webforms import tokens
from kartoteka.webforms.models import WebFormSubmission

pytestmark = pytest.mark.django_db

Outcome = WebFormSubmission.Outcome


@pytest.fixture(autouse=True)
def mailbox():
    return make_mailbox("serwis@firma.example", is_default=True)


def nothing_created() -> bool:
    return (
        not Case.objects.exists() and not Contact.objects.exists() and not Message.objects.exists()
    )


def refusals() -> dict[str, int]:
    rows = WebFormSubmission.objects.exclude(outcome=Outcome.ACCEPTED)
    return {row.outcome: row.repeated for row in rows}


def test_a_flood_from_one_address_gets_only_the_allowed_rate(django_assert_max_num_queries) -> None:
    # given
    form = make_webform(rate_limit_count=3, rate_limit_minutes=10)
    # when
    answers = [visitor_post(form).status_code for _ in range(10)]
    # then
    assert answers == [302] * 3 + [429] * 7
    assert Case.objects.count() == 3
    assert refusals() == {Outcome.RATE_LIMITED: 7}
    # and a refusal is cheap: the form, the count, the refusal's counter
    with django_assert_max_num_queries(3):
        response = visitor_post(form)
    assert response.status_code == 429
    assert response["Retry-After"] == "600"
    assert "Too many submissions from your address" in response.content.decode()


def test_the_rate_is_counted_per_address() -> None:
    form = make_webform(rate_limit_count=1)
    assert visitor_post(form, address="198.51.100.1").status_code == 302
    assert visitor_post(form, address="198.51.100.1").status_code == 429
    assert visitor_post(form, address="198.51.100.2").status_code == 302


def test_the_window_passes_and_the_address_may_send_again(frozen_now) -> None:
    form = make_webform(rate_limit_count=1, rate_limit_minutes=10)
    visitor_post(form)
    WebFormSubmission.objects.update(created_at=frozen_now - timedelta(minutes=11))
    assert visitor_post(form).status_code == 302


def test_an_oversized_field_is_refused_with_the_values_kept() -> None:
    form = make_webform()
    response = visitor_post(form, message="x" * 10_001)
    assert response.status_code == 400
    assert "Ensure this value has at most 10000 characters" in response.content.decode()
    assert nothing_created()
    assert refusals() == {Outcome.INVALID: 1}


def test_an_oversized_body_is_refused_before_it_is_read() -> None:
    # given: a form without files takes at most 256 KB
    form = make_webform()
    # when
    response = Client().post(
        form.public_path(), data=b"a" * 10, content_type="application/x-www-form-urlencoded",
        CONTENT_LENGTH="300000", REMOTE_ADDR="203.0.113.7",
    )  # fmt: skip
    # then
    assert response.status_code == 413
    assert nothing_created()
    assert refusals() == {Outcome.TOO_LARGE: 1}


def test_an_oversized_file_is_refused() -> None:
    from django.core.files.uploadedfile import SimpleUploadedFile

    form = make_webform(attachments=True, attachment_max_mb=1)
    upload = SimpleUploadedFile("duzy.bin", b"x" * (1024 * 1024 + 1))
    response = visitor_post(form, files=[upload])
    assert response.status_code == 400
    assert "duzy.bin is larger than 1.0" in response.content.decode()
    assert nothing_created()


def test_too_many_files_are_refused() -> None:
    from django.core.files.uploadedfile import SimpleUploadedFile

    form = make_webform(attachments=True, attachments_max_count=2)
    uploads = [SimpleUploadedFile(f"{n}.txt", b"abc") for n in range(3)]
    assert visitor_post(form, files=uploads).status_code == 400
    assert nothing_created()


def test_files_sent_to_a_form_without_files_are_refused() -> None:
    from django.core.files.uploadedfile import SimpleUploadedFile

    form = make_webform(attachments=False)
    response = visitor_post(form, files=[SimpleUploadedFile("a.txt", b"abc")])
    assert response.status_code == 400
    assert nothing_created()


def test_a_missing_token_creates_nothing() -> None:
    form = make_webform()
    response = visitor_post(form, token="")
    assert response.status_code == 200
    assert nothing_created()
    assert refusals() == {Outcome.BAD_TOKEN: 1}


@pytest.mark.parametrize(
    "token",
    [
        "forged",
        signing.dumps({"k": "x", "n": "0" * 32}, salt="another salt"),
        signing.dumps({"k": "someone-elses-key", "n": "0" * 32}, salt=tokens.SALT),
        signing.dumps(["not", "a", "dict"], salt=tokens.SALT),
        "x" * 500,
    ],
    ids=["garbage", "other-salt", "other-form", "wrong-shape", "too-long"],
)
def test_a_forged_token_is_refused(token: str) -> None:
    form = make_webform()
    response = visitor_post(form, token=token)
    assert response.status_code == 400
    assert "The form has expired" in response.content.decode()
    assert nothing_created()
    assert refusals() == {Outcome.BAD_TOKEN: 1}


def test_an_expired_token_is_refused(monkeypatch) -> None:
    form = make_webform()
    token = tokens.token_issue(form.key)
    monkeypatch.setattr(tokens, "TOKEN_MAX_AGE", timedelta(seconds=-1))
    response = visitor_post(form, token=token)
    assert response.status_code == 400
    assert nothing_created()


def test_a_replayed_token_is_refused() -> None:
    # given
    form = make_webform()
    token = tokens.token_issue(form.key)
    assert visitor_post(form, token=token).status_code == 302
    # when
    response = visitor_post(form, token=token)
    # then
    assert response.status_code == 409
    assert "This form was already sent" in response.content.decode()
    assert Case.objects.count() == 1
    assert refusals() == {Outcome.REPLAYED: 1}


def test_a_filled_honeypot_looks_like_success_and_creates_nothing() -> None:
    form = make_webform()
    response = visitor_post(form, website="http://spam.example")
    assert response.status_code == 302
    assert response["Location"] == f"/forms/{form.key}/thanks/"
    assert nothing_created()
    assert refusals() == {Outcome.HONEYPOT: 1}


@pytest.mark.parametrize(
    ("header", "value"),
    [("HTTP_ORIGIN", "https://evil.example"), ("HTTP_REFERER", "https://evil.example/page")],
)
def test_a_post_from_a_page_not_allowed_is_refused(header: str, value: str) -> None:
    form = make_webform()
    data = {"name": "A", "email": "a@b.example", "token": tokens.token_issue(form.key)}
    response = Client().post(form.public_path(), data, **{header: value})
    assert response.status_code == 403
    assert nothing_created()
    assert refusals() == {Outcome.ORIGIN: 1}


def test_a_post_from_an_allowed_page_or_our_own_passes() -> None:
    form = make_webform(allowed_origins=["https://www.firma.example"])
    assert visitor_post(form, origin="https://www.firma.example").status_code == 302
    assert visitor_post(form, origin="http://127.0.0.1:8000").status_code == 302


def test_someone_elses_form_key_is_404() -> None:
    make_webform()
    assert Client().get("/forms/no-such-key/").status_code == 404
    assert Client().post("/forms/no-such-key/", {"name": "x"}).status_code == 404


def test_an_inactive_form_is_404() -> None:
    form = make_webform(active=False)
    assert Client().get(form.public_path()).status_code == 404
    assert visitor_post(form).status_code == 404
    assert nothing_created()


def test_a_token_of_another_form_is_refused() -> None:
    form = make_webform()
    other = make_webform("Inny formularz")
    response = visitor_post(form, token=tokens.token_issue(other.key))
    assert response.status_code == 400
    assert nothing_created()


@pytest.mark.parametrize(
    ("body", "content_type"),
    [
        (b"\xff\xfe\x00garbage\x80\x81", "application/x-www-form-urlencoded"),
        (b"name=%FF%FE&email=%00", "application/x-www-form-urlencoded"),
        (b"--x\r\nbroken multipart", "multipart/form-data; boundary=x"),
        (b'{"name": "json"}', "application/json"),
    ],
    ids=["binary", "bad-utf8", "broken-multipart", "json"],
)
def test_garbage_bodies_are_refused_cleanly(body: bytes, content_type: str) -> None:
    form = make_webform()
    response = Client().post(
        form.public_path(), data=body, content_type=content_type, REMOTE_ADDR="203.0.113.7"
    )
    assert response.status_code in (200, 400)
    assert nothing_created()


def test_a_nul_character_is_refused() -> None:
    form = make_webform()
    response = visitor_post(form, name="Anna\x00Nowak")
    assert response.status_code == 400
    assert nothing_created()


def test_too_many_fields_are_refused() -> None:
    form = make_webform()
    data = {f"f{n}": "x" for n in range(1200)}
    response = Client().post(form.public_path(), data)
    assert response.status_code == 400
    assert nothing_created()


def test_proof_of_work_is_required_when_the_form_asks_for_it() -> None:
    # given
    form = make_webform(proof_of_work=True, proof_of_work_bits=8)
    # when: a browser without JavaScript
    response = visitor_post(form, pow="")
    # then
    assert response.status_code == 400
    assert "This form needs JavaScript" in response.content.decode()
    assert nothing_created()
    assert refusals() == {Outcome.PROOF_OF_WORK: 1}
    # and with the work done
    assert visitor_post(form).status_code == 302


def test_a_wrong_proof_of_work_is_refused() -> None:
    form = make_webform(proof_of_work=True, proof_of_work_bits=16)
    token = tokens.token_issue(form.key)
    wrong = next(str(n) for n in range(100) if not tokens.proof_valid(token, str(n), bits=16))
    assert visitor_post(form, token=token, pow=wrong).status_code == 400
    assert nothing_created()


def test_html_in_fields_is_escaped_in_the_staff_page_and_plain_in_the_mail(admin_client_) -> None:
    # given
    form = make_webform()
    script = "<script>alert('x')</script>"
    # when
    visitor_post(form, name=f"Jan {script}", subject=f"Awaria {script}", message=script)
    # then
    case = Case.objects.get()
    page = admin_client_.get(case.get_absolute_url()).content.decode()
    assert script not in page
    assert "&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt;" in page
    log = admin_client_.get(f"/forms/manage/{form.pk}/submissions/").content.decode()
    assert script not in log
    message = Message.objects.get()
    assert "script" not in message.subject
    assert "script" not in message.text
