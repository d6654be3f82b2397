"""The starter set of synonyms (``catalogue.synonyms``); only missing rows are added. Going
back removes the starter rows nobody changed."""

from django.db import migrations


def add(apps, schema_editor):
    from doorstep.catalogue.synonyms import seed_synonyms

    seed_synonyms(apps.get_model("catalogue", "Synonym"))


def remove(apps, schema_editor):
    from doorstep.catalogue.synonyms import STARTER

    apps.get_model("catalogue", "Synonym").objects.filter(words__in=STARTER).delete()


class Migration(migrations.Migration):
    dependencies = [("catalogue", "0003_synonym")]

    operations = [migrations.RunPython(add, remove)]
