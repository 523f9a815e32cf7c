"""Every page of the product reads in Polish and in Czech: no English word, no raw value.

The test crawls the product as its users do, in each language: an administrator from the
home page, every route that needs no argument and a few seeded pages (imports, a merge), a
portal user from the portal, a visitor from the sign-in, registration, password reset, help
and web-form pages. It follows every same-site link and htmx ``hx-get`` (two URLs per
route, so lists, filters, pagination, case pages, history and print views are all seen) over
the demo world, and posts each creation form empty to see its errors.

Each page's visible text (text nodes outside scripts, code and elements marked
``translate="no"`` or in another ``lang``; the ``title``, ``placeholder``, ``aria-label``,
``alt`` attributes, submit buttons' values, and the texts scripts show from ``data-confirm``,
``data-picker-empty``...) is checked for:

- a message of the catalogue shown verbatim where it has a translation (an untranslated
  string, e.g. "- Select an option -" of Django);
- a stored value of a model's choices shown raw ("Kanał: user");
- a word that is English and cannot be Polish, Czech or a product name ("the", "select",
  "none"...), unless the text is customer data (found as such in the database).

A failure lists each offending text with the pages it is on, per language. A route that no
page links to (nor names as a form's action) and no seed reaches is reported too: a new page
must be reachable, seeded in ``_seed_staff``, or listed in ``NOT_PAGES``, ``ACTIONS`` or
``SECRET_LINKS`` with the reason, so that it is checked. Run time: about 40 s of CPU.
"""

from __future__ import annotations

import re
import zoneinfo
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path
from typing import Any
from urllib.parse import urljoin, urlsplit

import django
import polib
import pytest
from django.apps import apps
from django.conf import settings
from django.db import models, transaction
from django.test import Client, TestCase, override_settings
from django.urls import NoReverseMatch, Resolver404, get_resolver, resolve, reverse
from django.urls.resolvers import URLPattern, URLResolver
from django.utils import translation

from kartoteka.cases.models import Case
from kartoteka.people.models import User
from kartoteka.testing.people import persona

pytestmark = pytest.mark.django_db

LANGUAGES = ("pl", "cs")
PACKAGE = Path(__file__).resolve().parents[2]

# Routes that are not pages to read: files, feeds, POST-only actions reached by forms (those
# are found as form actions and need no entry here), redirects.
NOT_PAGES = {
    "logout": "signs out",
    "portal:logout": "signs out",
    "set_language": "POST only",
    "healthz": "a probe for machines",
    "activities:feed": "an iCalendar feed",
    "imports:template": "a CSV file",
    "imports:sample": "a CSV file",
    "imports:progress-json": "JSON for the progress bar",
    "cases:case-export": "a CSV file",
    "cases:case-attachment-download": "a file",
    "mail:attachment-download": "a file",
    "mail:attachment-inline": "a file",
    "kb:attachment": "a file",
    "kb-public:attachment": "a file",
    "portal:case-file": "a file",
    "portal:case-mail-file": "a file",
    "portal:case-mail-file-inline": "a file",
    "api-docs": "the API's reference, for programmers",
    "api-schema": "the API's OpenAPI schema",
}
# Actions (POST only, no page of their own) whose buttons the demo world does not show
# (a task to snooze, a locked-out user, a failed reply...): their outcome is a message or a
# page checked elsewhere.
ACTIONS = {
    "activities:task-snooze",
    "activities:task-reschedule",
    "customers:contact-email-clear-undeliverable",
    "desk:case-attachment-share",
    "desk:case-unfollow",
    "kb:article-restore",
    "kb:attachment-delete",
    "kb:case-link",
    "kb:case-unlink",
    "mail:mailbox-fetch",
    "mail:message-not-in-case",
    "mail:message-reprocess",
    "mail:outbox-cancel",
    "mail:outbox-retry",
    "mail:triage-remember",
    "notifications:read",
    "people:user-two-factor-reset",
    "people:user-unlock",
    "portal:case-reopen",
    "mail:draft-discard",
    "mail:triage-append",
    "mail:triage-case-create",
    "imports:contacts-action",
}
# Pages reached only by a secret link from an email; their own tests render them.
SECRET_LINKS = {
    "notifications:unsubscribe",
    "portal:invitation",
    "portal:registration-confirm",
}
# Namespaces of machine interfaces: checked by their own tests.
NOT_PAGE_NAMESPACES = ("api-v1:", "api:", "djdt:")
URLS_PER_ROUTE = 2
# URL path prefixes never followed: machine interfaces and files.
NEVER_FOLLOW = ("/api/", "/static/", "/media/", "/logout/", "/portal/logout/")

