"""Case.status_changed_at (filled from the history) and Case.overdue_since, for the overdue job."""

import django.utils.timezone
from django.conf import settings
from django.db import migrations, models

from kartoteka.cases import search


BATCH = 1000


def fill_status_changed_at(apps, schema_editor):
    """The time of the latest history record whose status differs from the record before it;
    the creation time for a case whose status never changed."""
    Case = apps.get_model("cases", "Case")
    HistoricalCase = apps.get_model("cases", "HistoricalCase")
    Case.objects.update(status_changed_at=models.F("created_at"))
    changed: dict[int, object] = {}
    current_case, previous_status = None, None
    records = HistoricalCase.objects.order_by("id", "history_date", "history_id").values_list(
        "id", "status_id", "history_date"
    )
    for case_id, status_id, when in records.iterator(chunk_size=BATCH):
        if case_id != current_case:
            current_case, previous_status = case_id, status_id
            continue
        if status_id != previous_status:
            changed[case_id] = when
        previous_status = status_id
    ids = list(changed)
    for start in range(0, len(ids), BATCH):
        cases = list(Case.objects.filter(pk__in=ids[start : start + BATCH]).only("pk"))
        for case in cases:
            case.status_changed_at = changed[case.pk]
        Case.objects.bulk_update(cases, ["status_changed_at"])


def search_triggers_restore(apps, schema_editor):
    """Adding a NOT NULL column made SQLite rebuild ``cases_case``, dropping its search triggers."""
    search.search_index_repair(using=schema_editor.connection.alias)


class Migration(migrations.Migration):
    dependencies = [
        ("cases", "0005_case_events_and_merges"),
        ("customers", "0003_emailaddress_undeliverable_reason_and_more"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddField(
            model_name="case",
            name="overdue_since",
            field=models.DateTimeField(
                blank=True, editable=False, null=True, verbose_name="overdue since"
            ),
        ),
        migrations.AddField(
            model_name="case",
            name="status_changed_at",
            field=models.DateTimeField(
                default=django.utils.timezone.now, editable=False, verbose_name="status changed at"
            ),
        ),
        migrations.RunPython(fill_status_changed_at, migrations.RunPython.noop, elidable=True),
        migrations.AlterField(
            model_name="caseevent",
            name="kind",
            field=models.CharField(
                choices=[
                    ("contacts_changed", "Contacts changed"),
                    ("message_moved_in", "Message moved in"),
                    ("message_moved_out", "Message moved out"),
                    ("created_from_message", "Created from a message"),
                    ("merged_from", "Case merged in"),
                    ("merged_into", "Merged into another case"),
                    ("overdue", "Overdue"),
                ],
                max_length=32,
            ),
        ),
        migrations.AddIndex(
            model_name="case",
            index=models.Index(
                condition=models.Q(("overdue_since__isnull", True)),
                fields=["status", "status_changed_at"],
                name="case_status_changed_pending",
            ),
        ),
        migrations.AddIndex(
            model_name="case",
            index=models.Index(
                condition=models.Q(("overdue_since__isnull", False)),
                fields=["-number"],
                name="case_overdue_number",
            ),
        ),
        migrations.RunPython(search_triggers_restore, migrations.RunPython.noop),
    ]
