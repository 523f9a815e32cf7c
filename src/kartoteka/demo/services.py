"""Writing the demo world: users and teams, lists, accounts and contacts.

Accounts and contacts are bulk-inserted (with their history rows) so that the default
200 accounts and 400 contacts take a second or two; identifiers and addresses are run
through the same normalisers as ``customers.services`` so the stored forms match.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from django.contrib.auth.hashers import check_password, make_password
from django.db import transaction
from simple_history.utils import bulk_create_with_history

from kartoteka.cases import happenings
from kartoteka.cases.models import Case
from kartoteka.core.models import Dictionary, DictionaryEntry
from kartoteka.core.search_index import index_rebuild
from kartoteka.customers.identifiers import (
    normalise_email,
    normalise_nip,
    normalise_phone,
    normalise_regon,
)
from kartoteka.customers.models import Account, Contact, EmailAddress, PhoneNumber, Segment
from kartoteka.demo.activities import demo_activities
from kartoteka.demo.archive import demo_archive
from kartoteka.demo.cases import demo_cases
from kartoteka.demo.catalogue import (
    DEMO_PASSWORD,
    DEMO_USERS,
    DICTIONARIES,
    PRINTED_LOGINS,
    SEGMENTS,
)
from kartoteka.demo.desk import demo_desk
from kartoteka.demo.documents import demo_documents
from kartoteka.demo.kb import demo_kb
from kartoteka.demo.mail import demo_mail
from kartoteka.demo.newcomers import demo_newcomers
from kartoteka.demo.outbox import demo_outbox
from kartoteka.demo.plan import AccountPlan, ContactPlan, plan_accounts, plan_contacts
from kartoteka.demo.portal import demo_portal
from kartoteka.demo.portal_cases import demo_portal_cases
from kartoteka.demo.rules import demo_rules
from kartoteka.demo.salutations import demo_salutations
from kartoteka.demo.teamwork import demo_teamwork
from kartoteka.demo.webforms import demo_webforms
from kartoteka.documents.models import Document
from kartoteka.people.models import Team, User

DEFAULT_SEED = 1989


@dataclass
class DemoSummary:
    """What one ``demo_load`` added (the ``*_created`` counts) and what is there now."""

    users_created: int
    accounts_created: int
    contacts_created: int
    cases_created: int
    mail: int
    documents_created: int
    users: int
    teams: int
    segments: int
    dictionaries: int
    accounts: int
    contacts: int
    email_addresses: int
    phone_numbers: int
    cases: int
    documents: int


@transaction.atomic
def demo_load(
    *,
    password: str = DEMO_PASSWORD,
    accounts: int = 200,
    contacts: int = 400,
    cases: int = 300,
    seed: int = DEFAULT_SEED,
) -> DemoSummary:
    """Add the demo world, skipping every row whose natural key is already stored.

    Keys: usernames, team, segment and dictionary names, entry labels, account NIPs and
    contacts' first email address. Existing users keep their passwords. The same seed and
    sizes always plan the same rows, so a rerun adds nothing.
    """
    with happenings.held():  # a world written in one go is history, not anybody's news
        summary = _world(password, accounts=accounts, contacts=contacts, cases=cases, seed=seed)
    demo_teamwork()  # the team's latest work is news: followed up after commit, as any
    return summary


def _world(password: str, *, accounts: int, contacts: int, cases: int, seed: int) -> DemoSummary:
    users, users_created = _users(password)
    segments = {name: Segment.objects.get_or_create(name=name)[0] for name in SEGMENTS}
    entries = _dictionaries()
    account_plans = plan_accounts(accounts, seed)
    accounts_created = _accounts(account_plans, users, segments, entries)
    contacts_created = _contacts(plan_contacts(contacts, account_plans, seed), users, entries)
    cases_created = demo_cases(count=cases, seed=seed)
    mail = demo_mail(seed=seed) + demo_archive(seed=seed)
    documents = demo_documents(seed=seed)
    demo_desk()
    demo_outbox()
    demo_newcomers()
    demo_activities()
    demo_portal(password)
    demo_portal_cases()
    demo_kb()
    demo_webforms()
    demo_rules()
    demo_salutations()
    # Accounts and contacts went in in bulk, past their services: index the world in one go.
    index_rebuild(say=lambda _line: None)
    return DemoSummary(
        users_created=users_created,
        accounts_created=accounts_created,
        contacts_created=contacts_created,
        cases_created=cases_created,
        mail=mail,
        documents_created=documents.documents,
        users=User.objects.count(),
        teams=Team.objects.count(),
        segments=Segment.objects.count(),
        dictionaries=Dictionary.objects.count(),
        accounts=Account.objects.count(),
        contacts=Contact.objects.count(),
        email_addresses=EmailAddress.objects.count(),
        phone_numbers=PhoneNumber.objects.count(),
        cases=Case.objects.count(),
        documents=Document.objects.count(),
    )


def demo_logins(password: str = DEMO_PASSWORD) -> list[User]:
    """The printed demo users (admin, manager, agent, and a customer's portal login that sees
    its whole company) whose password is still ``password``.

    Demo users share one password hash, so it is checked once per distinct hash.
    """
    found = {u.username: u for u in User.objects.filter(username__in=PRINTED_LOGINS)}
    portal = (
        User.objects.filter(
            role=User.Role.PORTAL,
            portal_contact__portal_role__sees_company_cases=True,
            portal_contact__account__isnull=False,
        )
        .order_by("pk")
        .first()
    )
    usernames = list(PRINTED_LOGINS)
    if portal is not None:
        found[portal.username] = portal
        usernames.append(portal.username)
    verdicts: dict[str, bool] = {}
    logins = []
    for username in usernames:
        user = found.get(username)
        if user is None or not user.is_active:
            continue
        if user.password not in verdicts:
            verdicts[user.password] = check_password(password, user.password)
        if verdicts[user.password]:
            logins.append(user)
    return logins


def _users(password: str) -> tuple[dict[str, User], int]:
    # One hash for all: hashing is deliberately slow, and every demo user shares the password.
    encoded = make_password(password)
    teams = {
        name: Team.objects.get_or_create(name=name)[0]
        for name in {demo.team for demo in DEMO_USERS if demo.team}
    }
    users: dict[str, User] = {}
    created_count = 0
    for demo in DEMO_USERS:
        user, created = User.objects.get_or_create(
            username=demo.username,
            defaults={
                "first_name": demo.first_name,
                "last_name": demo.last_name,
                "email": f"{demo.username}@kartoteka.example",
                "role": demo.role,
                "team": teams.get(demo.team),
                "can_work_with_cases": demo.role == User.Role.AGENT,
                "password": encoded,
            },
        )
        created_count += created
        users[demo.username] = user
        if demo.supervises:
            team = teams[demo.supervises]
            if team.supervisor_id is None:
                team.supervisor = user
                team.save(update_fields=["supervisor"])
    return users, created_count


def _dictionaries() -> dict[tuple[str, str], DictionaryEntry]:
    """Every demo dictionary entry, keyed by (dictionary name, label)."""
    entries = {}
    for position, (applies_to, name, multiple, labels) in enumerate(DICTIONARIES):
        dictionary, _created = Dictionary.objects.get_or_create(
            applies_to=applies_to, name=name, defaults={"multiple": multiple, "position": position}
        )
        for entry_position, label in enumerate(labels):
            entry, _created = DictionaryEntry.objects.get_or_create(
                dictionary=dictionary, label=label, defaults={"position": entry_position}
            )
            entries[name, label] = entry
    return entries


def _accounts(
    plans: list[AccountPlan],
    users: dict[str, User],
    segments: dict[str, Segment],
    entries: dict[tuple[str, str], DictionaryEntry],
) -> int:
    nips = {normalise_nip(plan.nip) for plan in plans}
    regons = {normalise_regon(plan.regon) for plan in plans}
    taken_nips = set(Account.objects.filter(nip__in=nips).values_list("nip", flat=True))
    taken_regons = set(Account.objects.filter(regon__in=regons).values_list("regon", flat=True))
    new = [p for p in plans if p.nip not in taken_nips and p.regon not in taken_regons]
    if not new:
        return 0
    author = users["admin"]
    rows = []
    for plan in new:
        manager = users.get(plan.manager)
        rows.append(
            Account(
                kind=plan.kind,
                name=plan.name,
                short_name=plan.short_name,
                nip=normalise_nip(plan.nip),
                regon=normalise_regon(plan.regon),
                street=plan.street,
                postal_code=plan.postal_code,
                city=plan.city,
                phone=normalise_phone(plan.phone),
                website=plan.website,
                manager=manager,
                team=manager.team if manager else None,
                restricted=plan.restricted,
                created_by=author,
                updated_by=author,
            )
        )
    created = bulk_create_with_history(rows, Account, default_user=author)
    by_nip = {account.nip: account for account in created}
    free = _free_addresses(normalise_email(plan.shared_email) for plan in new)
    EmailAddress.objects.bulk_create(
        EmailAddress(account=by_nip[plan.nip], address=plan.shared_email)
        for plan in new
        if plan.shared_email in free
    )
    Account.segments.through.objects.bulk_create(
        Account.segments.through(account=by_nip[plan.nip], segment=segments[name])
        for plan in new
        for name in plan.segments
    )
    Account.classifications.through.objects.bulk_create(
        Account.classifications.through(account=by_nip[plan.nip], dictionaryentry=entries[key])
        for plan in new
        for key in plan.classifications.items()
    )
    return len(created)


def _free_addresses(addresses: Iterable[str]) -> set[str]:
    """The given addresses that no one holds yet."""
    wanted = set(addresses)
    return wanted - set(
        EmailAddress.objects.filter(address__in=wanted).values_list("address", flat=True)
    )


def _contacts(
    plans: list[ContactPlan],
    users: dict[str, User],
    entries: dict[tuple[str, str], DictionaryEntry],
) -> int:
    free = _free_addresses(normalise_email(a) for plan in plans for a in plan.emails)
    # A contact whose first address is stored exists already (from an earlier run).
    new = [plan for plan in plans if plan.emails[0] in free]
    if not new:
        return 0
    nips = {plan.account_nip for plan in new}
    accounts = {account.nip: account for account in Account.objects.filter(nip__in=nips)}
    new = [plan for plan in new if plan.account_nip in accounts]
    author = users["admin"]
    created = bulk_create_with_history(
        [
            Contact(
                account=accounts[plan.account_nip],
                first_name=plan.first_name,
                last_name=plan.last_name,
                position=plan.position,
                created_by=author,
                updated_by=author,
            )
            for plan in new
        ],
        Contact,
        default_user=author,
    )
    pairs = list(zip(new, created, strict=True))
    EmailAddress.objects.bulk_create(
        EmailAddress(contact=contact, address=address, position=position)
        for plan, contact in pairs
        for position, address in enumerate(plan.emails)
        if address in free
    )
    PhoneNumber.objects.bulk_create(
        PhoneNumber(
            contact=contact,
            number=normalise_phone(number),
            kind=PhoneNumber.Kind.MOBILE if position == 0 else PhoneNumber.Kind.WORK,
            position=position,
        )
        for plan, contact in pairs
        for position, number in enumerate(plan.phones)
    )
    Contact.classifications.through.objects.bulk_create(
        Contact.classifications.through(
            contact=contact, dictionaryentry=entries["Rola w decyzji", role]
        )
        for plan, contact in pairs
        for role in plan.decision_roles
    )
    return len(created)
