"""Message.account: the customer whose file shows the message, filled from its case."""

import django.db.models.deletion
from django.db import migrations, models
from django.db.models import OuterRef, Subquery


def account_from_case(apps, schema_editor):
    Message = apps.get_model("mail", "Message")
    Case = apps.get_model("cases", "Case")
    Message.objects.filter(case__isnull=False).update(
        account_id=Subquery(Case.objects.filter(pk=OuterRef("case_id")).values("account_id")[:1])
    )


class Migration(migrations.Migration):
    dependencies = [
        ("cases", "0007_stream_followers_notices"),
        ("customers", "0005_account_legal_hold"),
        ("mail", "0005_sender_verification"),
    ]

    operations = [
        migrations.AddField(
            model_name="message",
            name="account",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.SET_NULL,
                related_name="messages",
                to="customers.account",
            ),
        ),
        migrations.RunPython(account_from_case, migrations.RunPython.noop, elidable=True),
        migrations.AddIndex(
            model_name="message",
            index=models.Index(
                fields=["account", "created_at", "id"], name="message_account_created"
            ),
        ),
    ]
