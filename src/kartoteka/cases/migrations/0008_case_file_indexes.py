"""The customer file's indexes: a customer's cases newest first and its open cases counted;
``CaseNote.account`` (filled from the note's case) with a customer's notes newest first."""

import django.db.models.deletion
from django.db import migrations, models
from django.db.models import OuterRef, Subquery


def account_from_case(apps, schema_editor):
    CaseNote = apps.get_model("cases", "CaseNote")
    Case = apps.get_model("cases", "Case")
    CaseNote.objects.update(
        account_id=Subquery(Case.objects.filter(pk=OuterRef("case_id")).values("account_id")[:1])
    )


class Migration(migrations.Migration):
    dependencies = [
        ("cases", "0007_stream_followers_notices"),
        ("customers", "0005_account_legal_hold"),
    ]

    operations = [
        migrations.AddIndex(
            model_name="case",
            index=models.Index(fields=["account", "created_at", "id"], name="case_account_created"),
        ),
        migrations.AddIndex(
            model_name="case",
            index=models.Index(fields=["account", "status"], name="case_account_status"),
        ),
        migrations.AddField(
            model_name="casenote",
            name="account",
            field=models.ForeignKey(
                blank=True,
                db_index=False,
                null=True,
                on_delete=django.db.models.deletion.SET_NULL,
                related_name="+",
                to="customers.account",
            ),
        ),
        migrations.RunPython(account_from_case, migrations.RunPython.noop, elidable=True),
        migrations.AddIndex(
            model_name="casenote",
            index=models.Index(
                fields=["account", "created_at", "id"], name="case_note_account_created"
            ),
        ),
    ]
