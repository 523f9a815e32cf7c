"""Events in the global search (``core.search_index``): the type (in every language of the
installation) and the customer's name as the title; the description, the result, the thread's
title, the products' and the contacts' names as the body.

Written by ``services.event_record`` in its transaction. A hit is shown only through
``Event.visible_to``: a confidential event never shows — neither title, excerpt nor count — to
anyone who may not see it. Registered in ``ActivitiesConfig.ready``.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator, Sequence
from typing import TYPE_CHECKING

from django.conf import settings
from django.utils import translation
from django.utils.translation import gettext_lazy

from kartoteka.activities.models import Event, EventType
from kartoteka.core.search_index import BATCH, Hit, IndexEntry, ModelSource, batched, index_put

if TYPE_CHECKING:
    from kartoteka.people.models import User

EVENT = "event"


def type_names(event_type: EventType) -> str:
    """The type's name as stored and as each language of the installation shows it, so that
    "rozmowa" finds a "Phone call"."""
    names = [event_type.name, *(event_type.names or {}).values()]
    for code, _label in settings.LANGUAGES:
        with translation.override(code):
            names.append(event_type.local_name)
    return " ".join(dict.fromkeys(names))


def event_entry(
    event: Event, *, type_name: str, products: Sequence[str], contacts: Sequence[str]
) -> IndexEntry:
    """``event`` with its account and thread fetched; ``type_name`` from ``type_names``."""
    return IndexEntry(
        EVENT,
        event.pk,
        title=f"{type_name} {event.account.name}",
        body="\n".join([event.description, event.result, event.thread.title, *products, *contacts]),
        account_id=event.account_id,
    )


def _names(event_ids: Sequence[int]) -> tuple[dict[int, list[str]], dict[int, list[str]]]:
    """The products' and the contacts' names of each event (two queries)."""
    products: dict[int, list[str]] = defaultdict(list)
    contacts: dict[int, list[str]] = defaultdict(list)
    product_links = Event.products.through.objects.filter(event_id__in=event_ids)
    for event_id, name, code in product_links.values_list(
        "event_id", "product__name", "product__code"
    ):
        products[event_id] += [name, code]
    contact_links = Event.contacts.through.objects.filter(event_id__in=event_ids)
    for event_id, first, last in contact_links.values_list(
        "event_id", "contact__first_name", "contact__last_name"
    ):
        contacts[event_id].append(f"{first} {last}")
    return products, contacts


def event_index(event: Event) -> None:
    """Write the event's entry (its products and contacts read afresh); call in the
    transaction that recorded or changed it."""
    products, contacts = _names([event.pk])
    index_put(
        [
            event_entry(
                event,
                type_name=type_names(event.event_type),
                products=products[event.pk],
                contacts=contacts[event.pk],
            )
        ]
    )


class EventSource(ModelSource):
    model = Event
    kind = EVENT
    label = gettext_lazy("Events")

    def entries(self) -> Iterator[list[IndexEntry]]:
        names = {event_type.pk: type_names(event_type) for event_type in EventType.objects.all()}
        rows = (
            Event.objects.order_by("pk")
            .select_related("account", "thread")
            .only(
                "description", "result", "event_type_id", "account_id", "account__name",
                "thread__title",
            )
        )  # fmt: skip
        for batch in batched(rows.iterator(chunk_size=BATCH), 500):
            products, contacts = _names([event.pk for event in batch])
            yield [
                event_entry(
                    event,
                    type_name=names[event.event_type_id],
                    products=products[event.pk],
                    contacts=contacts[event.pk],
                )
                for event in batch
            ]

    def hits(self, user: User, object_ids: Sequence[int]) -> dict[int, Hit]:
        rows = (
            Event.objects.visible_to(user)
            .filter(pk__in=object_ids)
            .select_related("account", "event_type", "thread")
        )
        return {
            event.pk: Hit(
                EVENT,
                event.pk,
                title=f"{event.event_type.icon} {event.event_type.local_name}: "
                f"{event.account.name}",
                url=event.get_absolute_url(),
                context=event.thread.title,
                text="\n".join(part for part in (event.result, event.description) if part),
                at=event.starts_at,
            )
            for event in rows
        }
