"""The participations of events become a model of their own on the same table, and carry the
event's start, so that a person's events of a week are a range of an index."""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("activities", "0005_pending_reminders"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        # The table Django made for the many-to-many field is the model's: only the state moves.
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name="Participation",
                    fields=[
                        (
                            "id",
                            models.BigAutoField(
                                auto_created=True,
                                primary_key=True,
                                serialize=False,
                                verbose_name="ID",
                            ),
                        ),
                        (
                            "event",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.CASCADE,
                                to="activities.event",
                            ),
                        ),
                        (
                            "user",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.CASCADE,
                                to=settings.AUTH_USER_MODEL,
                            ),
                        ),
                    ],
                    options={
                        "verbose_name": "participation",
                        "verbose_name_plural": "participations",
                        "db_table": "activities_event_participants",
                        "unique_together": {("event", "user")},
                    },
                ),
                migrations.AlterField(
                    model_name="event",
                    name="participants",
                    field=models.ManyToManyField(
                        blank=True,
                        related_name="events",
                        through="activities.Participation",
                        to=settings.AUTH_USER_MODEL,
                        verbose_name="staff taking part",
                    ),
                ),
            ],
            database_operations=[],
        ),
        migrations.AddField(
            model_name="participation",
            name="starts_at",
            field=models.DateTimeField(null=True),
        ),
        migrations.RunSQL(
            "UPDATE activities_event_participants SET starts_at = "
            "(SELECT starts_at FROM activities_event WHERE id = event_id)",
            reverse_sql=migrations.RunSQL.noop,
        ),
        migrations.AlterField(
            model_name="participation",
            name="starts_at",
            field=models.DateTimeField(),
        ),
        migrations.AddIndex(
            model_name="participation",
            index=models.Index(fields=["user", "starts_at"], name="participation_user_time"),
        ),
    ]
