"""The customer file's permission matrix: every URL of the file, walked by every persona.

A confidential document is seen by its author, the users and teams it names, and
administrators; for everyone else it leaves no trace: its title, description, file name and
the text inside its file appear in no page, list, timeline, search, API answer nor export;
its own URLs answer 404; the Documents figure does not count it. A customer a persona may not
see answers 404 on every URL that names it or something of it.

The URLs come from the URL resolver: every route of the customers, documents and privacy
namespaces and the API's accounts, contacts and documents. A route added later fails
``test_every_route_of_the_customer_file_is_walked`` until ``ROUTES`` says how to walk it.
The data is built once for the module; each persona's walk is one test.
"""

from __future__ import annotations

import io
import json
import zipfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest
from django.db import transaction
from django.http import HttpResponseBase
from django.test import TestCase
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from kartoteka.cases.models import Case
from kartoteka.customers.file_filters import TABS
from kartoteka.customers.models import Account, Contact, Segment
from kartoteka.customers.timeline import kinds_offered
from kartoteka.documents.models import Document, DocumentFile, DocumentType
from kartoteka.documents.tests.conftest import make_document, upload
from kartoteka.people.models import User
from kartoteka.testing.cases import make_case
from kartoteka.testing.clients import client_for
from kartoteka.testing.customers import AccountFactory, ContactFactory, SegmentFactory
from kartoteka.testing.mail.sending import add_message
from kartoteka.testing.people import persona

# What must never show to whom the confidential document does not name: each string is
# unique to it, and the searches below ask for a part of it (a search box repeats what was
# typed, so the whole string in a page is the document's, not the query's).
TITLE = "Umowa ramowa Kolibri"
DESCRIPTION = "Rabat Pelikan dla zarządu"
FILE_NAME = "kontrakt-jaguar.txt"
MARKER = "ZNACZNIK-OKAPI-7731"
SECRETS = (TITLE, DESCRIPTION, FILE_NAME, MARKER)
SEARCHES = ("kolibri", "pelikan", "okapi", "jaguar")

HIDDEN_NAME = "Tajna Sp. z o.o."

# author, a user it names, a member of a team it names, administrator
SEES_SECRET = {"agent", "named", "board_member", "admin"}
# the restricted customer's team (the author; an agent without case rights), managers and
# administrators
SEES_HIDDEN_ACCOUNT = {"agent", "clerk", "manager", "admin"}
PERSONAS = [
    "agent",  # the author
    "named",
    "board_member",
    "outsider",  # another agent who sees the customer
    "clerk",  # another agent, without the right to work with cases
    "manager",
    "admin",
    "portal_user",  # a customer's contact: no staff rights
]


@dataclass(frozen=True)
class Target:
    """The objects a route is walked with: one customer and things of it."""

    account: Account
    contact: Contact
    case: Case
    document: Document
    file: DocumentFile


@dataclass(frozen=True)
class World:
    public: Target  # a customer everyone on the staff sees, with a public document
    secret: Target  # the same customer, its confidential document
    hidden: Target  # a restricted customer of the Support team
    segment: Segment
    document_type: DocumentType
    duplicate: Account  # an account everyone on the staff sees, to compare for a merge
    users: dict[str, User] = field(default_factory=dict)


@dataclass(frozen=True)
class Probe:
    method: str
    url: str
    data: dict[str, Any] = field(default_factory=dict)


# How a route is walked: ``page`` asks it once (or ``pages``, several times), its URL's
# arguments and query values naming objects of the target ("account", "contact", "case",
# "document", "file", "email": the contact's address) or of the world ("segment",
# "document_type"), each given by its key (a case by its number); ``fixed`` query values
# are sent as they are.
Walk = Callable[[str, World, Target], list[Probe]]


def _key(world: World, target: Target, name: str) -> int:
    if name == "case":
        return target.case.number
    if name == "email":
        return target.contact.emails.get().pk
    owner = target if hasattr(target, name) else world
    return getattr(owner, name).pk


def page(
    *path: str, method: str = "get", fixed: dict[str, str] | None = None, **query: str
) -> Walk:
    def walk(route: str, world: World, target: Target) -> list[Probe]:
        url = reverse(route, args=[_key(world, target, name) for name in path])
        data = {field: _key(world, target, name) for field, name in query.items()}
        return [Probe(method, url, data | (fixed or {}))]

    return walk


def pages(*walks: Walk, terms: tuple[str, ...] = ()) -> Walk:
    """Several requests; each search term once more with the first request's URL."""

    def walk(route: str, world: World, target: Target) -> list[Probe]:
        probes = [probe for each in walks for probe in each(route, world, target)]
        return probes + [Probe("get", probes[0].url, {"q": term}) for term in terms]

    return walk


