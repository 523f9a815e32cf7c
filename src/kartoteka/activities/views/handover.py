"""Handing a leaving user's work to a successor (from the user's administration page), and the
history of hand-overs. For those who may not hand the user over (neither an administrator nor
the supervisor of the user's team) the pages do not exist (404)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import fields as model_fields
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import URLPattern, path
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods

from kartoteka.activities import handover
from kartoteka.core.access import staff_member_required
from kartoteka.core.pagination import CappedPaginator
from kartoteka.people.access import StaffRequest
from kartoteka.people.models import User

PAGE_SIZE = 50


class HandoverForm(forms.Form):
    """The successor: any user may be named (the service says why one cannot take over), the
    list offers the active staff other than the predecessor."""

    successor = forms.ModelChoiceField(label=gettext_lazy("Successor"), queryset=User.objects.all())

    def __init__(self, *args: Any, predecessor: User, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        candidates = (
            User.objects.filter(is_active=True)
            .exclude(role=User.Role.PORTAL)
            .exclude(pk=predecessor.pk)
            .order_by("last_name", "first_name", "username")
        )
        field = self.fields["successor"]
        field.widget.choices = [
            ("", model_fields.BLANK_CHOICE_LABEL),
            *((user.pk, str(user)) for user in candidates),
        ]

    @property
    def status(self) -> int:
        return 400 if self.is_bound and self.errors else 200


def _predecessor(request: StaffRequest, pk: int) -> User:
    user = User.objects.select_related("team", "successor").filter(pk=pk).first()
    # A portal user has no work to hand over; a deactivated one may well have.
    if user is None or (user.role == User.Role.PORTAL and not user.is_superuser):
        raise Http404
    if not handover.handover_may(request.user, user):
        raise Http404
    return user


@staff_member_required
@require_http_methods(["GET", "POST"])
def handover_page(request: StaffRequest, pk: int) -> HttpResponse:
    predecessor = _predecessor(request, pk)
    form = HandoverForm(request.POST if request.method == "POST" else None, predecessor=predecessor)
    if form.is_valid():
        try:
            done = handover.handover_do(
                by=request.user, predecessor=predecessor, successor=form.cleaned_data["successor"]
            )
        except ValidationError as error:
            for messages_of_field in error.message_dict.values():
                form.add_error("successor", messages_of_field)
        else:
            messages.success(
                request,
                _(
                    "%(predecessor)s's work went to %(successor)s. Customers: %(accounts)d, "
                    "open tasks: %(tasks)d, open threads: %(threads)d."
                )
                % {
                    "predecessor": done.predecessor,
                    "successor": done.successor,
                    "accounts": done.accounts_moved,
                    "tasks": done.tasks_moved,
                    "threads": done.threads_moved,
                },
            )
            return redirect("activities:handover-list")
    context = {
        "nav": "users",
        "predecessor": predecessor,
        "form": form,
        "preview": handover.handover_preview(predecessor),
        "history": handover.handover_history(request.user).filter(predecessor=predecessor),
    }
    return render(request, "activities/handover_form.html", context, status=form.status)


@staff_member_required
@require_GET
def handover_list(request: StaffRequest) -> HttpResponse:
    if not request.user.is_administrator and not request.user.supervised_teams.exists():
        raise Http404
    rows = handover.handover_history(request.user)
    page = CappedPaginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    context = {"nav": "users", "page_obj": page}
    return render(request, "activities/handover_list.html", context)


urlpatterns: list[URLPattern] = [
    path("handover/<int:pk>/", handover_page, name="handover"),
    path("handovers/", handover_list, name="handover-list"),
]
