"""The portal's cases side in the demo: each portal customer's newest documents are shared
with them, their logins follow the cases they reported, and the customer with the company
role has asked a question in the portal, which an agent answered publicly."""

from __future__ import annotations

from django.db import transaction

from kartoteka.cases.following import followers_add
from kartoteka.cases.happenings import held
from kartoteka.cases.models import Case
from kartoteka.cases.selectors import case_workers
from kartoteka.cases.services import case_note_add
from kartoteka.customers.models import Contact
from kartoteka.documents.models import Document
from kartoteka.portal.cases.services import portal_case_create

SHARED_PER_CUSTOMER = 2
QUESTION = "Prośba o duplikat faktury za październik"


@transaction.atomic
def demo_portal_cases() -> int:
    """Share documents, make the logins follow their cases, ask and answer one question in
    the portal (a rerun adds nothing); how many documents are shared."""
    contacts = list(
        Contact.objects.filter(portal_user__isnull=False, account__isnull=False)
        .select_related("portal_user", "portal_role", "account")
        .order_by("pk")
    )
    shared = 0
    for contact in contacts:
        if contact.account_id is None or contact.portal_user is None:
            continue
        newest = (
            Document.objects.filter(account_id=contact.account_id, confidential=False)
            .order_by("-created_at", "-pk")
            .values_list("pk", flat=True)[:SHARED_PER_CUSTOMER]
        )
        shared += Document.objects.filter(pk__in=list(newest)).update(shared_with_customer=True)
        for case in Case.objects.filter(reporter=contact):
            followers_add(case=case, users=[contact.portal_user])
    asking = next(
        (c for c in contacts if c.portal_role is not None and c.portal_role.may_create_cases),
        None,
    )
    agent = case_workers().first()
    if asking is None or asking.portal_user is None or agent is None:
        return shared
    if Case.objects.filter(subject=QUESTION).exists():
        return shared
    # Past news: nobody is told now (and no rule assigns the question).
    with held():
        case = portal_case_create(
            contact=asking,
            by=asking.portal_user,
            subject=QUESTION,
            description="Dzień dobry, zgubiliśmy fakturę FV/10/2026. Proszę o duplikat.",
            case_type=None,
        )
        case_note_add(
            case=case,
            by=agent,
            text="Dzień dobry, duplikat faktury FV/10/2026 jest w dokumentach w portalu.",
            internal=False,
        )
        case_note_add(case=case, by=agent, text="Klient często gubi faktury — wysyłać też pocztą.")
    return shared
