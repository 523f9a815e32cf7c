"""On SQLite, the FTS5 vocabulary of the search index: a beginning of a word is matched as the
words it begins (see ``kartoteka.core.search_index._beginnings``). Nothing on PostgreSQL."""

from django.db import migrations

from kartoteka.core import search_index


def install(apps, schema_editor):
    search_index.statements_run(
        schema_editor.connection, postgresql=[], sqlite=[search_index.SQLITE_VOCABULARY]
    )


def uninstall(apps, schema_editor):
    search_index.statements_run(
        schema_editor.connection,
        postgresql=[],
        sqlite=[f"DROP TABLE IF EXISTS {search_index.FTS_VOCABULARY}"],
    )


class Migration(migrations.Migration):
    dependencies = [("core", "0007_search_entry")]

    operations = [migrations.RunPython(install, uninstall)]
