"""Reads of web forms: the administrator's list, one form, its log."""

from __future__ import annotations

from django.db.models import Count, Max, Q, QuerySet
from django.http import Http404

from kartoteka.people.models import User
from kartoteka.webforms.models import WebForm, WebFormSubmission

LOG_SHOWN = 200


def webform_list(*, user: User) -> QuerySet[WebForm]:
    """The forms with their accepted submissions counted and the last one's time."""
    accepted = Q(submissions__outcome=WebFormSubmission.Outcome.ACCEPTED)
    return (
        WebForm.objects.visible_to(user)
        .annotate(accepted=Count("submissions", filter=accepted))
        .annotate(last_accepted=Max("submissions__created_at", filter=accepted))
        .order_by("name")
    )


def webform_get_for_user(user: User, pk: int) -> WebForm:
    """The form, or 404 for a form that does not exist or that the user may not see."""
    form = WebForm.objects.visible_to(user).filter(pk=pk).first()
    if form is None:
        raise Http404
    return form


def submission_log(form: WebForm) -> QuerySet[WebFormSubmission]:
    """The newest ``LOG_SHOWN`` rows of the form's log, with their cases."""
    return form.submissions.select_related("case").order_by("-created_at", "-pk")[:LOG_SHOWN]
