"""Merging two accounts into one: the writes (``account_merge``) and what the merge page reads.

Real duplicates happen (an import, a lead that became a customer, two colleagues typing the
same company): the user keeps one account and merges the other into it. The kept account gets
the chosen value of each field; every row that points to the merged account, in any app,
moves to the kept one; the merged account is then deleted, and both histories say so.

The rows are found generically, from the foreign keys to ``Account`` in every model
(``account_relations``), so the cases, messages, documents, events, tasks, threads, notes and
import rows of the apps above move without this app importing them. Each relation moves in one
``UPDATE``, whatever its number of rows; a model with django-simple-history gets one history
record per moved row (in bulk), so a case's history shows its new account.

Unique constraints that include the account are honoured before anything is written: a row of
a many-to-many table the kept account already has (the same segment, the same classification)
is a duplicate and is dropped; any other clash (a one-to-one or unique row that both accounts
have) refuses the merge with a message saying what to resolve first, so nothing is lost and no
``IntegrityError`` is raised.

The merged account is deleted, not kept as a tombstone: once every row has moved nothing
points to it, its history keeps its last state with the reason "merged into …", and a second
account with the same name or NIP would only invite new mistakes.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import (
    Exists,
    ForeignKey,
    ForeignObjectRel,
    Model,
    OuterRef,
    Q,
    UniqueConstraint,
)
from django.db.models.deletion import ProtectedError, RestrictedError
from django.utils.text import Truncator
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from simple_history.models import HistoricalChanges

from kartoteka.core.models import SearchEntry
from kartoteka.core.search_index import index_remove
from kartoteka.core.validation import ErrorCollector
from kartoteka.customers.identifiers import format_phone
from kartoteka.customers.models import Account
from kartoteka.customers.search_entries import account_index
from kartoteka.customers.selectors import account_can_edit
from kartoteka.customers.services import account_restriction_changeable

if TYPE_CHECKING:
    from kartoteka.people.models import User

KEPT, MERGED, BOTH = "kept", "merged", "both"

# The choices of a merge: each group of fields comes from one side as a whole (an address is
# not mixed from two). ``BOTH`` is offered for the notes alone: the texts are joined.
MERGE_FIELDS: dict[str, tuple[str, ...]] = {
    "kind": ("kind",),
    "name": ("name",),
    "short_name": ("short_name",),
    "nip": ("nip",),
    "regon": ("regon",),
    "address": ("street", "postal_code", "city", "country"),
    "phone": ("phone",),
    "website": ("website",),
    "manager": ("manager",),
    "team": ("team",),
    "restricted": ("restricted",),
    "notes": ("notes",),
}
# Fields whose emptiness decides nothing: every account has a kind, a country, a restriction.
_ALWAYS_SET = frozenset({"kind", "country", "restricted"})
_NAME_IN_REASON = 60  # simple-history keeps 100 characters of a change reason
_HISTORY_BATCH = 500


@dataclass(frozen=True)
class Relation:
    """A foreign key to ``Account`` in some model (one-to-one and many-to-many tables too)."""

    model: type[Model]
    field: ForeignKey[Any, Any]

    @property
    def label(self) -> str:
        return self.model._meta.label_lower

    @property
    def is_link_table(self) -> bool:
        """An automatic many-to-many table: a row is only the pair, a duplicate can go."""
        return bool(self.model._meta.auto_created)

    def unique_sets(self) -> list[tuple[tuple[str, ...], Q | None]]:
        """The other fields of every unique rule that includes the account, with its condition."""
        name = self.field.name
        sets: list[tuple[tuple[str, ...], Q | None]] = []
        if self.field.unique:
            sets.append(((), None))
        for together in self.model._meta.unique_together:
            if name in together:
                sets.append((tuple(other for other in together if other != name), None))
        for constraint in self.model._meta.constraints:
            if isinstance(constraint, UniqueConstraint) and name in constraint.fields:
                others = tuple(other for other in constraint.fields if other != name)
                sets.append((others, constraint.condition))
        return sets


def account_relations() -> list[Relation]:
    """Every foreign key to ``Account`` whose rows a merge moves, in every installed app.

    Hidden relations (``related_name="+"``, e.g. a case note's customer) count too; the
    history tables of django-simple-history do not: they record the past as it was.
    """
    found = []
    for rel in Account._meta.get_fields(include_hidden=True):
        if not isinstance(rel, ForeignObjectRel) or rel.many_to_many:
            continue  # forward fields; a many-to-many is moved through its table's key
        model = rel.related_model
        if not isinstance(model, type) or issubclass(model, HistoricalChanges):
            continue
        if isinstance(rel.field, ForeignKey):
            found.append(Relation(model=model, field=rel.field))
    return found


@dataclass
class MergeResult:
    """What a merge did: the kept account (fresh), the merged one's name and id, and how many
    rows moved (by model label, e.g. ``"cases.case"``) or were dropped as duplicates."""

    kept: Account
    merged_name: str
    merged_pk: int
    moved: dict[str, int] = field(default_factory=dict)
    dropped: dict[str, int] = field(default_factory=dict)

    @property
    def moved_total(self) -> int:
        return sum(self.moved.values())


def _is_empty(value: Any) -> bool:
    return value is None or value == ""


def default_side(group: str, kept: Account, merged: Account) -> str:
    """The kept account's value, unless it has none and the merged one has."""
    attrs = [_attname(name) for name in MERGE_FIELDS[group] if name not in _ALWAYS_SET]
    if not attrs:
        return KEPT
    kept_empty = all(_is_empty(getattr(kept, attr)) for attr in attrs)
    merged_empty = all(_is_empty(getattr(merged, attr)) for attr in attrs)
    return MERGED if kept_empty and not merged_empty else KEPT


def _attname(name: str) -> str:
    return Account._meta.get_field(name).attname  # type: ignore[union-attr]


def differing_groups(kept: Account, merged: Account) -> set[str]:
    """The groups of fields whose values differ between the two accounts."""
    return {
        group
        for group, names in MERGE_FIELDS.items()
        if any(getattr(kept, _attname(n)) != getattr(merged, _attname(n)) for n in names)
    }


def _sides(fields: Mapping[str, str] | None, kept: Account, merged: Account) -> dict[str, str]:
    """The side of every group: the caller's choice or ``default_side``; a bad one is refused."""
    chosen = dict(fields or {})
    errors = ErrorCollector()
    for group, side in chosen.items():
        if group not in MERGE_FIELDS:
            errors.add(
                "fields",
                ValidationError(
                    _("%(field)s is not a field a merge can choose.") % {"field": group},
                    code="merge_unknown_field",
                ),
            )
        elif side not in (KEPT, MERGED) and not (group == "notes" and side == BOTH):
            errors.add(
                group,
                ValidationError(
                    _("Choose the value of the kept or of the merged account."),
                    code="merge_bad_side",
                ),
            )
    errors.raise_if_any()
    return {group: chosen.get(group) or default_side(group, kept, merged) for group in MERGE_FIELDS}


def _final_values(sides: Mapping[str, str], kept: Account, merged: Account) -> dict[str, Any]:
    """The kept account's field values (by attribute name) after the merge."""
    values: dict[str, Any] = {}
    for group, side in sides.items():
        for name in MERGE_FIELDS[group]:
            attr = _attname(name)
            if side == BOTH:
                parts = [getattr(kept, attr), getattr(merged, attr)]
                values[attr] = "\n\n".join(part for part in parts if part)
            else:
                values[attr] = getattr(kept if side == KEPT else merged, attr)
    # A legal hold on either keeps protecting the contacts it covered.
    values["legal_hold"] = kept.legal_hold or merged.legal_hold
    return values


def _restriction_errors(
    *, by: User, kept: Account, merged: Account, values: Mapping[str, Any]
) -> ErrorCollector:
    """The rules of ``account_update`` about who sees an account, for the kept one, and one
    more: a restricted merged account may end up seen by others only if ``by`` could have
    lifted its restriction."""
    errors = ErrorCollector()
    kept_may = account_restriction_changeable(by=by, manager=kept.manager)
    if values["restricted"] != kept.restricted and not kept_may:
        errors.add(
            "restricted",
            ValidationError(
                _(
                    "Only managers, administrators and the account manager may restrict an "
                    "account or lift its restriction."
                ),
                code="restriction_not_allowed",
            ),
        )
    if kept.restricted and not kept_may:
        for attr, group in (("manager_id", "manager"), ("team_id", "team")):
            if values[attr] != getattr(kept, attr):
                errors.add(
                    group,
                    ValidationError(
                        _(
                            "Only managers, administrators and the account manager may change "
                            "who sees a restricted account."
                        ),
                        code="restriction_not_allowed",
                    ),
                )
    seen_as_before = (
        values["restricted"]
        and values["manager_id"] == merged.manager_id
        and values["team_id"] == merged.team_id
    )
    if (
        merged.restricted
        and not seen_as_before
        and not account_restriction_changeable(by=by, manager=merged.manager)
    ):
        errors.add(
            "restricted",
            ValidationError(
                _(
                    "%(name)s is restricted: only managers, administrators and its account "
                    "manager may merge it into an account that others see. Keep its "
                    "restriction, account manager and team, or ask one of them."
                )
                % {"name": merged.name},
                code="merge_widens_restricted",
            ),
        )
    return errors


def _clashes(relation: Relation, kept: Account, merged: Account) -> Any:
    """The merged account's rows of ``relation`` that a unique rule forbids moving."""
    manager = relation.model._base_manager
    name = relation.field.name
    clashing = Q(pk__in=[])
    for others, condition in relation.unique_sets():
        twins = manager.filter(**{name: kept}, **{other: OuterRef(other) for other in others})
        rule = Q(Exists(twins.filter(condition) if condition is not None else twins))
        clashing |= rule & condition if condition is not None else rule
    return manager.filter(**{name: merged}).filter(clashing)


def _reason(template: str, account: Account) -> str:
    return template % {"name": Truncator(account.name).chars(_NAME_IN_REASON), "pk": account.pk}


def _move(relation: Relation, *, kept: Account, merged: Account, by: User, reason: str) -> int:
    """Point the merged account's rows of ``relation`` at the kept one (one ``UPDATE``); a
    model with history gets a history record per row, written in batches."""
    manager = relation.model._base_manager
    name = relation.field.name
    rows = manager.filter(**{name: merged})
    history_attr = getattr(relation.model._meta, "simple_history_manager_attribute", None)
    if history_attr is None:
        return rows.update(**{name: kept})
    objects = list(rows)
    count = rows.update(**{name: kept})
    for obj in objects:
        setattr(obj, relation.field.attname, kept.pk)
    getattr(relation.model, history_attr).bulk_history_create(
        objects,
        update=True,
        default_user=by,
        default_change_reason=reason,
        batch_size=_HISTORY_BATCH,
    )
    return count


def _single_choice_leftovers(kept: Account, kept_entries: set[int]) -> None:
    """After the classifications are joined, a single-choice dictionary keeps the kept
    account's value where both had one."""
    through = Account.classifications.through
    rows = through.objects.filter(account=kept, dictionaryentry__dictionary__multiple=False)
    per_dictionary: dict[int, list[tuple[int, int]]] = defaultdict(list)
    for pk, entry_id, dictionary_id in rows.values_list(
        "pk", "dictionaryentry_id", "dictionaryentry__dictionary_id"
    ):
        per_dictionary[dictionary_id].append((pk, entry_id))
    extra = [
        pk
        for chosen in per_dictionary.values()
        if len(chosen) > 1
        for pk, entry_id in chosen
        if entry_id not in kept_entries
    ]
    if extra:
        through.objects.filter(pk__in=extra).delete()


def account_merge(
    *,
    by: User,
    kept: Account,
    merged: Account,
    fields: Mapping[str, str] | None = None,
) -> MergeResult:
    """Merge ``merged`` into ``kept`` in one transaction, then delete ``merged``.

    ``fields`` maps a group of ``MERGE_FIELDS`` to ``"kept"`` or ``"merged"`` (the notes also
    to ``"both"``); a group left out keeps the kept account's value, or takes the merged one's
    when the kept account has none. Segments and classifications are joined (a single-choice
    dictionary keeps the kept account's value); a legal hold on either stays.

    Both accounts must be visible to ``by`` and editable (``PermissionDenied``); a merge that
    would let others see a restricted account, or change who sees the kept one, follows the
    rules of ``account_update`` (``ValidationError``). Both rows are locked first (in id
    order); a unique clash other than a duplicate many-to-many row refuses the merge before
    anything is written. The kept account's history records "merged with …", the merged
    one's its deletion with "merged into …", and every moved row of a model with history a
    record of its new account. Nothing is sent and nothing is enqueued.
    """
    if kept.pk == merged.pk:
        raise ValidationError(
            _("An account cannot be merged with itself; choose another account."),
            code="merge_same_account",
        )
    try:
        with transaction.atomic():
            return _merge(by=by, kept_pk=kept.pk, merged_pk=merged.pk, fields=fields)
    except (ProtectedError, RestrictedError, IntegrityError) as error:
        raise ValidationError(
            _(
                "The accounts could not be merged because some of their records changed "
                "meanwhile; nothing was changed. Reload and try again."
            ),
            code="merge_conflict",
        ) from error


def _merge(
    *, by: User, kept_pk: int, merged_pk: int, fields: Mapping[str, str] | None
) -> MergeResult:
    locked = {
        account.pk: account
        for account in Account.objects.visible_to(by)
        .select_for_update(of=("self",))
        .select_related("manager")
        .filter(pk__in=[kept_pk, merged_pk])
        .order_by("pk")
    }
    if len(locked) != 2:
        raise PermissionDenied
    kept, merged = locked[kept_pk], locked[merged_pk]
    if not (account_can_edit(by, kept) and account_can_edit(by, merged)):
        raise PermissionDenied
    sides = _sides(fields, kept, merged)
    values = _final_values(sides, kept, merged)
    errors = _restriction_errors(by=by, kept=kept, merged=merged, values=values)
    relations = account_relations()
    for relation in relations:
        if relation.is_link_table or not relation.unique_sets():
            continue
        count = _clashes(relation, kept, merged).count()
        if count:
            errors.add(
                "__all__",
                ValidationError(
                    _(
                        "Both accounts have a %(what)s that may exist only once per account "
                        "(%(count)d); resolve it on one of them before merging."
                    )
                    % {"what": relation.model._meta.verbose_name, "count": count},
                    code="merge_unique_clash",
                ),
            )
    errors.raise_if_any()

    result = MergeResult(kept=kept, merged_name=merged.name, merged_pk=merged.pk)
    moved_reason = _reason(_("Moved from “%(name)s” (#%(pk)s) by a merge"), merged)
    kept_entries = set(kept.classifications.values_list("pk", flat=True))
    for relation in relations:
        if relation.is_link_table and relation.unique_sets():
            dropped, _detail = _clashes(relation, kept, merged).delete()
            if dropped:
                result.dropped[relation.label] = dropped
        if count := _move(relation, kept=kept, merged=merged, by=by, reason=moved_reason):
            result.moved[relation.label] = count
    _single_choice_leftovers(kept, kept_entries)

    for attr, value in values.items():
        setattr(kept, attr, value)
    kept.updated_by = by
    kept._history_user = by  # type: ignore[attr-defined]
    kept._change_reason = _reason(_("Merged with “%(name)s” (#%(pk)s)"), merged)  # type: ignore[attr-defined]
    kept.full_clean(exclude=["nip", "regon"], validate_unique=False, validate_constraints=False)
    kept.save()

    # The merged account's search entry goes; the entries of what moved name the kept file.
    index_remove("account", [merged.pk])
    SearchEntry.objects.filter(account_id=merged.pk).update(account_id=kept.pk)
    account_index(kept)

    merged._history_user = by  # type: ignore[attr-defined]
    merged._change_reason = _reason(_("Merged into “%(name)s” (#%(pk)s)"), kept)  # type: ignore[attr-defined]
    merged.delete()
    return result


# What the merge page shows

GROUP_LABELS = {
    "kind": gettext_lazy("Kind"),
    "name": gettext_lazy("Name"),
    "short_name": gettext_lazy("Short name"),
    "nip": gettext_lazy("NIP"),
    "regon": gettext_lazy("REGON"),
    "address": gettext_lazy("Address"),
    "phone": gettext_lazy("Phone"),
    "website": gettext_lazy("Website"),
    "manager": gettext_lazy("Account manager"),
    "team": gettext_lazy("Team"),
    "restricted": gettext_lazy("Restricted"),
    "notes": gettext_lazy("Notes"),
}


@dataclass(frozen=True)
class ComparedField:
    """One row of the side-by-side comparison."""

    group: str
    label: str
    kept: str
    merged: str
    differs: bool
    default: str  # the side chosen unless the user picks another


def _shown(account: Account, group: str) -> str:
    if group == "kind":
        return str(account.get_kind_display())
    if group == "address":
        place = " ".join(part for part in (account.postal_code, account.city) if part)
        parts = [part for part in (account.street, place) if part]
        return ", ".join([*parts, account.country]) if parts else ""
    if group == "phone":
        return format_phone(account.phone)
    if group == "restricted":
        return _("yes") if account.restricted else _("no")
    value = getattr(account, group)
    return "" if value is None else str(value)


def merge_comparison(kept: Account, merged: Account) -> list[ComparedField]:
    """Every group of fields of both accounts as people read it, with the differing ones
    marked and the side a merge takes by default (``default_side``). Reads no row: the
    accounts come with their manager and team (``account_get_for_user``)."""
    differing = differing_groups(kept, merged)
    return [
        ComparedField(
            group=group,
            label=str(GROUP_LABELS[group]),
            kept=_shown(kept, group),
            merged=_shown(merged, group),
            differs=group in differing,
            default=default_side(group, kept, merged),
        )
        for group in MERGE_FIELDS
    ]


def merge_moves(merged: Account, user: User) -> list[tuple[str, int]]:
    """What a merge would move from ``merged`` that ``user`` may see, as (the kind of record,
    how many): one count per relation, through the model's ``visible_to(user)`` where it has
    one (a confidential document is not even counted for whom it does not name). The join
    tables are left out: they are the segments and classifications the page lists apart."""
    moves = []
    for relation in account_relations():
        if relation.is_link_table:
            continue
        rows = relation.model._default_manager.all()
        if hasattr(rows, "visible_to"):
            rows = rows.visible_to(user)
        count = rows.filter(**{relation.field.name: merged}).count()
        if count:
            moves.append((str(relation.model._meta.verbose_name_plural), count))
    return moves
