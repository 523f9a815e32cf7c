# Issue 18, the outbox you can watch: a cancelled state, and the status a reply sets once sent.
import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("cases", "0012_case_attachment_shared"),
        ("mail", "0010_thread_newcomers"),
    ]

    operations = [
        migrations.AddField(
            model_name="message",
            name="status_after_sending",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.SET_NULL,
                related_name="+",
                to="cases.status",
            ),
        ),
        migrations.AddField(
            model_name="message",
            name="status_when_queued",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.SET_NULL,
                related_name="+",
                to="cases.status",
            ),
        ),
        migrations.AlterField(
            model_name="message",
            name="state",
            field=models.CharField(
                choices=[
                    ("placed", "Placed in a case"),
                    ("triage", "Waiting in triage"),
                    ("ignored", "Ignored"),
                    ("unparsable", "Could not be read"),
                    ("discarded", "Discarded as spam"),
                    ("archived", "Filed to the customer"),
                    ("queued", "Queued"),
                    ("sending", "Sending"),
                    ("sent", "Sent"),
                    ("failed", "Failed"),
                    ("cancelled", "Cancelled"),
                ],
                db_index=True,
                max_length=16,
            ),
        ),
    ]
