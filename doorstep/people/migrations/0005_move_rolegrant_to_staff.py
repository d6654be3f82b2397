# RoleGrant now lives in the staff app (staff.0001), on the same table: remove it from people's
# state only, so the table and its rows stay as they are.

from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ('people', '0004_certificatetype_renewal_window_days'),
        ('staff', '0001_initial'),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[migrations.DeleteModel(name='RoleGrant')],
            database_operations=[],
        ),
    ]