def file_views(route: str, world: World, target: Target) -> list[Probe]:
    """The customer file: each tab, every kind chosen, each filter, and a search (the other
    searches are ``test_the_file_counts_shows_and_finds_…``'s)."""
    url = reverse(route, args=[target.account.pk])
    return [
        Probe("get", url, query)
        for query in [
            {},
            *({"tab": tab} for tab in TABS),
            {"kind": [kind for kind, _label in kinds_offered()]},
            {"tab": "documents", "contact": target.contact.pk},
            {"tab": "documents", "case": target.case.number},
            {"tab": "documents", "user": target.document.author_id},
            {"tab": "documents", "since": "2000-01-01", "until": "2999-12-31"},
            {"q": "okapi"},
            {"tab": "documents", "q": "kolibri"},
        ]
    ]


# A list's search looks into no document: the text inside is tried.
LIST_SEARCHES = ("okapi",)
listed = pages(page(), terms=LIST_SEARCHES)

# Scopes: "account", "contact" and "document" routes name an object of one customer (404 for
# whoever may not see it); "listing" routes list many customers' objects; "prefill" routes
# take a customer to preselect in a form (one the user may not see is not offered);
# "settings" routes are about no customer (still walked: nothing of a document may show).
ROUTES: dict[str, tuple[str, Walk]] = {
    "customers:account-list": ("listing", listed),
    "customers:account-create": ("settings", page()),
    "customers:account-detail": ("account", file_views),
    "customers:account-edit": ("account", page("account")),
    "customers:account-delete": ("account", page("account")),
    "customers:account-merge": ("account", pages(page("account"), terms=LIST_SEARCHES)),
    # Only looked at: a POST merges. The customer is the one merged away, its rows counted.
    "customers:account-merge-confirm": ("account", page("duplicate", "account")),
    "customers:contact-list": ("listing", listed),
    "customers:contact-create": ("prefill", page(account="account")),
    "customers:contact-detail": (
        "contact",
        pages(page("contact"), page("contact", fixed={"kind": "document"}), terms=LIST_SEARCHES),
    ),
    "customers:contact-edit": ("contact", page("contact")),
    "customers:contact-delete": ("contact", page("contact")),
    "customers:contact-email-clear-undeliverable": (
        "contact",
        page("contact", "email", method="post"),
    ),
    # The pickers' answers: a hidden customer's name never comes back, whatever is typed.
    "customers:pick-accounts": ("listing", pages(page(), terms=("taj", "Tajna Sp", "Nowak"))),
    "customers:pick-contacts": (
        "listing",
        pages(page(), page(account="account"), terms=("taj", "Nowak", "Anna")),
    ),
    "customers:segment-list": ("settings", page()),
    "customers:segment-create": ("settings", page()),
    "customers:segment-edit": ("settings", page("segment")),
    "customers:segment-delete": ("settings", page("segment")),
    "documents:list": ("account", page(account="account")),
    "documents:create": ("account", page(account="account")),
    "documents:detail": ("document", page("document")),
    "documents:edit": ("document", page("document")),
    "documents:delete": ("document", page("document")),
    # An empty form: refused with the page again where allowed, nothing stored.
    "documents:version-add": ("document", page("document", method="post")),
    "documents:download": ("document", page("document", "file")),
    "documents:type-list": ("settings", page()),
    "documents:type-create": ("settings", page()),
    "documents:type-edit": ("settings", page("document_type")),
    "privacy:account-export": ("account", page("account", method="post")),
    "privacy:contact-export": ("contact", page("contact", method="post")),
    "privacy:contact-erase": ("contact", page("contact")),  # only looked at: a POST erases
    "api-v1:account-list": ("listing", listed),
    "api-v1:account-detail": ("account", page("account")),
    "api-v1:account-document-list": ("account", page("account")),
    "api-v1:document-detail": ("document", page("document")),
    "api-v1:contact-list": ("listing", listed),
    "api-v1:contact-detail": ("contact", page("contact")),
    # Not of the file's namespaces: the file's "New email" and "New case", the global search,
    # and the pages of the document's case.
    "mail:compose-new": ("prefill", pages(page(account="account"), page(contact="contact"))),
    "cases:case-create": ("prefill", pages(page(account="account"), page(contact="contact"))),
    "search:search": ("listing", pages(page(), terms=("kolibri", "okapi"))),
    "desk:case-detail": ("account", page("case")),
    "desk:case-print": ("account", page("case")),
    "api-v1:case-detail": ("account", page("case")),
    "api-v1:case-history": ("account", page("case")),
}
FILE_NAMESPACES = {"customers", "documents", "privacy"}
API_RESOURCES = ("account", "contact", "document")


def r(name: str, *args: Any) -> str:
    return reverse(name, args=args)


