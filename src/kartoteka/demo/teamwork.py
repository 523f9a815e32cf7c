"""The demo team working together: a workflow rule, followers, the stream and the bell.

The rest of the demo world is written as history (``demo_load`` holds happenings: three
hundred cases made in one go are nobody's news). This adds what a team that has used
Kartoteka for a while has: the customer service group's members, a rule that shares new
email cases out among them in turn and one that tells the manager about urgent mail, a
supervisor who follows every new case, and a few conversations in the stream (internal notes
with @mentions, a public comment, an assignment). These go through the services like any
user's work, so once the demo is committed the worker follows them up and their notifications
wait under the bell of the printed demo logins. Runs once: skipped when a workflow rule exists.
"""

from __future__ import annotations

from dataclasses import dataclass

from kartoteka.cases.models import Case, CaseGroup
from kartoteka.cases.services import case_note_add, case_update
from kartoteka.people.models import User
from kartoteka.workflows.models import Rule, RuleAction, RuleCondition
from kartoteka.workflows.services import rule_save

# (author, text, internal): the first posts of the most recent open cases, one case each.
POSTS = (
    (
        "marta",
        "@agent klient dzwonił drugi raz w tej sprawie — zadzwoń do niego dziś przed 15:00, "
        "proszę.",
        True,
    ),
    (
        "ola",
        "Sprawdziłam w magazynie: części będą w czwartek. @kierownik czy możemy dać rabat "
        "za opóźnienie?",
        True,
    ),
    (
        "agent",
        "Dziękujemy za cierpliwość — technik przyjedzie w czwartek między 9:00 a 12:00.",
        False,
    ),
)


@dataclass(frozen=True)
class TeamworkSummary:
    rules: int = 0
    posts: int = 0
    assigned: int = 0


ROUND_ROBIN_RULE = "Nowe zgłoszenia e-mailem: po kolei w obsłudze klienta"


def demo_teamwork() -> TeamworkSummary:
    """Add the team's shared work to the demo (once: its first rule marks it done; the demo's
    scheduled rule, written before it, is another story's)."""
    if Rule.objects.filter(name=ROUND_ROBIN_RULE).exists():
        return TeamworkSummary()
    people = {user.username: user for user in User.objects.filter(is_active=True)}
    group = CaseGroup.objects.filter(is_default=True).first()
    agents = [people[name] for name in ("agent", "marta", "ola") if name in people]
    if group is None or not agents:
        return TeamworkSummary()
    group.members.set(agents)
    rules = _rules(group, manager=people.get("kierownik"))
    if "marta" in people:  # the team's supervisor keeps an eye on everything new
        User.objects.filter(pk=people["marta"].pk).update(auto_follow_new_cases=True)
    cases = list(
        Case.objects.filter(
            status__closes_case=False, merged_into__isnull=True, account__isnull=False
        )
        .select_related("account")
        .order_by("-number")[: len(POSTS) + 1]
    )
    posts = 0
    for case, (author, text, internal) in zip(cases, POSTS, strict=False):
        if author in people:
            case_note_add(case=case, by=people[author], text=text, internal=internal)
            posts += 1
    assigned = 0
    if len(cases) > len(POSTS) and {"marta", "agent"} <= set(people):
        case_update(case=cases[len(POSTS)], by=people["marta"], data={"assignee": people["agent"]})
        assigned = 1
    return TeamworkSummary(rules=rules, posts=posts, assigned=assigned)


def _rules(group: CaseGroup, *, manager: User | None) -> int:
    rule_save(
        rule=None,
        by=None,
        name=ROUND_ROBIN_RULE,
        active=True,
        trigger=Rule.Trigger.CASE_CREATED,
        conditions=[
            {"field": RuleCondition.Field.CHANNEL, "value": Case.Channel.EMAIL},
            {"field": RuleCondition.Field.GROUP, "value": str(group.pk)},
        ],
        actions=[{"kind": RuleAction.Kind.ASSIGN_ROUND_ROBIN, "group": group}],
    )
    if manager is None:
        return 1
    rule_save(
        rule=None,
        by=None,
        name="Pilne wiadomości: powiadom kierownika",
        active=True,
        trigger=Rule.Trigger.MESSAGE_RECEIVED,
        conditions=[{"field": RuleCondition.Field.SUBJECT_CONTAINS, "value": "pilne"}],
        actions=[
            {
                "kind": RuleAction.Kind.NOTIFY,
                "users": [manager],
                "message": "Klient pisze, że sprawa jest pilna.",
            }
        ],
    )
    return 2
