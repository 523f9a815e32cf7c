# A user's own signature, added under their emails above the mailbox's.
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("people", "0007_user_reminder_in_the_morning")]

    operations = [
        migrations.AddField(
            model_name="user",
            name="signature",
            field=models.TextField(
                blank=True,
                help_text=(
                    "Added under your emails to customers, above the mailbox's signature. "
                    "Plain text."
                ),
                max_length=2000,
                verbose_name="signature",
            ),
        ),
    ]
