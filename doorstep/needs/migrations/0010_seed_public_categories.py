"""The public-space categories (issue 15, Open311): adds the missing codes of ``needs.seed`` and
marks the seed's public codes public. ``public`` was added by the previous migration, so no
administrator has chosen it yet: marking the existing ``environment`` and ``facilities`` rows
overrides nothing."""

from django.db import migrations


def seed(apps, schema_editor):
    from doorstep.needs.seed import PUBLIC_CODES, seed_categories

    model = apps.get_model("needs", "NeedCategory")
    seed_categories(model)
    model.objects.filter(code__in=sorted(PUBLIC_CODES)).update(public=True)


class Migration(migrations.Migration):
    dependencies = [("needs", "0009_category_public_taken_event")]

    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
