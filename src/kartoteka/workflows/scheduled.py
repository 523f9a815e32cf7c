"""Running scheduled rules: each occurrence once, however many workers look, and after a
downtime the last missed occurrence once (never a burst of all of them).

``scheduled_rules_run`` is the periodic job (``tasks.run_scheduled_rules``, every minute in
``server.schedule``). For each active scheduled rule it takes the last occurrence at or before
now (``schedule.occurrence_latest``); one after the moment the schedule was saved
(``Rule.schedule_from``) is claimed by creating its ``ScheduledRun`` row, unique per rule and
occurrence, so only one caller ever wins it. ``rule_run_now`` starts a run by hand.

A run is worked through in chunks (``run_work``): ``CHUNK`` customers' cases per transaction,
each transaction first moving the run's cursor with a conditional ``UPDATE`` (the one that
moves it does the chunk; anyone else stops), so a big segment never holds one long write
transaction, two workers never make one case twice, and an interrupted run resumes at the
next look where it stopped.
"""

from __future__ import annotations

import logging
from datetime import datetime
from typing import TYPE_CHECKING

from django.db import IntegrityError, transaction
from django.db.models import F, QuerySet
from django.utils import timezone
from django.utils.translation import ngettext

from kartoteka.customers.models import Account
from kartoteka.workflows.creating import case_from_action
from kartoteka.workflows.models import Rule, RuleAction, ScheduledRun
from kartoteka.workflows.schedule import occurrence_latest

if TYPE_CHECKING:
    from kartoteka.people.models import User

logger = logging.getLogger(__name__)

CHUNK = 25
RUNS_KEPT = 100


def _create_actions(rule: Rule) -> list[RuleAction]:
    return list(
        rule.actions.filter(kind=RuleAction.Kind.CREATE_CASE)
        .select_related("group", "mailbox", "case_assignee", "account", "segment")
        .order_by("position", "pk")
    )


def _targets(action: RuleAction) -> QuerySet[Account]:
    """The customers the action makes a case for, by primary key."""
    if action.segment_id is not None:
        return Account.objects.filter(segments=action.segment_id).order_by("pk")
    if action.account_id is not None:
        return Account.objects.filter(pk=action.account_id)
    return Account.objects.none()


def _claim(rule: Rule, occurrence: datetime, *, by: User | None = None) -> ScheduledRun | None:
    try:
        with transaction.atomic():
            return ScheduledRun.objects.create(
                rule=rule, occurrence=occurrence, by_hand=by is not None, started_by=by
            )
    except IntegrityError:
        return None  # another worker (or an earlier look) has it


def run_work(run: ScheduledRun) -> ScheduledRun:
    """Work the run to its end, chunk by chunk (see the module's docstring). A customer whose
    case cannot be made (logged) is counted as failed and passed over."""
    rule = run.rule
    actions = _create_actions(rule)
    while True:
        current = ScheduledRun.objects.filter(pk=run.pk, finished_at__isnull=True).first()
        if current is None:
            break
        if current.step >= len(actions):
            _finish(current, rule)
            break
        action = actions[current.step]
        accounts = list(_targets(action).filter(pk__gt=current.cursor)[:CHUNK])
        moved = {"cursor": accounts[-1].pk} if accounts else {"step": current.step + 1, "cursor": 0}
        with transaction.atomic():
            if not _chunk_claim(current, **moved):
                continue  # another worker took this chunk: read where the run stands now
            created = failed = 0
            for account in accounts:
                try:
                    with transaction.atomic():
                        case_from_action(action=action, account=account, rule=rule)
                except Exception:
                    logger.exception(
                        "scheduled rule %s: no case for customer %s", rule.pk, account.pk
                    )
                    failed += 1
                else:
                    created += 1
            if created or failed:
                ScheduledRun.objects.filter(pk=run.pk).update(
                    created=F("created") + created, failed=F("failed") + failed
                )
    run.refresh_from_db()
    return run


def _chunk_claim(run: ScheduledRun, **moved: int) -> bool:
    """Move the run from where ``run`` says it stands to ``moved``; whether this caller did
    (the conditional UPDATE also takes the row's write lock until the chunk commits)."""
    stands = ScheduledRun.objects.filter(
        pk=run.pk, step=run.step, cursor=run.cursor, finished_at__isnull=True
    )
    return stands.update(**moved) == 1


def _finish(run: ScheduledRun, rule: Rule) -> None:
    text = ngettext("%(count)d case created.", "%(count)d cases created.", run.created) % {
        "count": run.created
    }
    if run.failed:
        text += " " + ngettext(
            "%(count)d customer failed; see the log.",
            "%(count)d customers failed; see the log.",
            run.failed,
        ) % {"count": run.failed}
    done = ScheduledRun.objects.filter(pk=run.pk, finished_at__isnull=True).update(
        finished_at=timezone.now(), outcome=text
    )
    if done:
        logger.info("scheduled rule %s (%s): %s", rule.pk, rule.name, text)
        stale = list(
            ScheduledRun.objects.filter(rule=rule, finished_at__isnull=False)
            .order_by("-started_at", "-pk")
            .values_list("pk", flat=True)[RUNS_KEPT : RUNS_KEPT + 100]
        )
        if stale:
            ScheduledRun.objects.filter(pk__in=stale).delete()


def scheduled_rules_run(*, now: datetime | None = None) -> list[ScheduledRun]:
    """The periodic job: claim each active scheduled rule's due occurrence, then work every
    unfinished run (those just claimed and any interrupted before). Returns the runs worked."""
    now = now or timezone.now()
    rules = Rule.objects.filter(active=True, trigger=Rule.Trigger.SCHEDULED)
    for rule in rules:
        occurrence = occurrence_latest(rule, now)
        if occurrence is None or rule.schedule_from is None or occurrence <= rule.schedule_from:
            continue
        if not ScheduledRun.objects.filter(rule=rule, occurrence=occurrence).exists():
            _claim(rule, occurrence)
    unfinished = ScheduledRun.objects.filter(finished_at__isnull=True).select_related("rule")
    return [run_work(run) for run in unfinished.order_by("started_at", "pk")]


def rule_run_now(*, rule: Rule, by: User) -> ScheduledRun | None:
    """Start a run of ``rule`` by hand (an administrator's "Run now"); ``None`` when one
    started this same second already. The work is the caller's to start
    (``tasks.work_scheduled_run`` after commit)."""
    now = timezone.now().replace(microsecond=0)
    return _claim(rule, now, by=by)
