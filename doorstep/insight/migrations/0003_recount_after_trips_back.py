"""Trips now count the times a resident had to come back (cases 0006 took the intake visit off
existing cases) and "done in one trip" reads ``trips = 0``: what the tallies hold was counted the
old way. Every tally is dropped and every row marked not rolled up, so figures read the rows
until the next ``roll_up`` counts them again, the new way. Set-based; the same both ways."""

from django.db import migrations


def recount(apps, schema_editor):
    apps.get_model("insight", "Tally").objects.all().delete()
    apps.get_model("cases", "Case").objects.filter(tally__isnull=False).update(tally=None)
    apps.get_model("needs", "Need").objects.filter(tally__isnull=False).update(tally=None)


class Migration(migrations.Migration):
    dependencies = [
        ("insight", "0002_rollup_tally"),
        ("cases", "0006_trips_count_returns_only"),
        ("needs", "0007_rollup_tally"),
    ]

    operations = [migrations.RunPython(recount, recount, elidable=True)]
