"""The staff page of the knowledge base's categories."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from kartoteka.core.access import staff_member_required
from kartoteka.kb import selectors, services
from kartoteka.kb.forms import CategoryForm
from kartoteka.kb.models import Category, user_may_publish
from kartoteka.people.access import StaffRequest


@staff_member_required
@require_http_methods(["GET", "POST"])
def category_list(request: StaffRequest) -> HttpResponse:
    may_edit = user_may_publish(request.user)
    form = CategoryForm(request.POST or None)
    if request.method == "POST":
        if not may_edit:
            raise PermissionDenied
        if form.is_valid():
            try:
                services.category_create(by=request.user, **form.cleaned_data)
            except ValidationError as error:
                form.add_error(None, error)
            else:
                messages.success(request, _("Category added."))
                return redirect("kb:category-list")
    context = {
        "nav": "kb",
        "categories": selectors.categories_with_counts(request.user).select_related("parent"),
        "form": form,
        "may_edit": may_edit,
    }
    return render(request, "kb/category_list.html", context, status=400 if form.errors else 200)


def _category(pk: int) -> Category:
    category = Category.objects.filter(pk=pk).first()
    if category is None:
        raise Http404
    return category


@staff_member_required
@require_http_methods(["GET", "POST"])
def category_edit(request: StaffRequest, pk: int) -> HttpResponse:
    category = _category(pk)
    if not user_may_publish(request.user):
        raise PermissionDenied
    form = CategoryForm(request.POST or None, instance=category)
    if request.method == "POST" and form.is_valid():
        try:
            services.category_update(category=category, by=request.user, **form.cleaned_data)
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("Category saved."))
            return redirect("kb:category-list")
    context = {"nav": "kb", "form": form, "category": category}
    return render(request, "kb/category_form.html", context, status=400 if form.errors else 200)


@staff_member_required
@require_POST
def category_delete(request: StaffRequest, pk: int) -> HttpResponse:
    category = _category(pk)
    services.category_delete(category=category, by=request.user)
    messages.success(request, _("Category deleted; its articles stay, without a category."))
    return redirect("kb:category-list")
