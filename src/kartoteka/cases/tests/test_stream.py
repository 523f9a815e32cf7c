"""The case stream: internal notes and public comments, @mentions, and what never reaches
the customer's side."""

from __future__ import annotations

import pytest
from django.contrib.messages import get_messages
from django.urls import reverse

from kartoteka.cases import following, mentions, services
from kartoteka.cases.models import Case, CaseNote
from kartoteka.mail.sending import compose
from kartoteka.people.models import User
from kartoteka.testing.cases import make_case
from kartoteka.testing.clients import client_for
from kartoteka.testing.customers import AccountFactory, ContactFactory
from kartoteka.testing.mail.sending import add_message, make_inbound, make_mailbox
from kartoteka.testing.people import UserFactory
from kartoteka.testing.portal import portal_role

HTMX = {"HX-Request": "true"}
SECRET = "Klient zalega z płatnościami — nie mówić mu o rabacie"


def note_url(case: Case) -> str:
    return reverse("desk:case-note-add", args=[case.number])


def mentioned(note: CaseNote) -> list[str]:
    return sorted(note.mentioned.values_list("username", flat=True))


@pytest.fixture
def hidden_case(support_team) -> Case:
    """A case of a restricted Support account: the outsider (Sales) must not see it."""
    return make_case("Tajna sprawa", account=AccountFactory(restricted=True, team=support_team))


# Finding mentions


@pytest.mark.parametrize(
    ("text", "names"),
    [
        ("@jan zobacz", ["jan"]),
        ("Proszę @jan i @anna.nowak-2 o pomoc", ["jan", "anna.nowak-2"]),
        ("Zapytaj @jan.", ["jan"]),
        ("(@jan), cc:@anna", ["jan", "anna"]),
        ("linia\n@jan", ["jan"]),
        ("@jan@firma.pl", ["jan@firma.pl"]),
        ("@Jan i @jan", ["Jan"]),
        ("Napisz na jan@firma.pl", []),
        ("adres: biuro+faktury@firma.pl, @", []),
        ("email@@jan", []),
    ],
)
def test_mention_names_follow_the_token_rule(text, names):
    assert mentions.mention_names(text) == names


def test_a_note_belongs_to_its_cases_customer(agent):
    # given
    account = AccountFactory()
    case = make_case(account=account)
    # when
    note = services.case_note_add(case=case, by=agent, text="Do pliku klienta")
    # then: the customer file finds it by the customer
    assert CaseNote.objects.get(pk=note.pk).account_id == account.pk


def test_a_note_stores_the_active_case_workers_it_mentions(agent, supervisor, manager):
    # given
    case = make_case()

    # when
    note = services.case_note_add(
        case=case, by=agent, text="@supervisor i @Manager: proszę o decyzję. @nieznany też"
    )

    # then
    assert mentioned(note) == ["manager", "supervisor"]


def test_an_email_address_in_a_note_mentions_nobody(agent, supervisor):
    # given
    case = make_case()
    UserFactory(username="firma.pl", role=User.Role.AGENT, can_work_with_cases=True)

    # when
    note = services.case_note_add(case=case, by=agent, text="Klient: supervisor@firma.pl")

    # then
    assert mentioned(note) == []


def test_who_cannot_be_told_is_not_mentioned(agent, clerk, portal_user):
    # given
    case = make_case()
    UserFactory(username="dawny", role=User.Role.AGENT, can_work_with_cases=True, is_active=False)

    # when
    note = services.case_note_add(case=case, by=agent, text="@clerk @portal @dawny zobaczcie")

    # then
    assert mentioned(note) == []


def test_who_cannot_see_a_restricted_case_is_not_mentioned(agent, outsider, hidden_case):
    # when
    note = services.case_note_add(case=hidden_case, by=agent, text="@outsider @agent uwaga")

    # then
    assert mentioned(note) == ["agent"]


def test_an_exact_username_wins_over_one_differing_only_in_case(agent):
    # given
    case = make_case()
    UserFactory(username="Ola", role=User.Role.AGENT, can_work_with_cases=True)
    UserFactory(username="ola", role=User.Role.AGENT, can_work_with_cases=True)

    # when
    exact = services.case_note_add(case=case, by=agent, text="@ola")
    unclear = services.case_note_add(case=case, by=agent, text="@OLA")

    # then
    assert (mentioned(exact), mentioned(unclear)) == (["ola"], [])


# Posting


def test_the_form_posts_an_internal_note_by_default(agent):
    # given
    case = make_case()

    # when
    page = client_for(agent).get(case.get_absolute_url()).text
    response = client_for(agent).post(
        note_url(case), {"text": "Dzwonić po 15", "internal": ["false", "true"]}
    )

    # then
    assert (
        '<input type="hidden" name="internal" value="false"><input type="checkbox" '
        'name="internal" value="true" id="id_internal" checked>'
    ) in page
    assert "Internal note — never shown to the customer" in page
    note = CaseNote.objects.get()
    assert (note.text, note.internal) == ("Dzwonić po 15", True)
    assert response["Location"] == f"{case.get_absolute_url()}#note-{note.pk}"
    assert [str(m) for m in get_messages(response.wsgi_request)] == ["Internal note added."]


