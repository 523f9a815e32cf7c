"""The team's work for those who oversee it: its events, its tasks, and a week's summary per
person. A supervisor sees the teams they supervise, managers and administrators every team;
for anyone else these pages do not exist (404)."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from django import forms
from django.http import HttpResponse
from django.shortcuts import render
from django.urls import URLPattern, path
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET

from kartoteka.activities import supervision
from kartoteka.activities.models import EventType
from kartoteka.core.access import staff_member_required
from kartoteka.core.pagination import CappedPaginator
from kartoteka.people.access import StaffRequest
from kartoteka.people.models import Team, User

PAGE_SIZE = 50
# The lists start at the last month unless a range is asked for: years of a whole team's
# events cannot be ordered quickly, and the recent ones are what a supervisor checks.
DEFAULT_RANGE = timedelta(days=30)


def _date_input() -> forms.DateInput:
    return forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class TeamFilterForm(forms.Form):
    """Whose work, of which type, between which days (each optional); ``week`` any day of the
    summary's week."""

    team = forms.ModelChoiceField(label=_("Team"), queryset=Team.objects.none(), required=False)
    person = forms.ModelChoiceField(label=_("Person"), queryset=User.objects.none(), required=False)
    event_type = forms.ModelChoiceField(
        label=_("Type"), queryset=EventType.objects.all(), required=False
    )
    since = forms.DateField(label=_("From"), required=False, widget=_date_input())
    until = forms.DateField(label=_("To"), required=False, widget=_date_input())
    week = forms.DateField(label=_("Week of"), required=False, widget=_date_input())

    def __init__(self, *args: Any, teams: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.teams = teams
        self.fields["team"].queryset = teams  # type: ignore[attr-defined]
        self.fields["person"].queryset = supervision.overseen_people(teams)  # type: ignore[attr-defined]

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        since, until = cleaned.get("since"), cleaned.get("until")
        if since and until and since > until:
            self.add_error("until", _("The end of the range is before its start."))
        return cleaned

    def scope(self) -> supervision.Scope:
        data = self.cleaned_data
        return supervision.Scope(
            teams=self.teams,
            team=data.get("team"),
            person=data.get("person"),
            event_type=data.get("event_type"),
            since=data.get("since"),
            until=data.get("until"),
        )


def _filters(request: StaffRequest, *, recent_by_default: bool = False) -> TeamFilterForm:
    teams = supervision.overseen_teams_or_404(request.user)
    data = request.GET.copy()
    if recent_by_default and not data.get("since") and not data.get("until"):
        data["since"] = (timezone.localdate() - DEFAULT_RANGE).isoformat()
    return TeamFilterForm(data, teams=teams)


def _page(request: StaffRequest, tab: str, form: TeamFilterForm, rows: Any) -> HttpResponse:
    context = {
        "nav": "team",
        "tab": tab,
        "form": form,
        "page_obj": CappedPaginator(rows, PAGE_SIZE).get_page(request.GET.get("page")),
    }
    status = 200 if form.is_valid() else 400
    return render(request, "activities/team_list.html", context, status=status)


@staff_member_required
@require_GET
def team_events(request: StaffRequest) -> HttpResponse:
    form = _filters(request, recent_by_default=True)
    rows = supervision.team_events(request.user, form.scope()) if form.is_valid() else []
    return _page(request, "events", form, rows)


@staff_member_required
@require_GET
def team_tasks(request: StaffRequest) -> HttpResponse:
    form = _filters(request, recent_by_default=True)
    rows = supervision.team_tasks(request.user, form.scope()) if form.is_valid() else []
    return _page(request, "tasks", form, rows)


@staff_member_required
@require_GET
def team_summary(request: StaffRequest) -> HttpResponse:
    form = _filters(request)
    summary = None
    if form.is_valid():
        day: date = form.cleaned_data.get("week") or timezone.localdate()
        summary = supervision.week_summary(
            request.user, form.scope(), supervision.week_start(day), now=timezone.now()
        )
    context = {
        "nav": "team",
        "tab": "summary",
        "form": form,
        "summary": summary,
        # Administrators hand anyone's work over; a supervisor (not a manager) their team's.
        "can_hand_over": request.user.is_administrator or not request.user.sees_everything,
    }
    status = 200 if summary is not None else 400
    return render(request, "activities/team_summary.html", context, status=status)


urlpatterns: list[URLPattern] = [
    path("team/", team_events, name="team-events"),
    path("team/tasks/", team_tasks, name="team-tasks"),
    path("team/summary/", team_summary, name="team-summary"),
]