def _routes(
    patterns: list[URLPattern | URLResolver], namespace: str = ""
) -> Iterator[tuple[str, str]]:
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            inner = pattern.namespace or namespace
            yield from _routes(pattern.url_patterns, inner)
        elif pattern.name:
            yield namespace, pattern.name


def customer_file_routes() -> set[str]:
    """The names of every route of the customer file, as the URL resolver knows them."""
    return {
        f"{namespace}:{name}"
        for namespace, name in _routes(get_resolver().url_patterns)
        if namespace in FILE_NAMESPACES
        or (namespace == "api-v1" and name.startswith(API_RESOURCES))
    }


def test_every_route_of_the_customer_file_is_walked() -> None:
    known = {f"{ns}:{name}" for ns, name in _routes(get_resolver().url_patterns) if ns}

    assert sorted(customer_file_routes() - ROUTES.keys()) == []
    assert sorted(ROUTES.keys() - known) == []


@pytest.fixture(scope="module")
def world(django_db_setup: None, django_db_blocker: Any) -> Iterator[World]:
    """One customer with an email, a case, a public and a confidential document; one
    restricted customer; built once, rolled back after the module."""
    with django_db_blocker.unblock(), transaction.atomic():
        users = {name: persona(name) for name in PERSONAS}
        author = users["agent"]
        public = _customer("Drukpol", author)
        yield World(
            public=public,
            secret=_secret(public, author, users),
            hidden=_customer(HIDDEN_NAME, author, restricted=True),
            segment=SegmentFactory(name="Hurt"),
            document_type=DocumentType.objects.get(name="Offer"),
            duplicate=AccountFactory(name="Drukpol (duplikat)"),
            users=users,
        )
        transaction.set_rollback(True)


def _customer(name: str, author: User, **fields: Any) -> Target:
    """A customer with a contact, a case with the contact's email and a public document."""
    team = author.team if fields.get("restricted") else None
    account = AccountFactory(name=name, team=team, **fields)
    contact = ContactFactory(account=account, first_name="Anna", last_name="Nowak")
    contact.emails.create(address=f"anna@{account.pk}.klient.example")
    case = make_case("Drukarka nie drukuje", by=author, account=account, contacts=(contact,))
    add_message(case, subject="Przesyłka niekompletna", from_address=contact.emails.get().address)
    with TestCase.captureOnCommitCallbacks(execute=True):
        document = make_document(
            by=author,
            account=account,
            title="Oferta na drukarki",
            case=case,
            contacts=[contact],
            files=[upload("oferta.txt", b"Oferta na drukarki laserowe")],
        )
    return Target(account, contact, case, document, document.files.get())


def _secret(public: Target, author: User, users: dict[str, User]) -> Target:
    """A confidential document of the same customer, its case and contact, naming a user
    and a team (its file's text extracted at once)."""
    with TestCase.captureOnCommitCallbacks(execute=True):
        document = make_document(
            by=author,
            account=public.account,
            title=TITLE,
            description=DESCRIPTION,
            case=public.case,
            contacts=[public.contact],
            files=[upload(FILE_NAME, f"{MARKER}: warunki tylko dla zarządu".encode())],
            confidential=True,
            shared_users=[users["named"]],
            shared_teams=[users["board_member"].team],
        )
    return Target(public.account, public.contact, public.case, document, document.files.get())


def body(response: HttpResponseBase) -> str:
    """Everything a response tells its reader: headers, the body, and for a ZIP the name
    and the content of every file in it."""
    headers = "\n".join(f"{name}: {value}" for name, value in response.items())
    if getattr(response, "streaming", False):
        raw = b"".join(response.streaming_content)  # type: ignore[attr-defined]
    else:
        raw = response.content  # type: ignore[attr-defined]
    parts = [headers, raw.decode(errors="replace")]
    if raw.startswith(b"PK"):
        with zipfile.ZipFile(io.BytesIO(raw)) as packed:
            for name in packed.namelist():
                parts += [name, packed.read(name).decode(errors="replace")]
    return "\n".join(parts)


def walk(
    world: World, user: User, target: Target, scopes: set[str]
) -> list[tuple[Probe, int, str]]:
    client = client_for(user)
    answers = []
    for route, (scope, probes) in ROUTES.items():
        if scope not in scopes:
            continue
        for probe in probes(route, world, target):
            response = getattr(client, probe.method)(probe.url, probe.data)
            answers.append((probe, response.status_code, body(response)))
    return answers


def leaks(answers: list[tuple[Probe, int, str]]) -> list[str]:
    return [
        f"{probe.method.upper()} {probe.url} {probe.data}: {secret!r}"
        for probe, _status, text in answers
        for secret in SECRETS
        if secret in text
    ]


