"""Headers as real servers send them (issue 18, item 8): broken folding, stray first lines,
raw 8-bit bytes in any charset, display names with commas and "@" — read as mail clients do."""

from __future__ import annotations

import re
import time

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kartoteka.mail.reading import charsets
from kartoteka.mail.reading.head import head_repaired
from kartoteka.mail.reading.parsed import Address
from kartoteka.mail.reading.parsing import parse
from kartoteka.mail.reading.sender import NAME_IS_ADDRESS, SEVERAL_ADDRESSES
from kartoteka.testing.mail.corpora import corpora_dir


def crlf(text: str) -> bytes:
    return text.replace("\n", "\r\n").encode("utf-8")


# --- (a) broken folding ---------------------------------------------------------------------


def test_a_continuation_without_whitespace_does_not_end_the_headers() -> None:
    # given: a To list folded without the leading space, then Subject and From
    raw = crlf(
        "To: anna@firma.pl, bartek@firma.pl,\n"
        "celina@firma.pl\n"
        "Subject: Zamówienie 17/2026\n"
        "From: Jan Kowalski <jan@klient.pl>\n"
        "Message-ID: <a1@klient.pl>\n"
        "\n"
        "Treść wiadomości.\n"
    )
    # when
    message = parse(raw)
    # then
    assert message.subject == "Zamówienie 17/2026"
    assert message.from_ == Address("Jan Kowalski", "jan@klient.pl")
    assert [a.address for a in message.to] == [
        "anna@firma.pl",
        "bartek@firma.pl",
        "celina@firma.pl",
    ]
    assert message.message_id == "a1@klient.pl"
    assert message.text == "Treść wiadomości.\n"
    assert "broken-folding" in message.defects


def test_a_subject_broken_in_the_middle_keeps_both_halves_and_what_follows() -> None:
    raw = crlf(
        "From: jan@klient.pl\n"
        "Subject: Bardzo długi temat wiadomości, który program\n"
        "złamał bez spacji\n"
        "Date: Tue, 03 Mar 2026 10:15:00 +0100\n"
        "\n"
        "Dzień dobry\n"
    )
    message = parse(raw)
    assert message.subject == "Bardzo długi temat wiadomości, który program złamał bez spacji"
    assert message.date is not None
    assert message.text == "Dzień dobry\n"


def test_a_broken_content_type_parameter_still_splits_the_parts() -> None:
    # the boundary on a line of its own, without the space, and Content-Type last
    raw = crlf(
        "From: jan@klient.pl\n"
        "Subject: Faktura\n"
        "Content-Type: multipart/mixed;\n"
        'boundary="XYZ"\n'
        "\n"
        "--XYZ\n"
        "Content-Type: text/plain; charset=utf-8\n"
        "\n"
        "W załączniku faktura.\n"
        "--XYZ\n"
        "Content-Type: application/pdf\n"
        'Content-Disposition: attachment; filename="faktura.pdf"\n'
        "\n"
        "%PDF-1.4\n"
        "--XYZ--\n"
    )
    message = parse(raw)
    assert message.text == "W załączniku faktura."
    assert [a.filename for a in message.attachments] == ["faktura.pdf"]


def test_a_space_before_the_colon_is_a_header() -> None:
    raw = crlf("Subject : Pytanie\nFrom : Jan <jan@klient.pl>\n\nTreść\n")
    message = parse(raw)
    assert (message.subject, message.from_) == ("Pytanie", Address("Jan", "jan@klient.pl"))


def test_the_body_of_a_message_without_an_empty_line_after_its_headers_stays_the_body() -> None:
    # the header block ends at the first line that is not a header when no header follows
    raw = crlf("From: jan@klient.pl\nSubject: Pytanie\nDzień dobry,\nproszę o ofertę.\n")
    message = parse(raw)
    assert message.subject == "Pytanie"
    assert message.text == "Dzień dobry,\nproszę o ofertę.\n"


