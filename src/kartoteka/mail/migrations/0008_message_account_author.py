"""The customer file narrowed to one user's mail: the customer's messages by author and time."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("mail", "0007_mailbox_purpose_archived")]

    operations = [
        migrations.AddIndex(
            model_name="message",
            index=models.Index(
                condition=models.Q(author__isnull=False),
                fields=["account", "author", "created_at", "id"],
                name="message_account_author",
            ),
        ),
    ]
