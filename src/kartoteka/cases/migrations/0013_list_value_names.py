# The values of the case lists get a name per language; the starting values get theirs.
from django.db import migrations, models

from kartoteka.cases.defaults import default_names_fill


class Migration(migrations.Migration):
    dependencies = [("cases", "0012_case_attachment_shared")]

    operations = [
        migrations.AddField(
            model_name=model_name,
            name="names",
            field=models.JSONField(
                blank=True, default=dict, verbose_name="names in other languages"
            ),
        )
        for model_name in ("casegroup", "casetype", "category", "priority", "status")
    ] + [migrations.RunPython(default_names_fill, migrations.RunPython.noop)]
    # The outbox (issue 18's outbox helper): a reply retried or cancelled, a status not set.
    operations += [
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
                    ("mailbox_changed", "Mailbox changed"),
                    ("reply_retried", "Reply sent again"),
                    ("reply_cancelled", "Reply cancelled"),
                    ("status_not_applied", "Status after sending not applied"),
                ],
                max_length=32,
            ),
        ),
    ]
