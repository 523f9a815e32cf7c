"""Substring search of case subjects and numbers (see ``kartoteka.cases.search``).

PostgreSQL: pg_trgm GIN indexes. SQLite: an FTS5 trigram table kept in step by triggers.
Each vendor skips the other's part, so the migration runs (and reverses) on both.
"""

from django.db import migrations

from kartoteka.cases import search


def install(apps, schema_editor):
    search.search_index_install(schema_editor.connection)


def uninstall(apps, schema_editor):
    search.search_index_uninstall(schema_editor.connection)


class Migration(migrations.Migration):
    dependencies = [("cases", "0002_default_lists")]

    operations = [migrations.RunPython(install, uninstall)]
