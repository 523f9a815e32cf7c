from __future__ import annotations

import base64
from datetime import UTC, datetime, timedelta, timezone
from email import message_from_bytes, policy
from email.message import Message

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kartoteka.mail.reading.parse_policy import POLICY
from kartoteka.mail.reading.parsed import Address
from kartoteka.mail.reading.parsing import parse


def _message(headers: str, body: bytes = b"Body\r\n") -> bytes:
    return headers.strip().replace("\n", "\r\n").encode("ascii") + b"\r\n\r\n" + body


SIMPLE = _message(
    """
From: "Kowalski, Jan" <Jan.Kowalski@Firma.PL>
To: Support <support@example.com>, Anna <ANNA@example.com>
Cc: boss@example.com
Reply-To: helpdesk@firma.pl
Subject: Hello
Date: Tue, 3 Mar 2020 10:15:00 +0100
Message-ID: <abc.123@firma.pl>
In-Reply-To: <prev@example.com>
References: <first@example.com> <prev@example.com>
""",
    b"Hi there.\r\n",
)


def test_headers_of_a_plain_message() -> None:
    message = parse(SIMPLE)
    assert message.from_ == Address(name="Kowalski, Jan", address="jan.kowalski@firma.pl")
    assert message.to == (
        Address(name="Support", address="support@example.com"),
        Address(name="Anna", address="anna@example.com"),
    )
    assert message.cc == (Address(name="", address="boss@example.com"),)
    assert message.reply_to == (Address(name="", address="helpdesk@firma.pl"),)
    assert message.subject == "Hello"
    assert message.date == datetime(2020, 3, 3, 10, 15, tzinfo=timezone(timedelta(hours=1)))
    assert message.message_id == "abc.123@firma.pl"
    assert message.in_reply_to == "prev@example.com"
    assert message.references == ("first@example.com", "prev@example.com")
    assert message.text == "Hi there.\n"
    assert message.html == ""
    assert message.size == len(SIMPLE)


def test_message_without_message_id_gets_one_from_its_content_hash() -> None:
    raw = _message("From: a@example.com\nSubject: x")
    message = parse(raw)
    assert message.message_id == f"sha256-{message.sha256[:32]}@kartoteka.invalid"
    assert "missing-message-id" in message.defects


def test_date_without_zone_is_utc_and_garbage_date_is_none() -> None:
    assert parse(_message("Date: Tue, 3 Mar 2020 10:15:00 -0000")).date == datetime(
        2020, 3, 3, 10, 15, tzinfo=UTC
    )
    assert parse(_message("Date: yesterday at noon")).date is None


def test_encoded_words_in_subject_and_names() -> None:
    raw = _message(
        """
From: =?UTF-8?Q?Pawe=C5=82_=C5=BBak?= <pawel@example.pl>
Subject: =?UTF-8?B?WmHFvMOzxYLEhw==?= =?UTF-8?B?IGfEmcWbbMSFIGphxbrFhA==?= =?ISO-8859-2?Q?_=B1?=
"""
    )
    message = parse(raw)
    assert message.subject == "Zażółć gęślą jaźń ą"
    assert message.from_ == Address(name="Paweł Żak", address="pawel@example.pl")


def test_encoded_word_glued_to_text_is_still_decoded() -> None:
    raw = _message("Subject: Re:=?utf-8?q?P=C5=99=C3=ADloha?=: faktura")
    assert parse(raw).subject == "Re:Příloha: faktura"


def test_unencoded_8bit_headers_in_utf8_and_cp1250() -> None:
    utf8 = (
        b"From: Ji\xc5\x99\xc3\xad <jiri@example.cz>\r\n"
        b"Subject: \xc5\x98e\xc5\xa1en\xc3\xad\r\n\r\nx"
    )
    cp1250 = b"Subject: Za\xbf\xf3\xb3\xe6 g\xea\x9cl\xb9\r\n\r\nx"
    assert parse(utf8).subject == "Řešení"
    assert parse(utf8).from_ == Address(name="Jiří", address="jiri@example.cz")
    assert parse(cp1250).subject == "Zażółć gęślą"


