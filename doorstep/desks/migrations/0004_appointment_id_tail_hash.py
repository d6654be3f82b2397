"""Bookings keep a keyed hash of the ID tail the booker gave, not the four characters: with a
linked resident's plain birth date and area code they rebuilt the whole ID number."""

from django.db import migrations, models


def hash_tails(apps, schema_editor):
    from doorstep.core import crypto

    Appointment = apps.get_model("desks", "Appointment")
    batch = []
    for appointment in Appointment.objects.only("pk", "id_last4").iterator(chunk_size=2000):
        appointment.id_tail_hash = crypto.tail_hash(appointment.id_last4)
        batch.append(appointment)
        if len(batch) == 2000:
            Appointment.objects.bulk_update(batch, ["id_tail_hash"])
            batch.clear()
    Appointment.objects.bulk_update(batch, ["id_tail_hash"])


class Migration(migrations.Migration):
    dependencies = [("desks", "0003_appointment_hold")]

    operations = [
        migrations.AddField(
            model_name="appointment",
            name="id_tail_hash",
            field=models.CharField(blank=True, max_length=40),
        ),
        migrations.RunPython(hash_tails, migrations.RunPython.noop, elidable=True),
        migrations.RemoveField(model_name="appointment", name="id_last4"),
    ]
