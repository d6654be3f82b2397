"""Bookings carry their session (so the database can hold one live booking per phone per
session), the channel they came through and the clerk who made them; a session called off by a
clerk records why, when and by whom."""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models
from django.db.models import OuterRef, Subquery

LIVE = ["held", "booked"]


def fill_session(apps, schema_editor):
    Appointment = apps.get_model("desks", "Appointment")
    Slot = apps.get_model("desks", "Slot")
    Appointment.objects.update(
        session_id=Subquery(Slot.objects.filter(pk=OuterRef("slot_id")).values("session_id")[:1])
    )


class Migration(migrations.Migration):
    dependencies = [
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
        ("desks", "0005_alter_appointment_service_alter_desk_kind"),
    ]

    operations = [
        migrations.AddField(
            model_name="appointment",
            name="session",
            field=models.ForeignKey(
                editable=False,
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="appointments",
                to="desks.desksession",
                verbose_name="session",
            ),
        ),
        migrations.RunPython(fill_session, migrations.RunPython.noop),
        migrations.AddField(
            model_name="appointment",
            name="channel",
            field=models.CharField(
                choices=[
                    ("online", "Online by the resident"),
                    ("desk", "At the desk"),
                    ("phone", "On the phone"),
                ],
                default="online",
                max_length=10,
                verbose_name="booked through",
            ),
        ),
        migrations.AddField(
            model_name="appointment",
            name="booked_by",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.SET_NULL,
                related_name="+",
                to=settings.AUTH_USER_MODEL,
                verbose_name="booked by",
            ),
        ),
        migrations.AddField(
            model_name="desksession",
            name="cancel_reason",
            field=models.CharField(
                blank=True, max_length=200, verbose_name="reason for cancelling"
            ),
        ),
        migrations.AddField(
            model_name="desksession",
            name="cancelled_at",
            field=models.DateTimeField(blank=True, null=True, verbose_name="cancelled at"),
        ),
        migrations.AddField(
            model_name="desksession",
            name="cancelled_by",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.SET_NULL,
                related_name="+",
                to=settings.AUTH_USER_MODEL,
                verbose_name="cancelled by",
            ),
        ),
    ]
