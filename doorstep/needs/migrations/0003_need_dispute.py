"""A need turned into a dispute links the mediation file instead of naming it in free text."""

from django.db import migrations, models
from django.db.models import OuterRef, Subquery


def link_files(apps, schema_editor):
    Need = apps.get_model("needs", "Need")
    Dispute = apps.get_model("disputes", "Dispute")
    number = Dispute.objects.filter(number=OuterRef("dispute_ref")).values("pk")[:1]
    Need.objects.exclude(dispute_ref="").update(dispute_id=Subquery(number))


class Migration(migrations.Migration):
    dependencies = [
        ("disputes", "0001_initial"),
        ("needs", "0002_seed_categories"),
    ]

    operations = [
        migrations.AddField(
            model_name="need",
            name="dispute",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=models.deletion.PROTECT,
                related_name="needs",
                to="disputes.dispute",
                verbose_name="dispute",
            ),
        ),
        migrations.RunPython(link_files, migrations.RunPython.noop, elidable=True),
        migrations.RemoveField(model_name="need", name="dispute_ref"),
    ]
