"""One full stop after a name that ends with one: "S.A.", "Sp. z o.o.", "s.r.o."."""

from __future__ import annotations

import pytest
from django.template import Context, Template
from django.utils import translation
from django.utils.safestring import SafeString

from kartoteka.core.sentences import single_stop


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Połączono z Łódź S.A..", "Połączono z Łódź S.A."),
        ("Sprawa dla Nowak Sp. z o.o..", "Sprawa dla Nowak Sp. z o.o."),
        ("Zákazník Novák s.r.o.. Další věta.", "Zákazník Novák s.r.o. Další věta."),
        ('<a href="/k/1/">Łódź S.A.</a>.', '<a href="/k/1/">Łódź S.A.</a>'),
        ("Merged into ACME.", "Merged into ACME."),
        ("Wait...", "Wait..."),
        ("Nothing . . . here", "Nothing . . . here"),
        ("", ""),
    ],
)
def test_single_stop(text: str, expected: str) -> None:
    assert single_stop(text) == expected


def test_the_filter_fixes_a_translated_sentence_and_keeps_it_safe() -> None:
    # given
    template = Template(
        "{% load i18n sentences %}{% filter single_stop %}{% blocktranslate with name=name %}"
        "The address belongs to {{ name }}.{% endblocktranslate %}{% endfilter %}"
    )
    # when
    with translation.override("pl"):
        html = template.render(Context({"name": "Łódź & Syn S.A."}))
    # then
    assert html == "Adres jest przypisany do: Łódź &amp; Syn S.A."
    assert isinstance(html, SafeString)


def test_the_filter_still_escapes_what_it_is_given_unescaped() -> None:
    html = Template("{% load sentences %}{{ text|single_stop }}").render(
        Context({"text": "<script>Firma S.A.</script>."})
    )
    assert html == "&lt;script&gt;Firma S.A.&lt;/script&gt;"
