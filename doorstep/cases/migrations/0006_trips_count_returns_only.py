"""Trips count the times the resident had to come back, no longer the visit at which the case was
taken: cases whose intake recorded that visit (its trip event at the moment the case was taken
in) lose one trip. Set-based: one UPDATE. Backwards adds it again."""

from django.db import migrations
from django.db.models import Exists, F, OuterRef


def _taken_in_person(apps):
    Case = apps.get_model("cases", "Case")
    CaseEvent = apps.get_model("cases", "CaseEvent")
    at_intake = CaseEvent.objects.filter(case=OuterRef("pk"), kind="trip", at=OuterRef("created_at"))
    return Case.objects.filter(Exists(at_intake))


def forwards(apps, schema_editor):
    _taken_in_person(apps).filter(trips__gt=0).update(trips=F("trips") - 1)


def backwards(apps, schema_editor):
    _taken_in_person(apps).update(trips=F("trips") + 1)


class Migration(migrations.Migration):
    dependencies = [("cases", "0005_case_verbs_extension_suspension_supervision_result")]

    operations = [migrations.RunPython(forwards, backwards, elidable=True)]
