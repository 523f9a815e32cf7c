from __future__ import annotations

import time

import pytest

from kartoteka.mail.reading.quotes import new_text


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Thanks!\n\nOn Mon, 2 Mar 2020 at 10:00, Jan <jan@example.com> wrote:\n> old", "Thanks!"),
        ("Thanks!\n\nOn Mon, 2 Mar 2020 at 10:00, Jan Kowalski <\njan@example.com> wrote:\n\n> old",
         "Thanks!"),
        ("Dzięki!\n\nW dniu 02.03.2020 o 10:00, Jan Kowalski pisze:\n> stare", "Dzięki!"),
        ("Tak\n\npon., 2 mar 2020 o 10:00 Jan Kowalski <jan@x.pl> napisał(a):\n> stare", "Tak"),
        ("Díky\n\nDne 2. 3. 2020 v 10:00 Jan Novák <jan@x.cz>\nnapsal(a):\n> staré", "Díky"),
        ("Danke\n\nAm Mo., 2. März 2020 um 10:00 Uhr schrieb Jan <jan@x.de>:\n> alt", "Danke"),
        ("Merci\n\nLe lun. 2 mars 2020 à 10:00, Jean <j@x.fr> a écrit :\n> vieux", "Merci"),
        ("Ok\n\n-----Original Message-----\nFrom: Jan\nSent: Monday\nTo: me\n\nold", "Ok"),
        ("Gut\n\n-----Ursprüngliche Nachricht-----\nVon: Jan\nalt", "Gut"),
        ("Ok\n\nOd: Jan Kowalski <jan@x.pl>\nWysłano: poniedziałek, 2 marca 2020 10:00\n"
         "Do: Ja\nTemat: RE: x\n\nstare", "Ok"),
        ("Ano\n\nOd: Jan Novák\nOdesláno: pondělí 2. března 2020 10:00\nKomu: já\n"
         "Předmět: x\n\nstaré", "Ano"),
        ("Ja\n\n*From:* Jan [mailto:jan@x.de]\n*Sent:* Monday\n*To:* me\n*Subject:* x\n\nold",
         "Ja"),
        ("Yes\n________________________________\nFrom: CRM\nSent: Friday\nTo: J\nSubject: x\n\nold",
         "Yes"),
        ("Hello\n\n-- \nJan Kowalski\nFirma sp. z o.o.", "Hello"),
        ("Hello\n\nSent from my iPhone", "Hello"),
        ("Tak\n\nWysłane z iPhone'a", "Tak"),
        ("Ano\n\nOdesláno z iPhonu", "Ano"),
        ("Hello\n\nSent from my desk, is much easier then my mobile phone.",
         "Hello\n\nSent from my desk, is much easier then my mobile phone."),
        ("A fix -- this is not a signature.\n\nbye", "A fix -- this is not a signature.\n\nbye"),
        ("> question one\nanswer one\n\n> question two\nanswer two", "answer one\n\nanswer two"),
    ],
)  # fmt: skip
def test_new_text_drops_quotes_and_signatures(text: str, expected: str) -> None:
    assert new_text(text) == expected


def test_forwarded_message_is_not_a_quote() -> None:
    text = (
        "Please look at this.\n\n---------- Forwarded message ---------\n"
        "From: Jan <jan@x.pl>\nDate: Mon, 2 Mar 2020\nSubject: Offer\nTo: me@x.pl\n\nThe offer."
    )
    assert new_text(text) == text


def test_pathological_quote_takes_linear_time() -> None:
    # given a 2 MB single-line quote and 20,000 short quoted lines
    text = "Hi\n" + ">" * 2_000_000 + "\n" + "> line\n" * 20_000 + "On x wrote:\n" * 5000
    # when
    started = time.perf_counter()
    result = new_text(text)
    # then
    assert result.startswith("Hi")
    assert time.perf_counter() - started < 2.0
