from typing import Any

from django.db import migrations

from kartoteka.documents.defaults import create_default_types


def forwards(apps: Any, schema_editor: Any) -> None:
    create_default_types(apps)


class Migration(migrations.Migration):
    dependencies = [("documents", "0001_initial")]

    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
