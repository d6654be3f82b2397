"""One live booking per phone per session, in the database. A separate migration from the
backfill of ``session`` (0006): PostgreSQL refuses to alter a table with updates pending in the
same transaction."""

import django.db.models.deletion
from django.db import migrations, models
from django.db.models import OuterRef

LIVE = ["held", "booked"]


def cancel_second_bookings(apps, schema_editor):
    """Before the new rule, a phone could hold two places in one session (two slots). Keep the
    earliest made; the later ones are cancelled and their places freed, so the constraint can
    be added."""
    Appointment = apps.get_model("desks", "Appointment")
    Slot = apps.get_model("desks", "Slot")
    earlier = Appointment.objects.filter(
        session_id=OuterRef("session_id"),
        phone=OuterRef("phone"),
        status__in=LIVE,
        pk__lt=OuterRef("pk"),
    )
    later = Appointment.objects.filter(status__in=LIVE).filter(models.Exists(earlier))
    for slot_id in set(later.values_list("slot_id", flat=True)):
        n = later.filter(slot_id=slot_id).update(status="cancelled")
        Slot.objects.filter(pk=slot_id, booked__gte=n).update(booked=models.F("booked") - n)


class Migration(migrations.Migration):
    dependencies = [
        ("desks", "0006_appointment_session_channel_and_day_cancel"),
    ]

    operations = [
        migrations.AlterField(
            model_name="appointment",
            name="session",
            field=models.ForeignKey(
                editable=False,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="appointments",
                to="desks.desksession",
                verbose_name="session",
            ),
        ),
        migrations.RemoveConstraint(
            model_name="appointment",
            name="appointment_one_per_phone_and_slot",
        ),
        migrations.RunPython(cancel_second_bookings, migrations.RunPython.noop),
        migrations.AddConstraint(
            model_name="appointment",
            constraint=models.UniqueConstraint(
                condition=models.Q(("status__in", ["held", "booked"])),
                fields=("session", "phone"),
                name="appointment_one_per_phone_and_session",
            ),
        ),
    ]
