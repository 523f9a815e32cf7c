# How an email to a contact opens (a vocative the user writes), for canned responses.
from django.db import migrations, models

SALUTATION = models.CharField(
    blank=True,
    help_text=(
        "How an email to this person opens, without the comma, e.g. “Szanowny Panie Janie”, "
        "“Dzień dobry, Pani Anno”, “Vážený pane Nováku”. Canned responses put it in with "
        "{salutation}; when empty they greet neutrally."
    ),
    max_length=100,
    verbose_name="salutation",
)


class Migration(migrations.Migration):
    dependencies = [("customers", "0008_default_portal_roles")]

    operations = [
        migrations.AddField(model_name="contact", name="salutation", field=SALUTATION),
        migrations.AddField(model_name="historicalcontact", name="salutation", field=SALUTATION),
    ]
