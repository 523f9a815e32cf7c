"""Reminders still to be told move from a column of the task to rows of their own: an open
task with a reminder time and no ``reminded_at`` gets a pending reminder."""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("activities", "0004_composite_indexes_lead"),
    ]

    operations = [
        migrations.CreateModel(
            name="PendingReminder",
            fields=[
                (
                    "task",
                    models.OneToOneField(
                        on_delete=django.db.models.deletion.CASCADE,
                        primary_key=True,
                        related_name="pending_reminder",
                        serialize=False,
                        to="activities.task",
                    ),
                ),
                ("remind_at", models.DateTimeField(verbose_name="reminder at")),
            ],
            options={
                "verbose_name": "pending reminder",
                "verbose_name_plural": "pending reminders",
            },
        ),
        migrations.RunSQL(
            "INSERT INTO activities_pendingreminder (task_id, remind_at) "
            "SELECT id, remind_at FROM activities_task "
            "WHERE state = 'open' AND remind_at IS NOT NULL AND reminded_at IS NULL",
            reverse_sql=(
                "UPDATE activities_task SET reminded_at = remind_at "
                "WHERE remind_at IS NOT NULL "
                "AND id NOT IN (SELECT task_id FROM activities_pendingreminder)"
            ),
        ),
        migrations.RemoveIndex(
            model_name="task",
            name="task_reminder_due",
        ),
        migrations.AddIndex(
            model_name="pendingreminder",
            index=models.Index(fields=["remind_at", "task"], name="pending_reminder_due"),
        ),
        migrations.RemoveField(
            model_name="task",
            name="reminded_at",
        ),
    ]
