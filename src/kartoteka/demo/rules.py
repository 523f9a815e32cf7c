"""The demo's scheduled rule and second mailbox: "Przegląd miesięczny", a monthly inspection
case for each customer of the segment "Kluczowi klienci" on the 1st at 7:00, and the service
mailbox "Serwis" from which a few demo cases answer. Added once: a rerun finds the rule and
adds nothing."""

from __future__ import annotations

from datetime import time

from django.db import transaction

from kartoteka.cases.models import Case, CaseGroup, CaseType
from kartoteka.customers.models import Segment
from kartoteka.demo.mail import DEMO_SMTP_HOST, DEMO_SMTP_PORT
from kartoteka.mail.mailboxes import case_mailbox_set, mailbox_create
from kartoteka.mail.models import Mailbox
from kartoteka.workflows.models import Rule
from kartoteka.workflows.services import rule_save

RULE_NAME = "Przegląd miesięczny"
SEGMENT = "Kluczowi klienci"
SERVICE_ADDRESS = "serwis@kartoteka.example"
SERVICE_CASES = 5


@transaction.atomic
def demo_rules() -> bool:
    """Write the demo's scheduled rule and service mailbox; whether anything was added."""
    if Rule.objects.filter(name=RULE_NAME).exists():
        return False
    service = Mailbox.objects.filter(address=SERVICE_ADDRESS).first() or mailbox_create(
        name="Serwis",
        address=SERVICE_ADDRESS,
        sender_name="Serwis Kartoteka",
        protocol=Mailbox.Protocol.NONE,
        smtp_host=DEMO_SMTP_HOST,
        smtp_port=DEMO_SMTP_PORT,
        smtp_security=Mailbox.Security.NONE,
        signature_text="Dział serwisu\ntel. 22 100 20 40",
    )
    segment = Segment.objects.filter(name=SEGMENT).first()
    if segment is not None:
        rule_save(
            rule=None,
            by=None,
            name=RULE_NAME,
            active=True,
            trigger=Rule.Trigger.SCHEDULED,
            schedule={"frequency": Rule.Frequency.MONTHLY, "day": 1, "at": time(7, 0)},
            conditions=[],
            actions=[
                {
                    "kind": "create_case",
                    "case_subject": "Przegląd miesięczny — {customer}",
                    "case_description": (
                        "Comiesięczny przegląd umowy serwisowej: sprawdzić zgłoszenia z "
                        "ostatniego miesiąca, stan urządzeń i termin następnej wizyty."
                    ),
                    "case_type": str(
                        CaseType.objects.filter(name__icontains="serwis")
                        .values_list("pk", flat=True)
                        .first()
                        or ""
                    ),
                    "group": CaseGroup.objects.filter(name__icontains="serwis").first(),
                    "mailbox": service,
                    "segment": segment,
                }
            ],
        )
    for case in Case.objects.filter(account__isnull=False).order_by("number")[:SERVICE_CASES]:
        case_mailbox_set(case=case, mailbox=service, by=None)
    return True
