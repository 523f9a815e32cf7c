# Issue 18: replies that name a stored message of a case join it (mail.reading.threading).
import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("mail", "0009_case_mailbox")]

    operations = [
        migrations.AddField(
            model_name="mailbox",
            name="only_known_participants",
            field=models.BooleanField(
                default=False,
                help_text=(
                    "A reply from someone who is not yet a participant of the case it answers "
                    "waits in triage instead of joining the case. A reply to our own message "
                    "still joins."
                ),
                verbose_name="only known participants",
            ),
        ),
        migrations.AddField(
            model_name="message",
            name="newcomer",
            field=models.CharField(
                blank=True,
                choices=[
                    ("", "none"),
                    ("contact", "a new contact of the case's customer"),
                    ("address", "an extra address of the case"),
                ],
                default="",
                max_length=8,
            ),
        ),
        migrations.AddField(
            model_name="message",
            name="newcomer_contact",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.SET_NULL,
                related_name="+",
                to="customers.contact",
            ),
        ),
    ]
