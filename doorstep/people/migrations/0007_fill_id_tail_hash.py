"""Fill the keyed tail hash and shorten the mask of residents already on file, from the
encrypted number (the plain-text tail is removed by the next migration)."""

from __future__ import annotations

from django.db import migrations

BATCH = 2000


def fill(apps, schema_editor):
    from doorstep.core import crypto

    Resident = apps.get_model("people", "Resident")
    rows = Resident.objects.order_by("pk").only("pk", "id_cipher")
    last = 0
    while True:
        batch = list(rows.filter(pk__gt=last)[:BATCH])
        if not batch:
            return
        for resident in batch:
            number = crypto.decrypt(resident.id_cipher)
            resident.id_tail_hash = crypto.tail_hash(number[-4:])
            resident.id_masked = f"{number[:6]}{'*' * 12}"
        Resident.objects.bulk_update(batch, ["id_tail_hash", "id_masked"])
        last = batch[-1].pk


class Migration(migrations.Migration):
    dependencies = [("people", "0006_resident_id_tail_hash")]

    operations = [migrations.RunPython(fill, migrations.RunPython.noop, elidable=False)]