def test_broken_lines_of_the_rfc_2822_obsolete_syntax_example() -> None:
    path = corpora_dir("ruby-mail") / "spec" / "fixtures" / "emails" / "rfc2822" / "example13.eml"
    message = parse(path.read_bytes())
    assert message.subject == "Saying Hello"
    assert message.to[0].address == "mary@example.net"
    assert message.text.startswith("This is a message just to say hello.")


def test_a_stray_word_inside_the_headers_of_a_real_message() -> None:
    # "quite Delivered-To: …" between Received headers; the ``email`` package lost Subject
    folder = corpora_dir("ruby-mail") / "spec" / "fixtures" / "emails" / "plain_emails"
    message = parse((folder / "raw_email_incorrect_header.eml").read_bytes())
    assert message.subject == "Stop adware/spyware once and for all."
    assert message.from_ == Address("xxx xxx", "xxx@xxx.xxx")


def test_thousands_of_broken_lines_lose_nothing_and_stay_fast() -> None:
    # given: a Subject broken into 5,000 lines without whitespace, then From
    words = [f"słowo{index}" for index in range(5000)]
    raw = crlf("Subject: " + "\n".join(words) + "\nFrom: jan@klient.pl\n\nTreść\n")
    # when
    started = time.perf_counter()
    message = parse(raw)
    elapsed = time.perf_counter() - started
    # then
    assert message.subject == " ".join(words)
    assert message.from_ == Address("", "jan@klient.pl")
    assert message.text == "Treść\n"
    assert elapsed < 2.0


def test_a_huge_header_block_of_invalid_bytes_never_raises() -> None:
    raw = b"Subject: " + bytes(range(128, 256)) * 4000 + b"\r\n" + b"\xff\xfe:\r\n" * 3000
    raw += b"From: jan@klient.pl\r\n\r\nbody\r\n"
    message = parse(raw)
    assert message.from_ == Address("", "jan@klient.pl")
    assert message.text == "body\n"
    # the lines that are no header continue the subject: nothing is lost
    assert len(message.subject) == 128 * 4000 + 3000 * 4


def test_a_well_formed_message_is_not_rewritten() -> None:
    raw = crlf("From: jan@klient.pl\nSubject: Hi\n\nline one\nline: two\n")
    assert head_repaired(raw) == (raw, ())


# --- (b) a stray first line ----------------------------------------------------------------


@pytest.mark.parametrize(
    "first",
    [
        "---- Original message ----",
        "-----Original Message-----",
        "From jan@klient.pl  Mon Mar  2 10:00:00 2026",
        ">From jan@klient.pl  Mon Mar  2 10:00:00 2026",
        "",
        "Begin forwarded message:",
    ],
)
def test_a_stray_first_line_before_the_headers_is_skipped(first: str) -> None:
    raw = crlf(
        f"{first}\nFrom: Jan Kowalski <jan@klient.pl>\nSubject: Reklamacja\n"
        "Date: Tue, 03 Mar 2026 10:15:00 +0100\n\nTreść\n"
    )
    message = parse(raw)
    assert message.subject == "Reklamacja"
    assert message.from_ == Address("Jan Kowalski", "jan@klient.pl")
    assert message.text == "Treść\n"


def test_text_that_only_quotes_headers_further_down_is_not_taken_for_a_message() -> None:
    # a first line of prose is no stray line: the Outlook quote below it stays text
    raw = crlf(
        "Dziękuję za odpowiedź\n________________\nFrom: Biuro [biuro@firma.pl]\n"
        "Sent: Monday\nTo: Jan\nSubject: Oferta\n\nTreść oferty\n"
    )
    message = parse(raw)
    assert message.subject == ""
    assert message.text.startswith("Dziękuję za odpowiedź")


def test_a_mbox_quoted_from_line_among_the_headers_is_dropped() -> None:
    raw = crlf("From: jan@klient.pl\n>From jan@klient.pl Mon Mar 2\nSubject: Hi\n\nTreść\n")
    message = parse(raw)
    assert message.subject == "Hi"


# --- (c) raw 8-bit bytes in headers ---------------------------------------------------------

