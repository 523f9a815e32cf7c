"""``single_stop``: a sentence that ends on a name ending with a full stop gets one stop.

Wrap the translated sentence, so the rule holds in every language's word order::

    {% load sentences %}
    {% filter single_stop %}{% blocktranslate with name=account.name %}
      Merged into {{ name }}.{% endblocktranslate %}{% endfilter %}
"""

from __future__ import annotations

from django import template

from kartoteka.core.sentences import single_stop as _single_stop

register = template.Library()


@register.filter(is_safe=True)
def single_stop(value: str) -> str:
    return _single_stop(value)
