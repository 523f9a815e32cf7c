# A draft keeps what the composer's HTML editor holds.
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("mail", "0011_outbox_status_after_sending")]

    operations = [
        migrations.AddField(
            model_name="draft",
            name="body_html",
            field=models.TextField(blank=True),
        ),
    ]
