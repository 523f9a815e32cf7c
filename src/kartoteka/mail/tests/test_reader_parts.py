"""The parts of a message (issue 18, item 9): a forwarded message is an attachment named after
its subject and readable; a text part with a name is an attachment; legacy CJK charsets."""

from __future__ import annotations

import base64

import pytest

from kartoteka.cases.models import Case
from kartoteka.mail.blobstore import blob_path
from kartoteka.mail.models import Attachment, Message
from kartoteka.mail.reading.parsing import parse
from kartoteka.mail.receiving.inbound import message_receive
from kartoteka.testing.mail.corpora import corpora_dir
from kartoteka.testing.mail.receiving import CUSTOMER, SUPPORT


def crlf(text: str) -> bytes:
    return text.replace("\n", "\r\n").encode("utf-8")


INNER = crlf(
    "From: Anna Nowak <anna@dostawca.example>\n"
    "To: jan@klient.example\n"
    "Date: Mon, 02 Mar 2026 09:00:00 +0100\n"
    "Subject: Re: Termin dostawy? 12/03\n"
    "Message-ID: <inner@dostawca.example>\n"
    'Content-Type: multipart/mixed; boundary="IN"\n'
    "\n"
    "--IN\n"
    "Content-Type: text/plain; charset=utf-8\n"
    "\n"
    "Dostawa przesunie się na piątek.\n"
    "--IN\n"
    "Content-Type: application/pdf\n"
    'Content-Disposition: attachment; filename="harmonogram.pdf"\n'
    "\n"
    "%PDF-1.4\n"
    "--IN--\n"
)


def forwarding(
    inner: bytes = INNER, *, encoding: str = "", body: str = "Zobaczcie poniżej."
) -> bytes:
    transfer = f"Content-Transfer-Encoding: {encoding}\r\n" if encoding else ""
    if encoding == "base64":
        inner = base64.encodebytes(inner)
    return (
        crlf(
            f"From: Jan Kowalski <{CUSTOMER}>\nTo: {SUPPORT}\nSubject: Fwd: dostawa\n"
            "Message-ID: <fwd@klient.example>\nMIME-Version: 1.0\n"
            'Content-Type: multipart/mixed; boundary="OUT"\n\n--OUT\n'
            f"Content-Type: text/plain; charset=utf-8\n\n{body}\n--OUT\n"
            "Content-Type: message/rfc822\n"
        )
        + transfer.encode()
        + b"\r\n"
        + inner
        + b"\r\n--OUT--\r\n"
    )


# --- forwarded messages --------------------------------------------------------------------


def test_a_forwarded_message_is_an_attachment_named_after_its_subject() -> None:
    message = parse(forwarding())
    [attachment] = message.attachments
    assert (attachment.filename, attachment.content_type) == (
        "Re_ Termin dostawy_ 12_03.eml",
        "message/rfc822",
    )
    # the whole message, its own attachment within
    reread = parse(attachment.content)
    assert reread.subject == "Re: Termin dostawy? 12/03"
    assert [a.filename for a in reread.attachments] == ["harmonogram.pdf"]


def test_a_forwarded_message_is_readable_after_the_body() -> None:
    message = parse(forwarding())
    assert message.text == (
        "Zobaczcie poniżej.\n\n"
        "---------- Forwarded message ----------\n"
        "From: Anna Nowak <anna@dostawca.example>\n"
        "Date: Mon, 02 Mar 2026 09:00:00 +0100\n"
        "Subject: Re: Termin dostawy? 12/03\n"
        "To: jan@klient.example\n\n"
        "Dostawa przesunie się na piątek."
    )
    # a forward is no quote: the new text keeps it
    assert "Dostawa przesunie się na piątek." in message.text_new


def test_the_forward_is_labelled_in_the_mailbox_language() -> None:
    text = parse(forwarding(), language="pl").text
    assert "---------- Wiadomość przekazana ----------\nOd: Anna Nowak" in text
    assert "Temat: Re: Termin dostawy? 12/03" in text
    text = parse(forwarding(), language="cs").text
    assert "---------- Přeposlaná zpráva ----------\nOd: Anna Nowak" in text


def test_a_forwarded_html_message_is_readable_in_the_html_too() -> None:
    inner = crlf(
        "From: anna@dostawca.example\nSubject: Oferta\n"
        "Content-Type: text/html; charset=utf-8\n\n<p>Cena: <b>100 zł</b></p>\n"
    )
    raw = forwarding(inner).replace(
        b"Content-Type: text/plain; charset=utf-8\r\n\r\nZobaczcie",
        b"Content-Type: text/html; charset=utf-8\r\n\r\n<p>Zobaczcie</p>",
    )
    message = parse(raw)
    assert "<b>100 zł</b>" in message.html
    assert "Subject: Oferta" in message.html
    assert "Cena: 100 zł" in message.text


