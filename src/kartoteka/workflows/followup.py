"""Everything that follows a happening once it is committed.

``cases.happenings`` hands every reported happening to ``happening_reported`` (connected by
``WorkflowsConfig.ready``: cases stands below workflows and may not import it). When the
reporting transaction commits, the happening is enqueued as the task ``follow_happening``,
which runs ``happening_follow`` in the worker. Nothing is enqueued for a transaction that rolls
back, and nothing slows the writing request.

``happening_follow`` carries out, in this order (``steps``), each a function of
``(happening, case)``:

1. followers (``cases.following.followers_update``): auto-follow of new cases, the assignee
   and the authors follow;
2. workflow rules (``workflows.engine.rules_apply``), never for a change a rule made itself,
   so rules cannot loop;
3. in-app notifications of the followers and the mentioned, with their emails
   (``notifications.staff.staff_notify``);
4. notification emails to the customer's side, as the case's settings say
   (``notifications.notices.customer_notices_send``);
5. emails to the customer's portal users following the case about a public answer
   (``notifications.portal_notices.portal_notices_send``).

A failing step is logged and the later steps still run: a broken rule must not keep the
followers uninformed. What the steps themselves cause (a rule assigns the case) is reported
once the whole happening has been followed up, never in the middle of it, so the order of
the news is the same whether the tasks run in a worker or at once.
"""

from __future__ import annotations

import contextvars
import logging
from collections.abc import Callable
from typing import Any

from django.db import transaction
from django.tasks import task

from kartoteka.cases import following
from kartoteka.cases.happenings import Happening
from kartoteka.cases.models import Case
from kartoteka.notifications import notices, portal_notices, staff
from kartoteka.workflows import engine

logger = logging.getLogger(__name__)

type Step = Callable[[Happening, Case], None]

# While a happening is followed up: what its steps reported (and committed), to enqueue after.
_caused: contextvars.ContextVar[list[dict[str, Any]] | None] = contextvars.ContextVar(
    "happenings_caused", default=None
)


def steps() -> tuple[Step, ...]:
    """The follow-up's steps in their order (see the module's docstring)."""
    return (
        following.followers_update,
        engine.rules_apply,
        staff.staff_notify,
        notices.customer_notices_send,
        portal_notices.portal_notices_send,
    )


def happening_reported(happening: Happening) -> None:
    """Follow ``happening`` up after the reporting transaction commits; one reported while a
    follow-up runs waits until that follow-up is done."""
    data = happening.as_json()
    caused = _caused.get()
    if caused is not None:
        transaction.on_commit(lambda: caused.append(data))
    else:
        transaction.on_commit(lambda: follow_happening.enqueue(data))


@task
def follow_happening(happening: dict[str, Any]) -> None:
    """Followers, rules, notifications and notices for one happening (in the worker)."""
    happening_follow(Happening.from_json(happening))


def happening_follow(happening: Happening) -> None:
    """Carry out every step for one happening (see the module's docstring), then enqueue
    what the steps caused."""
    case = Case.objects.filter(pk=happening.case_id).select_related("account").first()
    if case is None:
        return  # deleted meanwhile: nobody is told about a case that is gone
    caused: list[dict[str, Any]] = []
    token = _caused.set(caused)
    try:
        for step in steps():
            try:
                step(happening, case)
            except Exception:
                logger.exception(
                    "%s failed for %s of case #%s", step.__name__, happening.kind, case.number
                )
    finally:
        _caused.reset(token)

    def enqueue_caused() -> None:
        for data in caused:
            follow_happening.enqueue(data)

    # After the steps' own commits have added to ``caused`` (at once in the worker, which runs
    # outside any transaction; in order inside a caller's transaction).
    transaction.on_commit(enqueue_caused)