# English words that are neither Polish nor Czech nor a product's or a standard's name.
ENGLISH_WORDS = frozenset(
    re.findall(
        r"\S+",
        """
    the and of is are were been being this that these those with without from your you
    our they their its has have had will would should could cannot can't don't isn't
    which who whom what where when there here into about after before than then also
    only any some such other more less please
    select option options none empty null undefined nan true false yes
    user users email emails mailbox mailboxes customer customers contact contacts account
    accounts case cases new open opened closed close save saved cancel delete deleted edit
    add remove search filter filters clear next previous page show hide today yesterday
    tomorrow ago minute minutes hour hours day days week weeks month months year years
    date time name subject message messages reply replies note notes send sent draft drafts
    inbox triage settings unknown default required field this enter valid invalid error
    errors warning choose file files upload download print history channel created updated
    changed for at in sign password passwords attachment attachments assignee reporter
    group category type team teams task tasks event events document
    documents invoice order offer call meeting form forms rule rules unread read
    following follow unfollow followers welcome hello dear regards thanks thank
    """,
    )
)
WORD = re.compile(r"[^\W\d_]+(?:'[^\W\d_]+)?")
SPACE = re.compile(r"\s+")
# Raw choice values that are also ordinary words of a page (codes and names, the same in
# every language).
NEUTRAL_VALUES = frozenset(
    re.findall(
        r"\S+",
        """
    pl cs en imap pop3 smtp ssl tls starttls none pipe csv pdf html text plain utf-8
    cp1250 api ok url json ics xlsx agent priority
    """,
    )
)
# Parts of a text that are not words of its language: placeholders ({case_number}),
# addresses and paths, mentions (@agent), codes in capitals (OF/2026/11/0161, TOTAL_FORMS).
NOT_WORDS = re.compile(
    r"\{[^}]*\}|\b\w+://\S+|(?<!\w)/\S*|\S+@\S+|@\w+|\b[A-Z][A-Z0-9_]+\b"
    r"|\b[A-Z]\w*(?:-[A-Z]\w*)+"  # header names: X-Form-Secret
)
BLANK_DASHES = re.compile(r"-{5,}")
# Time zones are shown by their names in the IANA database (America/Port of Spain).
TIME_ZONES = frozenset(zone.replace("_", " ") for zone in zoneinfo.available_timezones())
DECORATION = " →←·•›‹:;,.…*()-–—"


# Reading a page.


@dataclass
class Page:
    url: str
    language: str
    texts: list[str] = field(default_factory=list)
    links: list[str] = field(default_factory=list)
    actions: list[str] = field(default_factory=list)


