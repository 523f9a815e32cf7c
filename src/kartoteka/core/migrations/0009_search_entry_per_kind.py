"""On PostgreSQL, one partial GIN index and one statistics object per kind of search entry
instead of the one GIN index over every kind (see ``kartoteka.core.search_index.walks``): a
word's commonness is judged within the kind, and the index path reads the kind's entries
only. Nothing on SQLite.

The kinds are written out as they were when this migration was made: a kind added later to
``KIND_CODES`` gets its index and statistics object from a migration of its own (running
``search_index.kind_statements``). On a large index the indexes take a few minutes to build
(writes to the index wait meanwhile) and ANALYZE some seconds more.
"""

from django.db import migrations

from kartoteka.core import search_index

KINDS = {
    "case": 1, "note": 2, "message": 3, "account": 4, "contact": 5, "document": 6, "event": 7,
}  # fmt: skip


def install(apps, schema_editor):
    statements = [
        sql for kind, code in KINDS.items() for sql in search_index.kind_statements(kind, code)
    ]
    search_index.statements_run(
        schema_editor.connection,
        postgresql=[
            *statements,
            "DROP INDEX IF EXISTS search_entry_document",
            f"ANALYZE {search_index.TABLE}",
        ],
        sqlite=[],
    )


def uninstall(apps, schema_editor):
    search_index.statements_run(
        schema_editor.connection,
        postgresql=[
            f"CREATE INDEX IF NOT EXISTS search_entry_document ON {search_index.TABLE} "
            "USING gin (document)",
            *(sql for kind in KINDS for sql in search_index.kind_statements_drop(kind)),
        ],
        sqlite=[],
    )


class Migration(migrations.Migration):
    dependencies = [("core", "0008_search_vocabulary")]

    operations = [migrations.RunPython(install, uninstall)]