def test_an_unticked_lock_posts_a_public_comment(agent):
    # given
    case = make_case()

    # when
    response = client_for(agent).post(
        note_url(case), {"text": "Wysłaliśmy kuriera", "internal": "false"}
    )

    # then
    assert list(CaseNote.objects.values_list("text", "internal")) == [("Wysłaliśmy kuriera", False)]
    assert [str(m) for m in get_messages(response.wsgi_request)] == ["Comment added."]


def test_a_post_without_the_lock_stays_internal(agent):
    # given
    case = make_case()

    # when
    client_for(agent).post(note_url(case), {"text": "Stary formularz"})

    # then
    assert list(CaseNote.objects.values_list("internal", flat=True)) == [True]


def test_htmx_post_swaps_the_stream_with_the_new_comment_and_a_fresh_form(agent):
    # given
    case = make_case()

    # when
    response = client_for(agent).post(
        note_url(case), {"text": "Kurier jutro", "internal": "false"}, headers=HTMX
    )

    # then
    note = CaseNote.objects.get()
    text = response.text
    assert response.status_code == 200
    assert text.lstrip().startswith('<div id="notes" class="case-notes">')
    assert f'<article class="note-card" id="note-{note.pk}">' in text
    assert '<div class="note-post note-public">' in text
    assert "💬</span> Comment</span>" in text
    assert "<p>Kurier jutro</p>" in text
    assert 'name="internal" value="true" id="id_internal" checked>' in text


def test_htmx_empty_post_keeps_the_stream_and_the_chosen_lock_and_says_what_to_do(agent):
    # given
    case = make_case()
    earlier = services.case_note_add(case=case, by=agent, text="Wcześniejsza")

    # when
    response = client_for(agent).post(
        note_url(case), {"text": "  ", "internal": "false"}, headers=HTMX
    )

    # then
    text = response.text
    assert response.status_code == 200
    assert f'<article class="note-card" id="note-{earlier.pk}">' in text
    assert "This field is required." in text
    assert 'name="internal" value="true" id="id_internal">' in text  # still unticked
    assert CaseNote.objects.count() == 1


def test_a_too_long_note_says_the_limit_and_saves_nothing(agent):
    # given
    case = make_case()

    # when
    response = client_for(agent).post(
        note_url(case), {"text": "x" * (services.NOTE_MAX_LENGTH + 1)}
    )

    # then
    assert response.status_code == 400
    assert "Ensure this value has at most 20000 characters (it has 20001)." in response.text
    assert CaseNote.objects.count() == 0


def test_the_service_refuses_a_too_long_note(agent):
    # given
    case = make_case()

    # when
    with pytest.raises(services.ValidationError) as raised:
        services.case_note_add(case=case, by=agent, text="x" * (services.NOTE_MAX_LENGTH + 1))

    # then
    assert raised.value.message_dict == {
        "text": ["A note holds at most 20000 characters; attach a longer text as a file."]
    }
    assert CaseNote.objects.count() == 0


def test_outsider_gets_404_posting_to_a_hidden_case(outsider, hidden_case):
    # when
    response = client_for(outsider).post(
        note_url(hidden_case), {"text": "Hej", "internal": "false"}
    )

    # then
    assert response.status_code == 404
    assert CaseNote.objects.count() == 0


# Showing the stream


def test_internal_notes_and_comments_look_different(agent):
    # given
    case = make_case()
    internal = services.case_note_add(case=case, by=agent, text="Tylko dla nas")
    public = services.case_note_add(case=case, by=agent, text="Dla klienta", internal=False)

    # when
    text = client_for(agent).get(case.get_absolute_url()).text

    # then
    first = text[text.index(f'id="note-{internal.pk}"') : text.index(f'id="note-{public.pk}"')]
    second = text[text.index(f'id="note-{public.pk}"') :]
    assert '<div class="note-post note-internal">' in first
    assert "🔒</span> Internal note</span>" in first
    assert '<div class="note-post note-public">' in second
    assert "💬</span> Comment</span>" in second.split("</article>")[0]


def test_mentions_are_highlighted_and_everything_else_escaped(agent, supervisor):
    # given
    case = make_case()
    services.case_note_add(
        case=case,
        by=agent,
        text='<b onclick="x()">Uwaga</b> @supervisor & @nieznany\n\npisz: jan@firma.pl',
    )

    # when
    text = client_for(agent).get(case.get_absolute_url()).text

    # then
    assert (
        "<p>&lt;b onclick=&quot;x()&quot;&gt;Uwaga&lt;/b&gt; "
        '<span class="mention">@supervisor</span> &amp; @nieznany</p>\n\n'
        "<p>pisz: jan@firma.pl</p>"
    ) in text


