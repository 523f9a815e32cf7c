"""The ``unaccent`` extension on PostgreSQL, for accent-insensitive search (``core.text_search``).

SQLite needs nothing here: its folding function is registered on each connection. The
extension stays on reversal: other objects may use it, and dropping it needs more rights.
"""

from django.db import migrations


def install(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("CREATE EXTENSION IF NOT EXISTS unaccent")


class Migration(migrations.Migration):
    dependencies = [("core", "0004_periodic_run")]

    operations = [migrations.RunPython(install, migrations.RunPython.noop)]
