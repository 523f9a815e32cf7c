"""The composer in a real browser: the draft saves as one types and uploads, and sends once."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse
from playwright.sync_api import Page, expect

from kartoteka.mail.models import Draft, DraftAttachment, Message
from kartoteka.people.models import User
from kartoteka.testing.cases import make_case
from kartoteka.testing.mail.sending import make_inbound, make_mailbox
from kartoteka.testing.people import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_agent_writes_uploads_and_sends_from_the_composer(page: Page, manager: User) -> None:
    # given
    case = make_case("Drukarka nie drukuje")
    make_inbound(case, mailbox=make_mailbox(), text="Nadal nie działa.")
    page.goto(reverse("login"))
    page.fill("#id_username", "manager")
    page.fill("#id_password", PASSWORD)
    page.click("form:has(#id_password) button[type=submit]")
    expect(page).not_to_have_url(re.compile(r"/login/"))
    page.goto(reverse("mail:compose", args=[case.number]))
    page.wait_for_function("() => window.htmx !== undefined")

    # when: typing, then choosing a file
    page.fill("[data-editor-area]", "Proszę zrestartować drukarkę.")
    expect(page.locator("#composer-draft-status")).to_contain_text("Draft saved at")
    page.set_input_files("#composer-files-input", files=[
        {"name": "instrukcja.txt", "mimeType": "text/plain", "buffer": b"Krok 1"},
    ])  # fmt: skip
    expect(page.locator("#composer-files")).to_contain_text("instrukcja.txt")

    # then: the draft holds both (the upload's save may still be on its way)
    for _attempt in range(50):
        if DraftAttachment.objects.exists():
            break
        page.wait_for_timeout(100)
    draft = Draft.objects.get()
    assert draft.body == "Proszę zrestartować drukarkę."
    assert list(DraftAttachment.objects.values_list("name", flat=True)) == ["instrukcja.txt"]

    # when: sent
    page.click("[data-composer-send]")
    page.wait_for_url(re.compile(rf"/cases/{case.number}/$"))

    # then
    message = Message.objects.get(direction=Message.Direction.OUTBOUND)
    assert list(message.attachments.values_list("filename", flat=True)) == ["instrukcja.txt"]
    assert message.text.startswith("Proszę zrestartować drukarkę.")
    assert not Draft.objects.exists()


def test_r_replies_to_the_newest_message_and_n_starts_an_internal_note(
    page: Page, manager: User
) -> None:
    # given: a case page with two customer messages
    case = make_case("Drukarka nie drukuje")
    mailbox = make_mailbox()
    make_inbound(case, mailbox=mailbox, text="Drukarka nie drukuje.")
    make_inbound(
        case, mailbox=mailbox, text="Nadal nie działa.", subject="Re: Drukarka", message_id="b@k"
    )
    page.goto(reverse("login"))
    page.fill("#id_username", "manager")
    page.fill("#id_password", PASSWORD)
    page.click("form:has(#id_password) button[type=submit]")
    page.goto(case.get_absolute_url())
    page.wait_for_function("() => window.htmx !== undefined")
    # when: "n", outside any field
    page.keyboard.press("n")
    # then: the note field has the focus, and the note stays internal
    expect(page.locator(".note-form textarea")).to_be_focused()
    expect(page.locator(".note-form input[type=checkbox]")).to_be_checked()
    # when: typing "r" there writes the letter; leaving the field, "r" replies
    page.keyboard.press("r")
    expect(page.locator(".note-form textarea")).to_have_value("r")
    page.locator(".note-form textarea").blur()
    page.keyboard.press("r")
    expect(page.locator("#composer [data-editor-area]")).to_be_focused()
    # the newest message's subject ("Re: Drukarka"), not the first one's
    subject = f"Re: [KART#{case.number}] Drukarka"
    expect(page.locator("#composer #id_subject")).to_have_value(subject)
