"""The default need categories (``needs.seed``); only missing codes are added."""

from django.db import migrations


def seed(apps, schema_editor):
    from doorstep.needs.seed import seed_categories

    seed_categories(apps.get_model("needs", "NeedCategory"))


class Migration(migrations.Migration):
    dependencies = [("needs", "0001_initial")]

    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