ALL_SCOPES = {"account", "contact", "document", "listing", "prefill", "settings"}


@pytest.mark.django_db
@pytest.mark.parametrize("name", sorted(set(PERSONAS) - SEES_SECRET))
def test_a_confidential_document_leaves_no_trace_for_whom_it_does_not_name(world, name):
    user = world.users[name]

    answers = walk(world, user, world.secret, ALL_SCOPES)
    answers += walk(world, user, world.public, {"document"})

    assert leaks(answers) == []
    assert [(p.url, p.data, s) for p, s, _ in answers if s >= 500] == []
    own = {status for p, status, _ in answers if p.url.startswith(own_urls(world))}
    assert own == ({403, 404} if name == "portal_user" else {404})
    assert Document.objects.filter(pk=world.secret.document.pk).exists()


def own_urls(world: World) -> tuple[str, ...]:
    """The URLs that name the confidential document itself."""
    pk = world.secret.document.pk
    return (r("documents:detail", pk), r("api-v1:document-detail", pk))


@pytest.mark.django_db
@pytest.mark.parametrize("name", sorted(SEES_SECRET))
def test_whom_a_confidential_document_names_sees_it_everywhere(world, name):
    client = client_for(world.users[name])
    secret = world.secret.document

    detail = client.get(secret.get_absolute_url())
    download = client.get(world.secret.file.get_absolute_url())
    api = client.get(r("api-v1:document-detail", secret.pk))
    listing = client.get(r("documents:list"), {"account": secret.account_id})
    api_list = client.get(r("api-v1:account-document-list", secret.account_id))

    assert (detail.status_code, download.status_code, api.status_code) == (200, 200, 200)
    assert all(text in detail.text for text in (TITLE, DESCRIPTION, FILE_NAME))
    assert MARKER in body(download)
    assert TITLE in listing.text
    assert [row["title"] for row in api_list.json()["results"]] == [TITLE, "Oferta na drukarki"]


@pytest.mark.django_db
@pytest.mark.parametrize("name", sorted(set(PERSONAS) - {"portal_user"}))
def test_the_file_counts_shows_and_finds_the_confidential_document_only_for_whom_it_names(
    world, name
):
    client = client_for(world.users[name])
    secret, public = world.secret.document, world.public.document
    url = r("customers:account-detail", secret.account_id)
    sees = name in SEES_SECRET
    expected = [secret.pk, public.pk] if sees else [public.pk]

    timeline = client.get(url)
    tab = client.get(url, {"tab": "documents"})
    narrowed = client.get(url, {"kind": "document"})
    contact = client.get(r("customers:contact-detail", world.secret.contact.pk))
    api = client.get(r("api-v1:account-document-list", secret.account_id)).json()

    assert documents_in(timeline) == expected
    assert documents_in(tab) == expected
    assert documents_in(narrowed) == expected
    assert documents_in(contact) == expected
    assert figures(timeline)["Documents"] == str(len(expected))
    assert (api["count"], [row["id"] for row in api["results"]]) == (len(expected), expected)
    for term in SEARCHES:
        found = documents_in(client.get(url, {"q": term}))
        assert found == ([secret.pk] if sees else []), term


def documents_in(response: HttpResponseBase) -> list[int]:
    page = response.context["page"]  # type: ignore[attr-defined]
    return [entry.key for entry in page.entries if entry.kind == "document"]


def figures(response: HttpResponseBase) -> dict[str, str]:
    return {str(f.label): f.value for f in response.context["figures"]}  # type: ignore[attr-defined]


@pytest.mark.django_db
@pytest.mark.parametrize("name", sorted(set(PERSONAS) - SEES_HIDDEN_ACCOUNT))
def test_a_customer_one_may_not_see_answers_404_on_every_url(world, name):
    user = world.users[name]

    named = walk(world, user, world.hidden, {"account", "contact", "document"})
    others = walk(world, user, world.hidden, {"listing", "prefill"})

    refused = {404} if user.is_staff_member else {403, 404}
    assert [(p.method, p.url, p.data, s) for p, s, _ in named if s not in refused] == []
    assert [p.url for p, _s, text in named + others if HIDDEN_NAME in text] == []


@pytest.mark.django_db
@pytest.mark.parametrize("name", sorted(SEES_HIDDEN_ACCOUNT))
def test_a_restricted_customer_opens_for_its_team_managers_and_administrators(world, name):
    client = client_for(world.users[name])
    hidden = world.hidden

    page = client.get(r("customers:account-detail", hidden.account.pk))
    document = client.get(r("api-v1:document-detail", hidden.document.pk))

    assert (page.status_code, document.status_code) == (200, 200)
    assert json.loads(document.content)["title"] == "Oferta na drukarki"
