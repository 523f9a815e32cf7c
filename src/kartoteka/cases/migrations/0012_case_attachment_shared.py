from django.db import migrations, models


def share_the_customers_uploads(apps, schema_editor):
    """Files uploaded by portal users were the customer's to see before the flag existed."""
    CaseAttachment = apps.get_model("cases", "CaseAttachment")
    CaseAttachment.objects.filter(uploaded_by__role="portal").update(shared=True)


class Migration(migrations.Migration):
    dependencies = [
        ("cases", "0011_case_event_mailbox_changed"),
    ]

    operations = [
        migrations.AddField(
            model_name="caseattachment",
            name="shared",
            field=models.BooleanField(default=False, verbose_name="shown to the customer"),
        ),
        migrations.RunPython(share_the_customers_uploads, migrations.RunPython.noop),
    ]
