from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("mail", "0004_compose_drafts_canned"),
    ]

    operations = [
        migrations.AddField(
            model_name="message",
            name="bulk",
            field=models.BooleanField(default=False),
        ),
    ]