WORDS = [
    ("Zażółć gęślą jaźń – faktura korygująca", "windows-1250", "pl"),
    ("Reklamacja zamówienia, prośba o zwrot", "iso-8859-2", "pl"),
    ("Příliš žluťoučký kůň úpěl ďábelské ódy", "windows-1250", "cs"),
    ("Dotaz k objednávce č. 55", "iso-8859-2", "cs"),
    ("Счёт на оплату за декабрь", "koi8-r", ""),
    ("Договор поставки", "windows-1251", ""),
    ("关于合同的问题", "gb2312", ""),
    ("报价单请查收", "gbk", ""),
    ("關於合約的問題", "big5", ""),
    ("請求書について", "shift_jis", ""),
    ("お見積りのご依頼", "euc-jp", ""),
]


def _raw_subject(subject: str, charset: str, body_charset: str) -> bytes:
    return (
        b"From: jan@klient.pl\r\nSubject: "
        + subject.encode(charset)
        + f"\r\nContent-Type: text/plain; charset={body_charset}\r\n\r\n".encode()
        + "Treść".encode(body_charset if body_charset != "us-ascii" else "utf-8", "replace")
    )


@pytest.mark.parametrize(("subject", "charset", "language"), WORDS)
def test_8bit_subject_is_read_in_the_charset_of_the_body(
    subject: str, charset: str, language: str
) -> None:
    message = parse(_raw_subject(subject, charset, charset))
    assert message.subject == subject


@pytest.mark.parametrize(("subject", "charset", "language"), WORDS)
def test_8bit_subject_without_a_hint_in_the_body_is_detected(
    subject: str, charset: str, language: str
) -> None:
    # the body declares UTF-8 (or nothing); the mailbox's language helps between the
    # Central European tables
    message = parse(_raw_subject(subject, charset, "utf-8"), language=language)
    assert message.subject == subject


@pytest.mark.parametrize(
    ("name", "charset", "language"),
    [
        ("Łukasz Wójcik", "iso-8859-2", "pl"),
        ("Grzegorz Brzęczyszczykiewicz", "windows-1250", "pl"),
        ("Jiří Šťastný", "iso-8859-2", "cs"),
        ("Věra Čápová", "windows-1250", "cs"),
        ("Иван Петров", "koi8-r", ""),
        ("王小明", "gb2312", ""),
        ("陳大文", "big5", ""),
        ("山田太郎", "shift_jis", ""),
    ],
)
def test_8bit_display_names_in_from_and_to_are_decoded(
    name: str, charset: str, language: str
) -> None:
    # both headers together tell the detector more than one short name
    raw = (
        b"From: " + name.encode(charset) + b" <a@klient.example>\r\n"
        b"To: " + name.encode(charset) + b" <b@firma.example>\r\n"
        b"Subject: " + name.encode(charset) + b"\r\n\r\nbody\r\n"
    )
    message = parse(raw, language=language)
    assert message.from_ == Address(name, "a@klient.example")
    assert message.to == (Address(name, "b@firma.example"),)


def test_8bit_attachment_name_is_decoded_with_the_message() -> None:
    raw = (
        b'Content-Type: multipart/mixed; boundary="B"\r\n\r\n--B\r\n'
        b"Content-Type: text/plain; charset=windows-1250\r\n\r\n"
        + "Dzień dobry".encode("cp1250")
        + b"\r\n--B\r\nContent-Type: application/pdf\r\n"
        b'Content-Disposition: attachment; filename="'
        + "Umowa źródłowa.pdf".encode("cp1250")
        + b'"\r\n\r\n%PDF\r\n--B--\r\n'
    )
    assert [a.filename for a in parse(raw).attachments] == ["Umowa źródłowa.pdf"]


def test_a_latin1_default_in_the_body_does_not_hide_a_cyrillic_subject() -> None:
    raw = _raw_subject("Счёт на оплату за декабрь", "koi8-r", "iso-8859-1")
    assert parse(raw).subject == "Счёт на оплату за декабрь"


