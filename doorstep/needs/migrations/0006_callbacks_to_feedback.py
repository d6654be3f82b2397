"""A need's callbacks become feedback's (one callback record for needs, cases, disputes and
desk visits): copy every ``NeedCallback`` onto the need's rated matter, opening it where it is
missing, then drop the model.

A need's rated matter now opens when it is answered, so a need answered and not yet closed gets
one here too. The old callback said only yes or no: satisfied becomes "satisfied" (4), not
satisfied "dissatisfied" (2), solved "yes" or "no"; a callback that did not reach the resident
keeps only its note, as feedback records one."""

from __future__ import annotations

from django.db import migrations
from django.db.models import Min, Q

BATCH = 1000


def callback_fields(reached: bool, solved: bool, satisfied: bool) -> dict:
    """A ``NeedCallback``'s answers as a feedback ``Callback``'s."""
    if not reached:
        return {"reached": False, "solved": "", "satisfaction": None}
    return {
        "reached": True,
        "solved": "yes" if solved else "no",
        "satisfaction": 4 if satisfied else 2,
    }


def open_subjects(apps) -> None:
    Need = apps.get_model("needs", "Need")
    Subject = apps.get_model("feedback", "Subject")
    opened = Subject.objects.filter(kind="need").values("object_id")
    missing = (
        Need.objects.filter(Q(callbacks__isnull=False) | Q(status="answered"))
        .exclude(pk__in=opened)
        .annotate(first_callback=Min("callbacks__at"))
        .order_by("pk")
    )
    Subject.objects.bulk_create(
        (
            Subject(
                kind="need",
                object_id=need.pk,
                reference=f"#{need.pk}",
                area_code=need.area_code,
                department_id=need.owner_department_id,
                resident_id=need.resident_id,
                phone="" if need.resident_id else need.raiser_phone[:11],
                # A need reopened by its callback has neither time: its first callback's.
                closed_at=need.answered_at or need.closed_at or need.first_callback,
            )
            for need in missing.iterator()
        ),
        batch_size=BATCH,
    )


def copy_callbacks(apps, schema_editor) -> None:
    NeedCallback = apps.get_model("needs", "NeedCallback")
    Subject = apps.get_model("feedback", "Subject")
    Callback = apps.get_model("feedback", "Callback")
    open_subjects(apps)
    subjects = dict(Subject.objects.filter(kind="need").values_list("object_id", "pk"))
    Callback.objects.bulk_create(
        (
            Callback(
                subject_id=subjects[old.need_id],
                at=old.at,
                by_id=old.by_id,
                note=old.note,
                **callback_fields(old.reached, old.solved, old.satisfied),
            )  # fmt: skip
            for old in NeedCallback.objects.order_by("pk").iterator()
        ),
        batch_size=BATCH,
    )


class Migration(migrations.Migration):
    dependencies = [
        ("needs", "0005_category_department"),
        ("feedback", "0001_initial"),
    ]

    operations = [
        migrations.RunPython(copy_callbacks, migrations.RunPython.noop, elidable=False),
        migrations.DeleteModel(name="NeedCallback"),
    ]