class _Reader(HTMLParser):
    """The visible texts of an HTML page, its links and its forms' actions."""

    SKIPPED = frozenset({"script", "style", "code", "pre", "kbd", "samp", "textarea"})
    # Attributes read by people, and those whose text a script shows (a confirmation, a
    # picker's "nothing found"...).
    SHOWN_ATTRIBUTES = ("title", "placeholder", "aria-label", "alt", "hx-confirm", "hx-prompt")
    SCRIPT_TEXT = re.compile(
        r"data-(?:[a-z-]+-)?(?:confirm|prompt|empty|failed|found|remove|inserted|no-composer|label|message)"
    )

    def __init__(self, page: Page) -> None:
        super().__init__(convert_charrefs=True)
        self.page = page
        self.skipping: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = {name: value or "" for name, value in attrs}
        other_language = values.get("lang", self.page.language)[:2] != self.page.language
        hidden = tag in self.SKIPPED or values.get("translate") == "no" or other_language
        if hidden and tag not in ("input", "br", "img"):
            self.skipping.append(tag)
        if tag == "a" and values.get("href"):
            self.page.links.append(values["href"])
        if values.get("hx-get"):
            self.page.links.append(values["hx-get"])
        for name in ("hx-post", "hx-put", "hx-delete", "formaction"):
            if values.get(name):
                self.page.actions.append(values[name])
        if tag == "form":
            method = values.get("method", "get").lower()
            action = values.get("action") or self.page.url
            (self.page.actions if method == "post" else self.page.links).append(action)
        if self.skipping:
            return
        for name, value in values.items():
            if value and (name in self.SHOWN_ATTRIBUTES or self.SCRIPT_TEXT.fullmatch(name)):
                self.page.texts.append(value)
        button = tag == "input" and values.get("type") in ("submit", "button", "reset")
        if button and values.get("value"):
            self.page.texts.append(values["value"])

    def handle_endtag(self, tag: str) -> None:
        if self.skipping and self.skipping[-1] == tag:
            self.skipping.pop()

    def handle_data(self, data: str) -> None:
        if not self.skipping and data.strip():
            self.page.texts.append(data)


def read_page(url: str, language: str, html: str) -> Page:
    page = Page(url=url, language=language)
    _Reader(page).feed(html)
    page.texts = [SPACE.sub(" ", text).strip() for text in page.texts]
    return page


# What counts as English.


@dataclass
class Vocabulary:
    """The texts that betray an untranslated page in one language."""

    messages: frozenset[str]  # catalogue messages whose translation differs
    raw_values: frozenset[str]  # stored values of choices
    customer_data: str  # every stored text of customers' and users' data, one per line

    def offences(self, text: str) -> list[str]:
        bare = text.strip(DECORATION)
        if text in self.messages or bare in self.messages:
            return [f"untranslated message {bare!r}"]
        if BLANK_DASHES.fullmatch(text):
            return ["Django's blank choice ---------"]
        if bare in TIME_ZONES:
            return []
        words = WORD.findall(NOT_WORDS.sub(" ", text))
        raw = [w for w in words if w in self.raw_values]
        english = [w for w in words if w.lower() in ENGLISH_WORDS]
        if not raw and not english:
            return []
        if self.is_customer_data(text, raw + english):
            return []
        found = []
        if raw:
            found.append(f"raw choice value {', '.join(sorted(set(raw)))!r}")
        if english:
            found.append(f"English {', '.join(sorted(set(english)))!r}")
        return found

    def is_customer_data(self, text: str, words: list[str]) -> bool:
        """Whether each of ``words`` stands in ``text`` inside stored data: the word with a
        dozen characters around it is found in a stored value, or a short text is a whole
        stored value. A bare "Open" is not excused by somebody's "Open invoices", nor the
        product's "Edit: Phone call" by a stored "Phone call"."""
        for piece in {p.strip(DECORATION) for p in re.split(r" [→·›] ", text)} | {text}:
            if f"\n{piece}\n" in self.customer_data:
                words = [w for w in words if w not in WORD.findall(piece)]
        for word in words:
            for match in re.finditer(rf"\b{re.escape(word)}\b", text):
                window = text[max(0, match.start() - 12) : match.end() + 12]
                if len(window) < len(word) + 16 or window not in self.customer_data:
                    return False
        return True