def test_utf8_headers_are_read_as_utf8_without_detection(monkeypatch) -> None:
    # RFC 6532: UTF-8 in headers; nothing is detected for it, nor for ASCII headers
    def refuse(*_args, **_kwargs):
        raise AssertionError("detection ran")

    monkeypatch.setattr(charsets, "detect", refuse)
    raw = "From: Łukasz <l@klient.pl>\r\nSubject: Zażółć 请求书\r\n\r\nbody".encode()
    message = parse(raw)
    assert (message.subject, message.from_) == ("Zażółć 请求书", Address("Łukasz", "l@klient.pl"))
    assert parse(
        crlf("From: a@b.pl\nSubject: =?utf-8?q?Za=C5=BC=C3=B3=C5=82=C4=87?=\n\nx")
    ).subject == ("Zażółć")


def test_the_encoded_words_of_the_message_say_the_charset_of_its_raw_bytes() -> None:
    # the From name is an encoded word in Windows-1252; the raw Subject is in the same
    folder = corpora_dir("ruby-mail") / "spec" / "fixtures" / "emails" / "error_emails"
    message = parse((folder / "invalid_subject_characters.eml").read_bytes(), language="pl")
    assert message.subject.startswith("Formação FrenetikPolis: Mega Campanha Final Verão")


@pytest.mark.parametrize(
    ("relative", "subject"),
    [
        ("spamassassin-t/t/data/nice/cjk/gb2312.1",
         "全新原装进口，送货上门，货到付款－" "台湾鑫龙商贸集团公司向您拜年!"),
        ("flufl_bounce/sina_01.txt", "邮件传输失败！"),
    ],
)  # fmt: skip
def test_raw_chinese_headers_of_real_messages(relative: str, subject: str) -> None:
    message = parse((corpora_dir() / relative).read_bytes())
    assert message.subject == subject


def test_raw_big5_subject_of_a_real_message() -> None:
    path = corpora_dir("spamassassin-t") / "t" / "data" / "nice" / "cjk" / "big5-base64.1"
    subject = parse(path.read_bytes()).subject
    assert subject.startswith("[SLAT-talk] 鉅靡6月17日新片又到.如有重複寄發.敬請原諒!")


# --- (d) display names with a comma or an "@" ----------------------------------------------


@pytest.mark.parametrize(
    ("value", "sender", "suspicion"),
    [
        ("Kowalski, Jan <jan@firma.pl>", Address("Kowalski, Jan", "jan@firma.pl"),
         SEVERAL_ADDRESSES),
        ("Nowak, Anna (Sprzedaż) <anna@firma.pl>",
         Address("Nowak, Anna (Sprzedaż)", "anna@firma.pl"), SEVERAL_ADDRESSES),
        ("jan@firma.pl via Forum <forum@lists.example>",
         Address("jan@firma.pl via Forum", "forum@lists.example"), NAME_IS_ADDRESS),
        ("prezes@bank.example <m@evil.example>", Address("prezes@bank.example", "m@evil.example"),
         NAME_IS_ADDRESS),
        ("Kowalski, Jan <jan@firma.pl>, Nowak <anna@firma.pl>",
         Address("Kowalski, Jan", "jan@firma.pl"), SEVERAL_ADDRESSES),
        ("Jan@Dom <jan@firma.pl>", Address("Jan@Dom", "jan@firma.pl"), ""),
        ("jan@firma.pl <jan@firma.pl>", Address("jan@firma.pl", "jan@firma.pl"), ""),
        ('"Kowalski, Jan" <jan@firma.pl>', Address("Kowalski, Jan", "jan@firma.pl"), ""),
        ("=?utf-8?q?Kowalski=2C_Jan?= <jan@firma.pl>", Address("Kowalski, Jan", "jan@firma.pl"),
         ""),
    ],
)  # fmt: skip
def test_from_with_an_unquoted_comma_or_at_is_read_as_mail_clients_read_it(
    value: str, sender: Address, suspicion: str
) -> None:
    message = parse(f"From: {value}\r\nSubject: x\r\n\r\nbody\r\n".encode())
    assert (message.from_, message.from_suspicion) == (sender, suspicion)


