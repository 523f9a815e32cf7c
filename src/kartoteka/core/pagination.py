"""A paginator for long lists whose exact length does not matter past a few thousand rows.

Counting a million rows costs more than showing the first fifty of them. ``CappedPaginator``
counts at most ``cap + 1`` rows (``SELECT COUNT(*) FROM (… LIMIT cap + 1)``), offers the pages
up to the cap and says "10,000+" when there are more; narrowing the filter is the way past it.
"""

from __future__ import annotations

from math import ceil
from typing import Any

from django.core.paginator import Paginator
from django.db.models import QuerySet
from django.utils.functional import cached_property

COUNT_CAP = 10_000


class CappedPaginator(Paginator):
    """A ``Paginator`` whose ``count`` stops at ``cap + 1``.

    ``count`` is the exact number of rows up to ``cap``, and ``cap + 1`` beyond it;
    ``count_is_capped`` tells the two apart. Pages run up to the cap only.
    """

    def __init__(self, object_list: Any, per_page: int, *, cap: int = COUNT_CAP, **kwargs: Any):
        super().__init__(object_list, per_page, **kwargs)
        self.cap = cap

    @cached_property
    def count(self) -> int:
        if isinstance(self.object_list, QuerySet):
            # Without ordering and joins only the filter is evaluated, and only until cap + 1.
            return self.object_list.order_by().select_related(None)[: self.cap + 1].count()
        return min(len(self.object_list), self.cap + 1)

    @property
    def count_is_capped(self) -> bool:
        return self.count > self.cap

    @cached_property
    def num_pages(self) -> int:
        shown = min(self.count, self.cap)
        if shown == 0 and not self.allow_empty_first_page:
            return 0
        hits = max(1, shown - self.orphans)
        return ceil(hits / self.per_page)
