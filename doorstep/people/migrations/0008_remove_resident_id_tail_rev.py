from __future__ import annotations

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("people", "0007_fill_id_tail_hash")]

    operations = [migrations.RemoveField(model_name="resident", name="id_tail_rev")]