def catalogue_messages(language: str) -> frozenset[str]:
    """Messages (English) of ours and of Django whose translation in ``language`` differs:
    seen verbatim on a page of that language, they were not translated."""
    ours = polib.pofile(str(PACKAGE / "locale" / language / "LC_MESSAGES" / "django.po"))
    found = set()
    words_of_language = set()  # "Login" is a Polish word too: the translation of "login"
    for entry in ours:
        translated = entry.msgstr or (entry.msgstr_plural or {}).get(0, "")
        words_of_language.update((translated.lower(), translated.strip(DECORATION).lower()))
        if entry.msgid and translated and translated != entry.msgid and not entry.obsolete:
            found.add(entry.msgid)
    django_en = Path(django.__file__).parent / "conf/locale/en/LC_MESSAGES/django.po"
    for entry in polib.pofile(str(django_en)):
        if len(entry.msgid) > 3 and " " in entry.msgid and "%" not in entry.msgid:
            found.add(entry.msgid)  # Django's own messages are English sentences
    return frozenset(
        m for m in found if WORD.search(m) and "%(" not in m and m.lower() not in words_of_language
    )


def raw_choice_values() -> frozenset[str]:
    """Stored values of every model's choices that are words (not the same in a label)."""
    values = set()
    for model in apps.get_models():
        for model_field in model._meta.get_fields():
            choices = getattr(model_field, "flatchoices", None) or []
            for value, label in choices:
                if isinstance(value, str) and value and str(label) != value:
                    values.add(value)
    words = {v for v in values if WORD.fullmatch(v) or "_" in v}
    return frozenset(v for v in words if v.lower() not in NEUTRAL_VALUES and len(v) > 2)


# Data kept as typed by the people of the demo (customers, users): English there is theirs.
# The lists an installation starts with (case statuses, priorities...) are the product's:
# they are shown in the reader's language and so are not excused.
PRODUCT_LISTS = {
    "cases.Status",
    "cases.Priority",
    "cases.CaseType",
    "cases.Category",
    "cases.CaseGroup",
}


def customer_data() -> str:
    """Every stored text of the database but the product's own lists, one per line."""
    chunks: list[str] = []
    for model in apps.get_models():
        product = model._meta.label in PRODUCT_LISTS or model._meta.label.startswith(
            "cases.Historical"
        )
        if product or not model.__module__.startswith("kartoteka."):
            continue
        text_fields = [
            f.attname
            for f in model._meta.concrete_fields
            if isinstance(f, (models.CharField, models.TextField)) and not f.choices
        ]
        if not text_fields:
            continue
        for row in model._default_manager.values_list(*text_fields).iterator():
            chunks.extend(SPACE.sub(" ", value) for value in row if value)
    return "\n" + "\n".join(chunks) + "\n"


# Crawling.


def _routes(patterns: list[Any], namespace: str = "") -> Iterator[str]:
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            inner = f"{namespace}{pattern.namespace}:" if pattern.namespace else namespace
            yield from _routes(pattern.url_patterns, inner)
        elif isinstance(pattern, URLPattern) and pattern.name:
            yield f"{namespace}{pattern.name}"


def page_routes() -> set[str]:
    return {
        name
        for name in _routes(get_resolver().url_patterns)
        if name not in NOT_PAGES
        and name not in ACTIONS | SECRET_LINKS
        and not name.startswith(NOT_PAGE_NAMESPACES)
        and not name.split(":")[0].endswith("-api")
    }


def route_of(url: str) -> str | None:
    try:
        match = resolve(urlsplit(url).path)
    except Resolver404:
        return None
    return match.view_name


@dataclass
class Crawl:
    pages: list[Page] = field(default_factory=list)
    routes_seen: set[str] = field(default_factory=set)
    failures: list[str] = field(default_factory=list)


def crawl(client: Client, language: str, starts: list[str], crawl_result: Crawl) -> None:
    """Read every page reachable from ``starts`` by links, a few URLs per route."""
    queue = list(starts)
    visited: set[str] = set()
    per_route: dict[str, int] = defaultdict(int)
    while queue:
        url = queue.pop(0)
        parts = urlsplit(url)
        if parts.netloc not in ("", "testserver") or parts.path.startswith(NEVER_FOLLOW):
            continue
        url = parts.path + (f"?{parts.query}" if parts.query else "")
        route = route_of(url)
        if route is None or url in visited or route in NOT_PAGES:
            continue
        if per_route[route] >= URLS_PER_ROUTE:
            continue
        visited.add(url)
        per_route[route] += 1
        response = client.get(url)
        crawl_result.routes_seen.add(route)
        if response.status_code >= 500:
            crawl_result.failures.append(f"{language} {url}: status {response.status_code}")
        if response.status_code in (301, 302, 303):
            queue.append(urljoin(url, response["Location"]))
            continue
        if response.status_code != 200 or "html" not in response.get("Content-Type", ""):
            continue
        page = read_page(url, language, response.content.decode())
        crawl_result.pages.append(page)
        for target in page.actions:
            target_route = route_of(urljoin(url, target))
            if target_route:
                crawl_result.routes_seen.add(target_route)
        queue.extend(urljoin(url, link) for link in page.links if not link.startswith("#"))