def test_malformed_address_header_still_gives_the_address() -> None:
    raw = _message("From: Jan Kowalski jan@Example.com (via web)\nTo: <<broken@example.com>")
    message = parse(raw)
    assert message.from_ is not None
    assert message.from_.address == "jan@example.com"
    assert [item.address for item in message.to] == ["broken@example.com"]


def _text_part(body: bytes, charset: str | None, encoding: str = "8bit") -> bytes:
    declared = f"; charset={charset}" if charset else ""
    return _message(
        f"Subject: x\nContent-Type: text/plain{declared}\nContent-Transfer-Encoding: {encoding}",
        body,
    )


def test_declared_charsets_are_used() -> None:
    text = "Příliš žluťoučký kůň"
    assert parse(_text_part(text.encode("iso-8859-2"), "iso-8859-2")).text == text
    assert parse(_text_part(text.encode("cp1250"), "windows-1250")).text == text
    assert parse(_text_part("Привет мир".encode("koi8-r"), "koi8-r")).text == "Привет мир"
    assert parse(_text_part("こんにちは".encode("shift_jis"), "shift_jis")).text == "こんにちは"


def test_wrong_charset_declarations_are_repaired() -> None:
    polish = "Zażółć gęślą jaźń, proszę o odpowiedź."
    # declared us-ascii but UTF-8 bytes
    assert parse(_text_part(polish.encode("utf-8"), "us-ascii")).text == polish
    # declared iso-8859-1 but really cp1250
    assert parse(_text_part(polish.encode("cp1250"), "iso-8859-1")).text == polish
    # declared iso-8859-2 but really cp1250 (ś and ź differ)
    assert parse(_text_part(polish.encode("cp1250"), "iso-8859-2")).text == polish
    # no declaration at all
    czech = "Dobrý den, posílám přílohu s fakturou. Děkuji, Jiří Novák"
    assert parse(_text_part(czech.encode("cp1250"), None)).text == czech
    # unknown charset name
    assert parse(_text_part(polish.encode("utf-8"), "x-nonsense")).text == polish


def test_quoted_printable_and_base64_bodies() -> None:
    qp = _text_part(b"Dzi=C4=99kuj=C4=99=\r\n!", "utf-8", "quoted-printable")
    b64 = _text_part(base64.b64encode("Děkuji".encode()), "utf-8", "base64")
    assert parse(qp).text == "Dziękuję!"
    assert parse(b64).text == "Děkuji"


HTML_ONLY = _message(
    "Subject: x\nContent-Type: text/html; charset=utf-8",
    b"<html><head><style>p{color:red}</style><script>alert(1)</script></head><body>"
    b"<p>Dzie&#324; dobry,</p><div>pierwszy<br>drugi &amp; trzeci</div>"
    b"<ul><li>jeden</li><li>dwa</li></ul>"
    b'<img src="https://tracker.example.com/p.gif" alt="logo">'
    b'<img src="cid:image001@firma" alt="obrazek">'
    b'<a href="https://example.com" onclick="steal()">link</a>'
    b'<a href="javascript:alert(1)">bad</a>'
    b'<form action="https://evil.example.com"><input name="p"></form>'
    b'<iframe src="https://evil.example.com"></iframe></body></html>',
)


def test_text_is_derived_from_html_when_only_html_exists() -> None:
    message = parse(HTML_ONLY)
    assert message.text == (
        "Dzień dobry,\n\npierwszy\ndrugi & trzeci\n\n- jeden\n- dwa\nlogoobrazeklinkbad"
    )


