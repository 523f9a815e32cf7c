"""The global search index (see ``kartoteka.core.search_index``).

PostgreSQL: a stored generated tsvector column with a GIN index. SQLite: an FTS5 table over
the entries kept in step by triggers. Each vendor skips the other's part, so the migration runs
(and reverses) on both. The entries themselves are written by ``kartoteka search_rebuild``.
"""

from django.db import migrations, models

from kartoteka.core import search_index


def install(apps, schema_editor):
    search_index.index_install(schema_editor.connection)


def uninstall(apps, schema_editor):
    search_index.index_uninstall(schema_editor.connection)


class Migration(migrations.Migration):
    dependencies = [("core", "0006_worker_heartbeat")]

    operations = [
        migrations.CreateModel(
            name="SearchEntry",
            fields=[
                ("id", models.BigIntegerField(primary_key=True, serialize=False)),
                ("kind", models.CharField(max_length=16)),
                ("object_id", models.BigIntegerField()),
                ("keys", models.TextField(blank=True)),
                ("title", models.TextField(blank=True)),
                ("body", models.TextField(blank=True)),
                ("account_id", models.BigIntegerField(blank=True, null=True)),
            ],
        ),
        migrations.RunPython(install, uninstall),
    ]
