"""Account.legal_hold: erasing the personal data of the account's contacts is refused."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("customers", "0004_contact_portal_user"),
    ]

    operations = [
        migrations.AddField(
            model_name="account",
            name="legal_hold",
            field=models.BooleanField(
                default=False,
                help_text="Its contacts' personal data may not be erased while this is set.",
                verbose_name="legal hold",
            ),
        ),
        migrations.AddField(
            model_name="historicalaccount",
            name="legal_hold",
            field=models.BooleanField(
                default=False,
                help_text="Its contacts' personal data may not be erased while this is set.",
                verbose_name="legal hold",
            ),
        ),
    ]