def test_a_forwarded_message_in_base64_is_decoded() -> None:
    # RFC 2046 forbids it; some programs do it all the same
    message = parse(forwarding(encoding="base64"))
    [attachment] = message.attachments
    assert attachment.filename == "Re_ Termin dostawy_ 12_03.eml"
    assert attachment.content.startswith(b"From: Anna Nowak <anna@dostawca.example>\r\n")
    assert "Dostawa przesunie się na piątek." in message.text


def test_a_forwarded_message_without_a_subject_keeps_its_name_or_gets_one() -> None:
    inner = crlf("From: anna@dostawca.example\n\nTreść\n")
    assert [a.filename for a in parse(forwarding(inner)).attachments] == ["message.eml"]
    named = forwarding(inner).replace(
        b"Content-Type: message/rfc822\r\n",
        b'Content-Type: message/rfc822\r\nContent-Disposition: attachment; filename="stara"\r\n',
    )
    assert [a.filename for a in parse(named).attachments] == ["stara.eml"]


def test_the_returned_message_of_a_bounce_is_not_added_to_its_text() -> None:
    raw = crlf(
        "From: Mail Delivery System <MAILER-DAEMON@mx.example.com>\nTo: support@firma.pl\n"
        "Subject: Undelivered Mail Returned to Sender\n"
        'Content-Type: multipart/report; report-type=delivery-status; boundary="B"\n\n'
        "--B\nContent-Type: text/plain\n\nYour message could not be delivered.\n"
        "--B\nContent-Type: message/delivery-status\n\nReporting-MTA: dns; mx.example.com\n\n"
        "Final-Recipient: rfc822; gone@example.com\nAction: failed\nStatus: 5.1.1\n\n"
        "--B\nContent-Type: message/rfc822\n\nFrom: support@firma.pl\nSubject: Your case\n\n"
        "Secret answer\n--B--\n"
    )
    message = parse(raw)
    assert message.bounce is True
    assert "Secret answer" not in message.text
    assert "Your case.eml" in [a.filename for a in message.attachments]


def test_sisimai_original_as_attachment() -> None:
    path = corpora_dir("sisimai") / "maildir" / "not" / "is-not-bounce-02.eml"
    message = parse(path.read_bytes())
    assert message.bounce is False
    [attachment] = message.attachments
    assert attachment.content_type == "message/rfc822"
    assert attachment.filename.endswith(".eml")
    assert message.text.startswith("it shouldn't be considered as bounce")
    assert "---------- Forwarded message ----------" in message.text


def test_cpython_forwarded_messages_are_attachments_and_readable() -> None:
    try:
        import test.test_email as cpython_email_tests
    except ImportError:
        pytest.skip("this Python has no test.test_email package")
    from pathlib import Path

    folder = Path(cpython_email_tests.__file__).parent / "data"
    message = parse((folder / "msg_11.txt").read_bytes())
    assert [a.content_type for a in message.attachments] == ["message/rfc822"]
    assert message.attachments[0].filename == "An enclosed message.eml"
    assert "Here is the body of the message." in message.text


@pytest.mark.django_db
@pytest.mark.usefixtures("data_dir")
def test_a_received_forward_keeps_the_eml_and_shows_its_text(mailbox, customer, admin_client_):
    # when
    receipt = message_receive(raw=forwarding(), mailbox=mailbox, source="test")
    # then
    message = Message.objects.get(pk=receipt.message_pk)
    attachment = Attachment.objects.get(message=message)
    assert (attachment.filename, attachment.content_type) == (
        "Re_ Termin dostawy_ 12_03.eml",
        "message/rfc822",
    )
    assert blob_path(attachment.sha256).read_bytes().startswith(b"From: Anna Nowak")
    case = Case.objects.get(number=receipt.case_number)
    page = admin_client_.get(case.get_absolute_url())
    assert page.status_code == 200
    html = page.content.decode()
    assert "Dostawa przesunie się na piątek." in html
    assert "Re_ Termin dostawy_ 12_03.eml" in html


# --- text parts that are files -------------------------------------------------------------


def test_an_html_part_with_a_file_name_is_an_attachment_not_the_body() -> None:
    raw = crlf(
        'From: jan@klient.example\nContent-Type: multipart/mixed; boundary="B"\n\n'
        "--B\nContent-Type: text/plain; charset=utf-8\n\nW załączniku strona.\n"
        '--B\nContent-Type: text/html; charset=utf-8; name="strona.html"\n\n'
        "<html><body><h1>Zapisana strona</h1></body></html>\n"
        "--B\nContent-Type: text/plain; charset=utf-8\nContent-Disposition: attachment\n\n"
        "log line 1\n--B--\n"
    )
    message = parse(raw)
    assert message.text == "W załączniku strona."
    assert message.html == ""
    assert [(a.filename, a.content_type) for a in message.attachments] == [
        ("strona.html", "text/html"),
        ("part-2.txt", "text/plain"),
    ]
    assert message.attachments[0].content.startswith(b"<html><body><h1>Zapisana")


