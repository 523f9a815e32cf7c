"""The parser against real mail collected by others (../shared/corpora, CPython's test data).

Classification is measured as an agreement rate with the corpora's expectations rather than
demanded message by message: the expectations come from specialised bounce parsers.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

from kartoteka.mail.reading.parsing import parse
from kartoteka.testing.mail.corpora import corpora_dir, message_files

_SISIMAI_NOT_FAILURES = {"vacation", "delivered"}


def _report(title: str, mismatches: list[str]) -> str:
    return f"{title}; mismatches:\n" + "\n".join(f"  {item}" for item in mismatches)


def test_sisimai_bounces_and_auto_replies_are_classified() -> None:
    # given sisimai's expectations: file -> [{dsn, reason, hardbounce}], [] for abuse reports
    folder = corpora_dir("sisimai")
    expected = json.loads((folder / "expected_rb_sisimai.json").read_text())
    agreed = total = permanence_agreed = permanence_total = 0
    mismatches: list[str] = []
    for name, results in sorted(expected.items()):
        path = folder / "maildir" / "bsd" / name
        if not path.is_file():
            continue
        reasons = {result["reason"] for result in results}
        is_failure = bool(results) and not reasons <= _SISIMAI_NOT_FAILURES
        # when
        message = parse(path.read_bytes())
        # then
        total += 1
        if message.bounce == is_failure:
            agreed += 1
        else:
            mismatches.append(f"{name}: expected {sorted(reasons)}, bounce={message.bounce}")
        if reasons == {"vacation"} and not message.auto_reply:
            mismatches.append(f"{name}: vacation not recognised as auto-reply")
        if is_failure and message.bounce and all(result["dsn"] for result in results):
            permanence_total += 1
            permanent = any(result["dsn"].startswith("5") for result in results)
            if message.bounce_permanent == permanent:
                permanence_agreed += 1
            else:
                mismatches.append(f"{name}: status {[r['dsn'] for r in results]}, permanent="
                                  f"{message.bounce_permanent}")  # fmt: skip
    rate = agreed / total
    permanence_rate = permanence_agreed / permanence_total
    title = f"bounce {agreed}/{total} = {rate:.3f}, 5.x.x {permanence_agreed}/{permanence_total}"
    print(title, file=sys.stderr)
    assert total > 500
    assert rate >= 0.95, _report(title, mismatches)
    assert permanence_rate >= 0.90, _report(title, mismatches)


def test_sisimai_ordinary_messages_are_not_bounces() -> None:
    folder = corpora_dir("sisimai") / "maildir" / "not"
    for name in ("is-not-bounce-01.eml", "is-not-bounce-02.eml"):
        assert parse((folder / name).read_bytes()).bounce is False


def test_flufl_bounce_recipients_and_temporary_failures() -> None:
    # given flufl.bounce's detector table, several detectors per file
    folder = corpora_dir("flufl_bounce")
    table = json.loads((folder / "expected_detectors.json").read_text())
    expected: dict[str, tuple[set[str], bool]] = {}
    for row in table:
        addresses, _ = expected.get(row["file"], (set(), False))
        addresses |= {address.lower() for address in row["expected_failed_addresses"]}
        expected[row["file"]] = (addresses, row["is_temporary"])
    bounces = recipients_agreed = recipients_total = temporary_agreed = 0
    mismatches: list[str] = []
    for name, (addresses, temporary) in sorted(expected.items()):
        # when
        message = parse((folder / name).read_bytes())
        # then
        if not message.bounce:
            mismatches.append(f"{name}: not recognised as a bounce")
            continue
        bounces += 1
        if message.bounce_permanent != temporary:
            temporary_agreed += 1
        else:
            mismatches.append(
                f"{name}: temporary={temporary}, permanent={message.bounce_permanent}"
            )
        if addresses:
            recipients_total += 1
            if addresses <= set(message.bounced_recipients):
                recipients_agreed += 1
            else:
                mismatches.append(f"{name}: {sorted(addresses)} vs {message.bounced_recipients}")
    title = (
        f"bounce {bounces}/{len(expected)}, recipients {recipients_agreed}/{recipients_total}, "
        f"temporary {temporary_agreed}/{bounces}"
    )
    print(title, file=sys.stderr)
    assert bounces / len(expected) >= 0.90, _report(title, mismatches)
    assert recipients_agreed / recipients_total >= 0.90, _report(title, mismatches)
    assert temporary_agreed / bounces >= 0.85, _report(title, mismatches)


def _talon_expected(path: Path) -> str:
    reply = path.with_name(path.stem + "_reply_text")
    if not reply.is_file():
        return "Hello"
    # Talon keeps signatures in its expected text; text_new drops them.
    text = reply.read_text().replace("\r\n", "\n")
    text = text.split("\n-- \n")[0]
    return text.strip().removesuffix("Sent from my iPhone").strip()


def test_talon_standard_replies_give_the_new_text() -> None:
    folder = corpora_dir("talon") / "tests" / "fixtures" / "standard_replies"
    results = {path.name: parse(path.read_bytes()).text_new for path in folder.glob("*.eml")}
    expected = {path.name: _talon_expected(path) for path in folder.glob("*.eml")}
    assert len(results) == 12
    assert results == expected


def test_talon_html_replies_give_the_new_text() -> None:
    from kartoteka.mail.reading.html import to_text
    from kartoteka.mail.reading.quotes import new_text

    folder = corpora_dir("talon") / "tests" / "fixtures" / "html_replies"
    results = {
        path.name: new_text(to_text(path.read_text(errors="replace")))
        for path in folder.glob("*.html")
    }
    assert len(results) == 9
    assert {name: text.replace("\n\n", "\n") for name, text in results.items()} == dict.fromkeys(
        results, "Hi. I am fine.\nThanks,\nAlex"
    )


_REPLY_PARSER_EXPECTED = {
    "correct_sig.txt": "this is an email with a correct -- signature.",
    "email_1_4.txt": "Awesome! I haven't had another problem with it.",
    "email_1_7.txt": ":+1:",
    "email_1_8.txt": "I will reply under this one\n\nand under this.",
    "email_2_1.txt": "Outlook with a reply",
    "email_2_2.txt": "Outlook with a reply directly above line",
    "email_2_3.txt": "Outlook with a reply directly above line",
    "email_BlackBerry.txt": "Here is another email",
    "email_iPhone.txt": "Here is another email",
    "email_multi_word_sent_from_my_mobile_device.txt": "Here is another email",
    "email_sent_from_my_not_signature.txt":
        "Here is another email\n\nSent from my desk, is much easier then my mobile phone.",
    "email_sig_delimiter_in_middle_of_line.txt":
        "Hi there!\n\nStuff happened.\n\nAnd here is a fix -- this is not a signature.\n\nkthxbai",
    "email_one_is_not_on.txt": "Thank, this is really helpful.\n\nOne outstanding question I "
        "had:\n\nLocally (on development), when I run...",
    "greedy_on.txt": "On your remote host you can run:\n\n     telnet 127.0.0.1 52698\n\nThis "
        "should connect to TextMate (on your Mac, via the tunnel). If that\nfails, the tunnel "
        "is not working.",
    "pathological.txt": "I think you're onto something. I will try to fix the problem as soon "
        "as I\nget back to a computer.",
    "email_bullets.txt": "test 2 this should list second\n\nand have spaces\n\nand retain this "
        "formatting\n\n   - how about bullets\n   - and another",
}  # fmt: skip


@pytest.mark.parametrize("name", sorted(_REPLY_PARSER_EXPECTED))
def test_email_reply_parser_replies_give_the_new_text(name: str) -> None:
    from kartoteka.mail.reading.quotes import new_text

    path = corpora_dir("email_reply_parser") / "test" / "emails" / name
    assert new_text(path.read_text()) == _REPLY_PARSER_EXPECTED[name]


def test_replies_between_quotes_and_quote_above_are_kept() -> None:
    from kartoteka.mail.reading.quotes import new_text

    folder = corpora_dir("email_reply_parser") / "test" / "emails"
    text = new_text((folder / "email_1_2.txt").read_text())
    assert text.startswith("Hi,\n\nYou can list the keys for the bucket")
    assert "> " not in text
    assert "Abhishek Kona wrote" not in text


def test_long_quote_is_folded_quickly() -> None:
    import time

    from kartoteka.mail.reading.quotes import new_text

    text = corpora_dir("email_reply_parser") / "test" / "emails" / "email_long_quote.txt"
    started = time.perf_counter()
    result = new_text(text.read_text())
    assert result.startswith("Hi folks\n\nWhat is the best way to clear a Riak bucket")
    assert time.perf_counter() - started < 1.0


def _robustness_files() -> list[Path]:
    return message_files(corpora_dir("ruby-mail")) + message_files(corpora_dir("spamassassin-t"))


def test_ruby_mail_and_spamassassin_messages_parse_and_keep_attachments() -> None:
    from email import message_from_bytes, policy

    files = _robustness_files()
    assert len(files) > 200
    problems: list[str] = []
    for path in files:
        raw = path.read_bytes()
        message = parse(raw)
        if any(defect.startswith("unparsable") for defect in message.defects):
            problems.append(f"{path.name}: {message.defects}")
            continue
        reference = message_from_bytes(raw, policy=policy.default)
        declared = [
            part for part in reference.walk()
            if part.get_content_disposition() == "attachment" and not part.is_multipart()
        ]  # fmt: skip
        if len(message.attachments) < len(declared):
            problems.append(f"{path.name}: {len(message.attachments)} < {len(declared)}")
    assert problems == []


def test_cpython_email_test_messages_parse() -> None:
    try:
        import test.test_email as cpython_email_tests
    except ImportError:
        pytest.skip("this Python has no test.test_email package")
    folder = Path(cpython_email_tests.__file__).parent / "data"
    files = sorted(folder.glob("msg_*.txt"))
    assert len(files) >= 40
    problems = [
        path.name for path in files
        if any(d.startswith("unparsable") for d in parse(path.read_bytes()).defects)
    ]  # fmt: skip
    assert problems == []


@pytest.mark.parametrize(
    ("name", "subject", "body"),
    [
        ("quoted_printable.eml", "Český test",
         "Tohle je test českých písmen odeslaných z gmailu."),
        ("all-special-chars.eml", "Testovácí email", "íářčšáíéřášč"),
        ("utf-nondecodable.eml", "Fwd: Cyklozaměstnavatel - změna vyhodnocení",
         "prosazuje lepší"),
    ],
)  # fmt: skip
def test_django_helpdesk_czech_messages(name: str, subject: str, body: str) -> None:
    path = corpora_dir("django-helpdesk") / "tests" / "test_files" / name
    message = parse(path.read_bytes())
    assert message.subject == subject
    # utf-nondecodable.eml has that sentence only in its HTML alternative
    assert body in message.text or body in message.html


def test_django_helpdesk_attachment_with_empty_body_is_kept() -> None:
    path = (
        corpora_dir("django-helpdesk") / "tests" / "test_files" / "blank-body-with-attachment.eml"
    )
    message = parse(path.read_bytes())
    assert [(item.filename, len(item.content)) for item in message.attachments] == [("baf", 24)]
    assert message.text == ""