def test_html_is_sanitised_for_display() -> None:
    html = parse(HTML_ONLY).html
    for forbidden in ("<script", "alert(1)", "<style", "onclick", "<form", "<iframe", "<input",
                      ' src="https://tracker.example.com', "javascript:"):  # fmt: skip
        assert forbidden not in html
    # a remote image loads nothing: its address waits for the reader's consent
    assert '<img data-remote-src="https://tracker.example.com/p.gif" alt="logo">' in html
    assert '<img src="cid:image001@firma" alt="obrazek">' in html
    assert 'href="https://example.com"' in html


MULTIPART = (
    b"From: a@example.com\r\nSubject: Files\r\nMIME-Version: 1.0\r\n"
    b'Content-Type: multipart/mixed; boundary="OUT"\r\n\r\n'
    b"--OUT\r\n"
    b'Content-Type: multipart/related; boundary="REL"\r\n\r\n'
    b"--REL\r\n"
    b'Content-Type: multipart/alternative; boundary="ALT"\r\n\r\n'
    b"--ALT\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nPlain body\r\n"
    b"--ALT\r\nContent-Type: text/html; charset=utf-8\r\n\r\n"
    b'<p>Html body <img src="cid:logo@x"></p>\r\n'
    b"--ALT--\r\n"
    b"--REL\r\nContent-Type: image/png\r\nContent-ID: <logo@x>\r\n"
    b"Content-Transfer-Encoding: base64\r\n\r\niVBORw0KGgo=\r\n"
    b"--REL--\r\n"
    b"--OUT\r\nContent-Type: application/pdf\r\n"
    b"Content-Disposition: attachment; filename*=UTF-8''Faktura%20%C5%BC%C3%B3%C5%82ta.pdf\r\n"
    b"Content-Transfer-Encoding: base64\r\n\r\nJVBERi0=\r\n"
    b"--OUT\r\nContent-Type: application/octet-stream;\r\n"
    b' name="=?UTF-8?Q?P=C5=99=C3=ADloha.docx?="\r\n'
    b"Content-Disposition: attachment\r\n\r\ndata\r\n"
    b"--OUT\r\nContent-Type: application/ms-tnef; name=winmail.dat\r\n"
    b"Content-Transfer-Encoding: base64\r\n\r\neJ8+IgA=\r\n"
    b"--OUT\r\nContent-Type: message/rfc822\r\n\r\n"
    b"From: b@example.com\r\nSubject: Earlier: offer\r\nMessage-ID: <old@x>\r\n\r\nOld text\r\n"
    b"--OUT--\r\n"
)


def test_bodies_and_attachments_of_a_multipart_message() -> None:
    message = parse(MULTIPART)
    # the forwarded message is readable after the body (and kept whole as an attachment)
    assert message.text == (
        "Plain body\n\n---------- Forwarded message ----------\n"
        "From: b@example.com\nSubject: Earlier: offer\n\nOld text"
    )
    assert message.html == (
        '<p>Html body <img src="cid:logo@x"></p>\n<hr>\n'
        "<p>---------- Forwarded message ----------<br>From: b@example.com<br>"
        "Subject: Earlier: offer</p>\n<p>Old text</p>"
    )
    assert [
        (item.filename, item.content_type, item.inline, item.content_id)
        for item in message.attachments
    ] == [
        ("part-1.png", "image/png", True, "logo@x"),
        ("Faktura żółta.pdf", "application/pdf", False, ""),
        ("Příloha.docx", "application/octet-stream", False, ""),
        ("winmail.dat", "application/ms-tnef", False, ""),
        ("Earlier_ offer.eml", "message/rfc822", False, ""),
    ]
    assert message.attachments[0].content == base64.b64decode("iVBORw0KGgo=")
    assert message.attachments[1].content == b"%PDF-"
    assert b"Subject: Earlier: offer" in message.attachments[4].content


def test_rfc2231_continuations_in_filenames() -> None:
    raw = (
        b'Content-Type: multipart/mixed; boundary="B"\r\n\r\n--B\r\n'
        b"Content-Type: application/pdf\r\n"
        b"Content-Disposition: attachment; filename*0*=utf-8''%C5%BC%C3%B3%C5%82;\r\n"
        b' filename*1="w.pdf"\r\n\r\nx\r\n--B--\r\n'
    )
    assert [item.filename for item in parse(raw).attachments] == ["żółw.pdf"]