def test_recipients_with_unquoted_commas_in_their_names() -> None:
    raw = crlf("To: Kowalski, Jan <jan@firma.pl>, Nowak, Anna <anna@firma.pl>, x@y.pl\n\nb")
    assert parse(raw).to == (
        Address("Kowalski, Jan", "jan@firma.pl"),
        Address("Nowak, Anna", "anna@firma.pl"),
        Address("", "x@y.pl"),
    )


def test_a_comma_name_with_8bit_bytes() -> None:
    raw = b"From: " + "Wójcik, Łukasz".encode("cp1250") + b" <l@firma.pl>\r\n\r\nb"
    message = parse(raw, language="pl")
    assert message.from_ == Address("Wójcik, Łukasz", "l@firma.pl")


# --- hostile input ------------------------------------------------------------------------

_LINES = st.sampled_from(
    [
        b"Subject: Zam\xc3\xb3wienie",
        b"To: anna@firma.pl,",
        b"celina@firma.pl",
        b"X-Note: a",
        b"z\xea\xb3\xbf broken \xff line",
        b" folded",
        b"\tfolded",
        b"Name : value",
        b'boundary="B"',
        b":",
        b"no colon at all",
        b"=?utf-8?q?S=C5=82owo?=",
    ]
)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(_LINES, max_size=80), st.binary(max_size=300))
def test_a_repaired_header_block_keeps_every_byte_but_whitespace(
    lines: list[bytes], body: bytes
) -> None:
    # given: a header block of headers, broken lines and continuations, then a body
    raw = b"From: jan@klient.pl\r\nX-Spacer: 1\r\n" + b"\r\n".join(lines) + b"\r\n\r\n" + body
    # when
    repaired, _defects = head_repaired(raw)
    message = parse(raw)
    # then: only whitespace changed, and parsing never fails
    assert re.sub(rb"\s", b"", repaired) == re.sub(rb"\s", b"", raw)
    assert message.from_ == Address("", "jan@klient.pl")
    assert not any(defect.startswith("unparsable") for defect in message.defects)


def test_an_mbox_message_with_broken_folding() -> None:
    raw = crlf(
        "From jan@klient.pl  Mon Mar  2 10:00:00 2026\nTo: a@firma.pl,\nb@firma.pl\n"
        "Subject: Hi\n\nTreść\n"
    )
    message = parse(raw)
    assert message.subject == "Hi"
    assert [a.address for a in message.to] == ["a@firma.pl", "b@firma.pl"]


def test_broken_folding_in_a_part_keeps_the_attachment_s_name_and_content() -> None:
    raw = crlf(
        'From: jan@klient.pl\nSubject: Faktura\nContent-Type: multipart/mixed; boundary="XY"\n'
        "\n--XY\nContent-Type: text/plain; charset=utf-8\n\nW załączniku.\n"
        "--XY\nContent-Type: application/pdf;\n"
        'name="faktura.pdf"\nContent-Transfer-Encoding: base64\n\nJVBERi0=\n'
        "--XY\nContent-Type: text/plain\nno empty line in this part\n--XY--\n"
    )
    message = parse(raw)
    # a part without an empty line after its headers is left as the email package reads it
    assert message.text == "W załączniku.\n\nno empty line in this part"
    assert [(a.filename, a.content) for a in message.attachments] == [("faktura.pdf", b"%PDF-")]
    assert "broken-part-folding" in message.defects


def test_thousands_of_parts_without_empty_lines_stay_fast() -> None:
    parts = b"".join(b"--B\r\nContent-Type: text/plain;\r\nname=x\r\nbody\r\n" for _ in range(5000))
    raw = b'Content-Type: multipart/mixed; boundary="B"\r\n\r\n' + parts + b"--B--\r\n"
    started = time.perf_counter()
    message = parse(raw)
    assert time.perf_counter() - started < 5
    assert message.size == len(raw)


def test_a_part_with_headers_and_an_empty_body() -> None:
    raw = crlf(
        'Content-Type: multipart/mixed; boundary="B"\n\n--B\nContent-Type: text/plain;\n'
        'charset="utf-8"\n\n--B\nContent-Type: text/plain; charset=utf-8\n\nTreść\n--B--\n'
    )
    message = parse(raw)
    assert message.text == "Treść"
