"""Rules, groups and received messages for tests, made through the services."""

from __future__ import annotations

from typing import Any

from kartoteka.cases.happenings import Happening, Kind
from kartoteka.cases.models import Case, CaseGroup
from kartoteka.mail.models import Mailbox, Message
from kartoteka.people.models import User
from kartoteka.testing.people import UserFactory
from kartoteka.workflows.models import Rule
from kartoteka.workflows.services import rule_save


def make_rule(
    trigger: str = Rule.Trigger.CASE_CREATED,
    *,
    name: str = "Rule",
    conditions: list[dict[str, Any]] | None = None,
    actions: list[dict[str, Any]] | None = None,
    active: bool = True,
    changed_field: str = "",
    changed_to: str = "",
    schedule: dict[str, Any] | None = None,
) -> Rule:
    return rule_save(
        rule=None,
        by=None,
        name=name,
        active=active,
        trigger=trigger,
        changed_field=changed_field,
        changed_to=changed_to,
        schedule=schedule,
        conditions=conditions or [],
        actions=actions or [],
    )


def make_group(name: str, members: list[User]) -> CaseGroup:
    group = CaseGroup.objects.create(name=name, position=50)
    group.members.set(members)
    return group


def make_members(count: int, *, prefix: str = "member", **fields: Any) -> list[User]:
    return [
        UserFactory(username=f"{prefix}{n}", can_work_with_cases=True, **fields)
        for n in range(1, count + 1)
    ]


def make_mailbox(
    name: str = "pomoc", address: str = "pomoc@firma.example", **fields: Any
) -> Mailbox:
    return Mailbox.objects.create(
        name=name, address=address, protocol=Mailbox.Protocol.NONE, **fields
    )


def make_received(
    case: Case, mailbox: Mailbox | None, *, subject: str = "", text: str = ""
) -> Message:
    return Message.objects.create(
        case=case,
        account_id=case.account_id,
        mailbox=mailbox,
        direction=Message.Direction.INBOUND,
        state=Message.State.PLACED,
        message_id=f"<{case.pk}-{Message.objects.count()}@klient.example>",
        subject=subject,
        text=text,
        raw_sha256="0" * 64,
    )


def created(case: Case) -> Happening:
    return Happening(Kind.CASE_CREATED, case.pk, channel=case.channel)