def test_path_in_filename_is_not_kept() -> None:
    raw = (
        b'Content-Type: multipart/mixed; boundary="B"\r\n\r\n--B\r\n'
        b'Content-Type: text/plain\r\nContent-Disposition: attachment; filename="../../etc/passwd"'
        b"\r\n\r\nx\r\n--B--\r\n"
    )
    assert [item.filename for item in parse(raw).attachments] == ["passwd"]


def test_a_bidi_override_in_a_filename_is_dropped_so_the_name_shows_what_it_is() -> None:
    # given: "invoice<U+202E>gpj.exe", which a reader would see as "invoiceexe.jpg"
    raw = (
        b'Content-Type: multipart/mixed; boundary="B"\r\n\r\n--B\r\n'
        b"Content-Type: application/octet-stream\r\n"
        b"Content-Disposition: attachment; filename*=UTF-8''invoice%E2%80%AEgpj.exe\r\n"
        b"\r\nx\r\n--B--\r\n"
    )
    assert [item.filename for item in parse(raw).attachments] == ["invoicegpj.exe"]


def test_reply_text_without_quote_is_in_text_new() -> None:
    raw = _message(
        "Subject: Re: x",
        b"Thanks!\r\n\r\nOn Mon, 2 Mar 2020 at 10:00, Jan <jan@example.com> wrote:\r\n> old\r\n",
    )
    message = parse(raw)
    assert message.text_new == "Thanks!"
    assert message.text.endswith("> old\n")


def test_empty_and_headerless_input() -> None:
    assert parse(b"").text == ""
    assert parse(b"just some text").subject == ""
    assert parse(b"\x00\xff\xfe" * 100).from_ is None


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.binary(max_size=4000))
def test_random_bytes_never_make_parse_raise(raw: bytes) -> None:
    message = parse(raw)
    assert message.size == len(raw)


_MUTATION_BASE = [SIMPLE, MULTIPART, HTML_ONLY]
# Up to 12 places overwritten with up to 8 random bytes each.
_EDITS = st.lists(
    st.tuples(st.integers(min_value=0, max_value=5000), st.binary(min_size=0, max_size=8)),
    max_size=12,
)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.sampled_from(_MUTATION_BASE),
    _EDITS,
    st.integers(min_value=0, max_value=6000),
)
def test_mutated_messages_never_make_parse_raise(
    base: bytes, edits: list[tuple[int, bytes]], cut: int
) -> None:
    raw = bytearray(base)
    for position, replacement in edits:
        position %= max(len(raw), 1)
        raw[position : position + len(replacement)] = replacement
    mutated = bytes(raw[: cut or None])
    message = parse(mutated)
    assert message.size == len(mutated)


def _structure(message: Message) -> list[tuple[str, str | None, bool, list[str]]]:
    return [
        (
            part.get_content_type(),
            part.get_boundary(),
            part.is_multipart(),
            [type(defect).__name__ for defect in part.defects],
        )
        for part in message.walk()
    ]


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.sampled_from(_MUTATION_BASE),
    _EDITS,
)
def test_parse_policy_splits_messages_as_the_default_policy(
    base: bytes, edits: list[tuple[int, bytes]]
) -> None:
    # given
    raw = bytearray(base)
    for position, replacement in edits:
        position %= max(len(raw), 1)
        raw[position : position + len(replacement)] = replacement
    # when
    ours = message_from_bytes(bytes(raw), policy=POLICY)
    default = message_from_bytes(bytes(raw), policy=policy.default)
    # then
    assert _structure(ours) == _structure(default)
    assert [str(part.get("content-type")) for part in ours.walk()] == [
        str(part.get("content-type")) for part in default.walk()
    ]
