from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("needs", "0003_need_dispute"),
        ("visits", "0001_initial"),
    ]

    operations = [
        migrations.AddField(
            model_name="need",
            name="visit",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=models.deletion.PROTECT,
                related_name="needs",
                to="visits.visit",
                verbose_name="found on the visit",
            ),
        ),
    ]