def test_mentions_html_keeps_line_breaks_like_linebreaks():
    assert mentions.mentions_html("a\nb\n\n@jan <i>", {"jan"}) == (
        '<p>a<br>b</p>\n\n<p><span class="mention">@jan</span> &lt;i&gt;</p>'
    )


def test_the_tree_lists_a_comment_between_messages_in_time_order(agent):
    # given
    case = make_case()
    first = add_message(case, from_name="Jan", subject="Awaria")
    comment = services.case_note_add(case=case, by=agent, text="Kurier jutro", internal=False)
    second = add_message(case, from_name="Jan", subject="Dziękuję")

    # when
    text = client_for(agent).get(case.get_absolute_url()).text

    # then
    tree = text[text.index('class="card case-tree"') :]
    positions = [
        tree.index(f'href="#message-{first.pk}"'),
        tree.index(f'href="#note-{comment.pk}"'),
        tree.index(f'href="#message-{second.pk}"'),
    ]
    assert positions == sorted(positions)
    assert (
        '<li class="tree-item tree-comment">\n            \n            '
        f'<a href="#note-{comment.pk}" data-reveal><span class="tree-icon" aria-hidden="true">'
        "💬</span> Kurier jutro</a>"
    ) in tree


@pytest.mark.parametrize("posts", [1, 6])
def test_page_queries_do_not_grow_with_posts_mentions_and_followers(
    agent, supervisor, manager, posts, django_assert_num_queries
):
    # given
    case = make_case()
    for n in range(posts):
        services.case_note_add(
            case=case, by=agent, text=f"@supervisor @manager {n}", internal=n % 2 == 0
        )
        following.case_follow(case=case, user=UserFactory(can_work_with_cases=True))
    client = client_for(agent)
    client.get(case.get_absolute_url())

    # when / then: the page's fixed count for a case without emails or a customer, the
    # followers and the notes' mentions being one query; the activities card's events and tasks;
    # the mailbox the case's mail goes out from
    with django_assert_num_queries(23):
        response = client.get(case.get_absolute_url())
    assert response.text.count('<span class="mention">@supervisor</span>') == posts
    assert response.text.count('class="note-card"') == posts


# What the customer's side never gets


def test_a_portal_user_sees_only_public_notes_of_their_own_account(agent, portal_user):
    # given
    account = AccountFactory()
    # (a role that sees the company's cases: without one, only the contact's own cases)
    ContactFactory(account=account, portal_user=portal_user, portal_role=portal_role("Company"))
    case = make_case(account=account)
    services.case_note_add(case=case, by=agent, text=SECRET)
    public = services.case_note_add(case=case, by=agent, text="Kurier jutro", internal=False)
    other = make_case(account=AccountFactory())
    services.case_note_add(case=other, by=agent, text="Inny klient", internal=False)

    # when
    seen = list(CaseNote.objects.visible_to(portal_user))

    # then
    assert seen == [public]


def test_a_portal_user_of_another_account_sees_no_note(agent, portal_user):
    # given
    ContactFactory(account=AccountFactory(), portal_user=portal_user)
    case = make_case(account=AccountFactory())
    services.case_note_add(case=case, by=agent, text=SECRET)
    services.case_note_add(case=case, by=agent, text="Kurier jutro", internal=False)

    # when / then
    assert list(CaseNote.objects.visible_to(portal_user)) == []


def test_a_portal_user_without_a_contact_sees_no_note(agent, portal_user):
    # given
    case = make_case(account=AccountFactory())
    services.case_note_add(case=case, by=agent, text="Kurier jutro", internal=False)

    # when / then
    assert list(CaseNote.objects.visible_to(portal_user)) == []


@pytest.mark.parametrize("kind", [compose.Kind.REPLY, compose.Kind.REPLY_ALL, compose.Kind.FORWARD])
def test_a_reply_from_the_case_never_quotes_an_internal_note(agent, settings, tmp_path, kind):
    # given
    settings.DATA_DIR = tmp_path
    mailbox = make_mailbox()
    case = make_case()
    inbound = make_inbound(case, mailbox=mailbox, text="Kiedy dostanę rabat?")
    services.case_note_add(case=case, by=agent, text=SECRET)
    services.case_note_add(case=case, by=agent, text=f"@agent {SECRET}", internal=True)

    # when
    start = compose.composer_start(case=case, kind=kind, replying_to=inbound)
    page = client_for(agent).get(
        f"{reverse('mail:compose', args=[case.number])}?kind={kind}&message={inbound.pk}",
        headers=HTMX,
    )

    # then
    assert "Kiedy dostanę rabat?" in start.body
    assert SECRET not in start.body
    assert SECRET not in page.text