def test_an_inline_text_part_with_a_file_name_is_an_attachment() -> None:
    raw = crlf(
        'From: jan@klient.example\nContent-Type: multipart/mixed; boundary="B"\n\n'
        "--B\nContent-Type: text/plain; charset=utf-8\n\nTreść\n"
        "--B\nContent-Type: text/plain; charset=utf-8\n"
        'Content-Disposition: inline; filename="notatki.txt"\n\nNotatki\n--B--\n'
    )
    message = parse(raw)
    assert message.text == "Treść"
    assert [a.filename for a in message.attachments] == ["notatki.txt"]


# --- legacy CJK charsets -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("label", "text", "codec"),
    [
        ("gb2312", "关于合同的问题，朱镕基", "gbk"),  # 镕 is GBK, not GB2312
        ("GB2312", "请查收报价单", "gb2312"),
        ("gbk", "喆喆的发票", "gbk"),
        ("x-gbk", "发票", "gbk"),
        ("gb18030", "发票 €", "gb18030"),
        ("big5", "關於合約的問題", "big5"),
        ("big5", "佢嘅電話", "big5hkscs"),  # 嘅 is a Hong Kong (HKSCS) addition
        ("shift_jis", "請求書について①", "cp932"),  # ① is a NEC extension
        ("x-sjis", "髙橋さんへ", "cp932"),  # 髙 is an IBM extension
        ("euc-jp", "お見積りのご依頼", "euc_jp"),
        ("euc-jp", "丸数字①", "euc_jis_2004"),
        ("iso-2022-jp", "会議のお知らせ", "iso2022_jp"),
        ("iso-2022-jp", "ｶﾀｶﾅ", "iso2022_jp_ext"),  # half-width katakana
        ("euc-kr", "안녕하세요 견적 요청", "euc_kr"),
        ("ks_c_5601-1987", "똠방각하", "cp949"),  # 똠 is only in the Windows extension
    ],
)
def test_a_body_in_a_legacy_cjk_charset_decodes(label: str, text: str, codec: str) -> None:
    raw = (
        f"From: a@b.example\r\nContent-Type: text/plain; charset={label}\r\n"
        "Content-Transfer-Encoding: 8bit\r\n\r\n"
    ).encode() + text.encode(codec)
    message = parse(raw)
    assert message.text == text
    assert not any(defect.startswith("charset-mismatch") for defect in message.defects)


def test_a_cjk_body_in_quoted_printable_and_an_encoded_word_subject() -> None:
    import quopri

    body = quopri.encodestring("朱镕基".encode("gbk"))
    subject = base64.b64encode("朱镕基".encode("gbk")).decode()
    raw = (
        f"Subject: =?gb2312?B?{subject}?=\r\nContent-Type: text/plain; charset=gb2312\r\n"
        "Content-Transfer-Encoding: quoted-printable\r\n\r\n"
    ).encode() + body
    message = parse(raw)
    assert (message.subject, message.text) == ("朱镕基", "朱镕基")


def test_undeclared_cjk_bodies_are_detected() -> None:
    raw = b"From: a@b.example\r\n\r\n" + "关于合同的问题，请尽快回复。谢谢！".encode("gbk")
    assert parse(raw).text == "关于合同的问题，请尽快回复。谢谢！"


def test_a_message_whose_only_text_is_a_named_inline_file_shows_it() -> None:
    # an MMS gateway sends the text as text_0.txt: it is an attachment, and the text shown
    raw = crlf(
        'From: 48600100200@mms.example\nContent-Type: multipart/mixed; boundary="B"\n\n'
        '--B\nContent-Type: text/plain; charset=utf-8; name="text_0.txt"\n\n'
        "Zdjęcie uszkodzenia w załączniku\n"
        '--B\nContent-Type: image/jpeg; name="photo.jpg"\n\n\xff\xd8\n--B--\n'
    )
    message = parse(raw)
    assert message.text == "Zdjęcie uszkodzenia w załączniku"
    assert [a.filename for a in message.attachments] == ["text_0.txt", "photo.jpg"]


def test_a_cut_cjk_body_keeps_its_declared_charset() -> None:
    text = "関係者各位、会議の資料をお送りします。"
    raw = b"Content-Type: text/plain; charset=shift_jis\r\n\r\n" + text.encode("cp932")[:-1]
    message = parse(raw)
    assert message.text.startswith(text[:-1])
    assert "charset-mismatch:shift_jis" in message.defects
