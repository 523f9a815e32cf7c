"""The default event types, and on PostgreSQL the rule that no resource is held by two events at
overlapping times: an exclusion constraint over the half-open range [start, end) per resource
(``btree_gist`` lets the resource's id share the GiST index with the range). SQLite has no such
constraint; the booking service checks there inside its write-locked transaction."""

from typing import Any

from django.db import migrations

from kartoteka.activities.defaults import create_default_event_types

CONSTRAINT = "event_resource_no_overlap"


def defaults(apps: Any, schema_editor: Any) -> None:
    create_default_event_types(apps)


def constraint_add(apps: Any, schema_editor: Any) -> None:
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("CREATE EXTENSION IF NOT EXISTS btree_gist")
    schema_editor.execute(
        f"ALTER TABLE activities_event ADD CONSTRAINT {CONSTRAINT} EXCLUDE USING gist "
        "(resource_id WITH =, tstzrange(starts_at, ends_at, '[)') WITH &&) "
        "WHERE (resource_id IS NOT NULL)"
    )


def constraint_remove(apps: Any, schema_editor: Any) -> None:
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(f"ALTER TABLE activities_event DROP CONSTRAINT {CONSTRAINT}")


class Migration(migrations.Migration):
    dependencies = [("activities", "0001_initial")]

    operations = [
        migrations.RunPython(defaults, migrations.RunPython.noop),
        migrations.RunPython(constraint_add, constraint_remove),
    ]
