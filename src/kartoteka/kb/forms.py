"""Forms of the knowledge base's staff pages."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from kartoteka.kb.models import Article, Category, user_may_publish
from kartoteka.kb.selectors import ArticleFilters


class ArticleForm(forms.ModelForm):
    note = forms.CharField(
        label=_("What changed"),
        required=False,
        max_length=200,
        help_text=_("Kept with the version in the article's history."),
    )

    class Meta:
        model = Article
        fields = ["title", "body", "category", "language", "tags", "visibility", "status"]
        widgets = {
            "body": forms.Textarea(attrs={"rows": 18, "data-kb-body": ""}),
            "tags": forms.TextInput(attrs={"placeholder": _("e.g. invoices, login")}),
        }
        help_texts = {
            "body": _(
                "Markdown: **bold**, *italic*, # headings, - lists, [links](https://…), "
                "tables. HTML is shown as text."
            ),
            "tags": _("Separated by commas."),
        }

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["category"].queryset = Category.objects.all()  # type: ignore[attr-defined]
        if not user_may_publish(user):
            current = self.instance.status if self.instance.pk else Article.Status.DRAFT
            self.fields["status"].choices = [  # type: ignore[attr-defined]
                choice for choice in Article.Status.choices if choice[0] == current
            ]
            self.fields["status"].help_text = _(
                "Publishing is for those who configure cases and administrators."
            )

    def service_values(self) -> dict[str, Any]:
        return {name: self.cleaned_data[name] for name in self.Meta.fields}


class CategoryForm(forms.ModelForm):
    class Meta:
        model = Category
        fields = ["name", "description", "parent", "position"]


class AttachmentForm(forms.Form):
    file = forms.FileField(label=_("File"))


class ArticleFilterForm(forms.Form):
    q = forms.CharField(label=_("Search"), required=False, max_length=200)
    category = forms.ModelChoiceField(
        label=_("Category"), queryset=Category.objects.all(), required=False
    )
    status = forms.ChoiceField(
        label=_("Status"),
        choices=[("", pgettext_lazy("any value of a filter", "All")), *Article.Status.choices],
        required=False,
    )
    visibility = forms.ChoiceField(
        label=_("Visibility"),
        choices=[("", pgettext_lazy("any value of a filter", "All")), *Article.Visibility.choices],
        required=False,
    )
    language = forms.ChoiceField(
        label=_("Language"),
        choices=[("", pgettext_lazy("any value of a filter", "All")), *Article.Language.choices],
        required=False,
    )

    def filters(self) -> ArticleFilters:
        if not self.is_valid():
            return ArticleFilters()
        data = self.cleaned_data
        return ArticleFilters(
            q=data["q"],
            category=data["category"].pk if data["category"] else None,
            status=data["status"],
            visibility=data["visibility"],
            language=data["language"],
        )