def post_forms_empty(client: Client, language: str, crawl_result: Crawl) -> None:
    """Post each creation form seen empty: its page comes back with the errors shown."""
    creation = [
        page.url
        for page in list(crawl_result.pages)
        if page.language == language
        and (route_of(page.url) or "").endswith(("create", "-new", ":registration"))
    ]
    for url in dict.fromkeys(creation):
        response = client.post(url, {})
        if response.status_code == 200 and "html" in response.get("Content-Type", ""):
            crawl_result.pages.append(
                read_page(f"{url} (posted empty)", language, response.content.decode())
            )


def argumentless_urls() -> list[str]:
    urls = []
    for name in sorted(page_routes()):
        try:
            urls.append(reverse(name))
        except NoReverseMatch:
            continue
    return urls


# The world and the checks.


@dataclass
class World:
    admin: User
    portal: User
    starts_staff: list[str]
    starts_public: list[str]


CONTACTS = ["Imię", "Nazwisko", "NIP"]


def _seed_imports(admin: User) -> list[str]:
    """Two imports of customers: one checked (a new row, a duplicate of a stored NIP and a
    row with errors) for the review pages, one imported for its result."""
    from kartoteka.customers.models import Account
    from kartoteka.imports import services
    from kartoteka.imports.tests.helpers import checked_import, csv_bytes, upload

    stored = Account.objects.exclude(nip="").order_by("pk").first()
    rows = [
        ["Piekarnia Kłos", "", "", "Łódź", "", "biuro@klos.example", "Jan", "Kłos"],
        ["Kopia", stored.nip if stored else "", "", "Gdańsk", "", "", "", ""],
        ["", "123", "1", "", "+48 abc", "nie-adres", "", ""],
    ]
    review = checked_import(admin, csv_bytes(rows))
    contacts = csv_bytes([["Anna", "Kłos", stored.nip if stored else ""]], headers=CONTACTS)
    services.contacts_upload(batch=review, by=admin, upload=upload(contacts, "kontakty.csv"))
    done = checked_import(admin, csv_bytes(rows[:1]))
    with TestCase.captureOnCommitCallbacks(execute=True):
        services.import_start(batch=done, by=admin)
    return [
        reverse("imports:detail", args=[review.pk]),
        reverse("imports:contacts-mapping", args=[review.pk]),
        reverse("imports:progress", args=[done.pk]),
        reverse("imports:detail", args=[done.pk]),
    ]


def _seed_staff() -> list[str]:
    """Pages the demo world links to only in states it does not have."""
    from kartoteka.customers.models import Account
    from kartoteka.desk.work import SECTIONS

    first, second = Account.objects.order_by("pk")[:2]
    case = Case.objects.order_by("pk").first()
    return [
        reverse("customers:account-merge-confirm", args=[first.pk, second.pk]),
        reverse("desk:my-work-section", args=[SECTIONS[0]]),
        *([reverse("mail:triage-case-messages", args=[case.number])] if case else []),
    ]


