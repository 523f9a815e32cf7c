from django.db import migrations

from kartoteka.customers.defaults import create_default_portal_roles


class Migration(migrations.Migration):
    dependencies = [("customers", "0007_portal_role")]

    operations = [migrations.RunPython(create_default_portal_roles, migrations.RunPython.noop)]
