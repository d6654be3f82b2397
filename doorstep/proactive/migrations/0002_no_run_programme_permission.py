# Programmes are read, changed and run by role capabilities (doorstep.staff.roles), not by
# Django model permissions: the custom run_programme permission goes, and so do its rows.

from django.db import migrations


def delete_permission(apps, schema_editor):
    Permission = apps.get_model("auth", "Permission")
    Permission.objects.filter(
        content_type__app_label="proactive", codename="run_programme"
    ).delete()


class Migration(migrations.Migration):

    dependencies = [
        ('auth', '0012_alter_user_first_name_max_length'),
        ('contenttypes', '0002_remove_content_type_name'),
        ('proactive', '0001_initial'),
    ]

    operations = [
        migrations.AlterModelOptions(
            name='programme',
            options={'ordering': ['name', 'id'], 'verbose_name': 'programme', 'verbose_name_plural': 'programmes'},
        ),
        migrations.RunPython(delete_permission, migrations.RunPython.noop, elidable=True),
    ]
