"""The demo web form: "Zgłoszenie serwisowe" on the company's website, and three cases that
came through it from people of three customers. Added once: a rerun finds the form and adds
nothing."""

from __future__ import annotations

from django.db import transaction

from kartoteka.cases.models import CaseGroup, CaseType
from kartoteka.customers.models import EmailAddress
from kartoteka.webforms import guards, services
from kartoteka.webforms.models import WebForm

FORM_NAME = "Zgłoszenie serwisowe"
# Subject, message, serial number: what three customers' people sent through the form.
SUBMISSIONS = (
    ("Ekspres ciśnieniowy nie grzeje wody",
     "Od rana ekspres w recepcji nie grzeje wody. Kontrolka świeci na czerwono.", "EX-2231-0448"),
    ("Drukarka etykiet drukuje puste strony",
     "Po wymianie rolki drukarka wysuwa puste etykiety.", "ZB-411-92"),
    ("Prośba o przegląd klimatyzacji",
     "Prosimy o termin przeglądu klimatyzacji w biurze przed sezonem.", ""),
)  # fmt: skip


@transaction.atomic
def demo_webforms() -> int:
    """Write the demo form and its cases; how many cases were added (0 on a rerun)."""
    if WebForm.objects.filter(name=FORM_NAME).exists():
        return 0
    group = CaseGroup.objects.filter(name__icontains="serwis").first()
    case_type = CaseType.objects.filter(name__icontains="awari").first()
    form = services.webform_create(
        data={
            "name": FORM_NAME,
            "phone": WebForm.FieldUse.REQUIRED,
            "company": WebForm.FieldUse.OPTIONAL,
            "custom_fields": [{"label": "Numer seryjny urządzenia", "required": False}],
            "attachments": True,
            "group": group,
            "case_type": case_type,
            "thank_you_text": (
                "Dziękujemy za zgłoszenie. Potwierdzenie z numerem sprawy wysłaliśmy e-mailem; "
                "serwisant oddzwoni w ciągu jednego dnia roboczego."
            ),
            "allowed_origins": ["https://www.kartoteka.example"],
            "language": "pl",
        }
    )
    # People of three customers wrote through the form: known addresses, so no new contacts.
    senders = list(
        EmailAddress.objects.filter(contact__account__isnull=False, position=0)
        .select_related("contact__account")
        .order_by("contact__account__name", "pk")
        .distinct()[: len(SUBMISSIONS) * 4 : 4]
    )
    people = [
        (str(sender.contact), sender.address, sender.contact.account.name, *submission)
        for sender, submission in zip(senders, SUBMISSIONS, strict=False)
        if sender.contact is not None and sender.contact.account is not None
    ]
    for n, (name, email, company, subject, message, serial) in enumerate(people):
        services.submission_accept(
            form=form,
            data=services.SubmissionData(
                name=name,
                email=email,
                phone=f"+48 600 200 3{n:02d}",
                company=company,
                subject=subject,
                message=message,
                answers=[("Numer seryjny urządzenia", serial)],
            ),
            address_hash=guards.address_hash(f"198.51.100.{n + 10}"),
            nonce=None,
            language="pl",
            confirm=False,
        )
    return len(people)
