from django.db import migrations

from kartoteka.cases.defaults import create_default_lists


class Migration(migrations.Migration):
    dependencies = [("cases", "0001_initial")]

    operations = [migrations.RunPython(create_default_lists, migrations.RunPython.noop)]
