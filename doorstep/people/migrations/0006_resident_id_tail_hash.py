from __future__ import annotations

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("people", "0005_move_rolegrant_to_staff")]

    operations = [
        migrations.AddField(
            model_name="resident",
            name="id_tail_hash",
            field=models.CharField(db_index=True, default="", max_length=40),
            preserve_default=False,
        ),
    ]