def _seed_public(portal: User) -> list[str]:
    """The visitor's pages: sign-in, registration, password reset (with a valid link), help
    and a web form with its thanks page."""
    from django.contrib.auth.tokens import default_token_generator
    from django.utils.encoding import force_bytes
    from django.utils.http import urlsafe_base64_encode

    from kartoteka.webforms.models import WebForm

    forms = [
        reverse(name, args=[form.key])
        for form in WebForm.objects.all()[:1]
        for name in ("webforms:public", "webforms:thanks")
    ]
    reset = reverse(
        "portal:password-reset-confirm",
        args=[
            urlsafe_base64_encode(force_bytes(portal.pk)),
            default_token_generator.make_token(portal),
        ],
    )
    return [
        reverse("login"),
        reverse("portal:login"),
        reverse("portal:registration"),
        reverse("portal:password-reset"),
        reset,
        reverse("kb-public:home"),
        *forms,
    ]


@pytest.fixture(scope="module")
def world(
    django_db_setup: None, django_db_blocker: Any, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[World]:
    """The demo world (small), built once and rolled back after the module.

    Written as a Polish installation writes it: what the product stores as text when it
    happens (a web form's summary in a case's description, an import's row errors) is data
    in the installation's language from then on, not a page's words."""
    from kartoteka.demo.services import demo_load

    media = tmp_path_factory.mktemp("media")
    with (
        django_db_blocker.unblock(),
        override_settings(MEDIA_ROOT=str(media)),
        transaction.atomic(),
    ):
        with translation.override("pl"):
            demo_load(accounts=12, contacts=24, cases=16)
            admin = User.objects.get(username="admin")
            portal = (
                User.objects.filter(role=User.Role.PORTAL, is_active=True)
                .filter(portal_contact__portal_role__sees_company_cases=True)
                .order_by("pk")
                .first()
            ) or persona("portal_user")
            world = World(
                admin=admin,
                portal=portal,
                starts_staff=["/", *argumentless_urls(), *_seed_imports(admin), *_seed_staff()],
                starts_public=_seed_public(portal),
            )
        yield world
        transaction.set_rollback(True)


@pytest.fixture(scope="module")
def crawled(world: World, django_db_blocker: Any) -> Crawl:
    result = Crawl()
    with django_db_blocker.unblock():
        for language in LANGUAGES:
            for user, starts in (
                (world.admin, world.starts_staff),
                (world.portal, [reverse("portal:home")]),
            ):
                user.language = language
                user.save(update_fields=["language"])
                client = Client(raise_request_exception=False)
                client.force_login(user)
                crawl(client, language, starts, result)
                post_forms_empty(client, language, result)
            visitor = Client(raise_request_exception=False)
            visitor.cookies[settings.LANGUAGE_COOKIE_NAME] = language
            crawl(visitor, language, world.starts_public, result)
    translation.deactivate()
    return result


@pytest.fixture(scope="module")
def vocabularies(world: World, django_db_blocker: Any) -> dict[str, Vocabulary]:
    with django_db_blocker.unblock():
        data = customer_data()
    raw = raw_choice_values()
    return {language: Vocabulary(catalogue_messages(language), raw, data) for language in LANGUAGES}


def test_no_page_fails(crawled: Crawl) -> None:
    assert crawled.failures == []


def test_every_page_is_read(crawled: Crawl) -> None:
    """A route no link or form reaches is not checked: link it, seed it, or list it in
    ``NOT_PAGES`` with the reason."""
    unread = sorted(page_routes() - crawled.routes_seen)
    assert unread == [], "Routes no page links to: " + ", ".join(unread)


@pytest.mark.parametrize("language", LANGUAGES)
def test_pages_have_no_english_and_no_raw_values(
    crawled: Crawl, vocabularies: dict[str, Vocabulary], language: str
) -> None:
    vocabulary = vocabularies[language]
    found: dict[str, set[str]] = defaultdict(set)  # offence -> pages
    for page in crawled.pages:
        if page.language != language:
            continue
        for text in page.texts:
            for offence in vocabulary.offences(text):
                found[f"{offence} in {text[:120]!r}"].add(page.url)
    report = [
        f"{offence}\n    on {len(urls)} page(s), e.g. {', '.join(sorted(urls)[:3])}"
        for offence, urls in sorted(found.items())
    ]
    assert not report, f"{len(report)} English text(s) on {language} pages:\n" + "\n".join(report)
