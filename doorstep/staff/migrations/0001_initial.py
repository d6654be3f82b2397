# RoleGrant moves here from people. The table stays people_rolegrant and is not touched: the
# model changes app in Django's state only (people.0005 removes it there). The content type
# follows, so permissions already given on role grants keep working.

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


def move_content_type(apps, schema_editor):
    ContentType = apps.get_model("contenttypes", "ContentType")
    if not ContentType.objects.filter(app_label="staff", model="rolegrant").exists():
        ContentType.objects.filter(app_label="people", model="rolegrant").update(app_label="staff")


def move_content_type_back(apps, schema_editor):
    ContentType = apps.get_model("contenttypes", "ContentType")
    if not ContentType.objects.filter(app_label="people", model="rolegrant").exists():
        ContentType.objects.filter(app_label="staff", model="rolegrant").update(app_label="people")


class Migration(migrations.Migration):

    initial = True

    dependencies = [
        ('catalogue', '0002_material_certificate_type'),
        ('contenttypes', '0002_remove_content_type_name'),
        ('people', '0004_certificatetype_renewal_window_days'),
        ('places', '0001_initial'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name='RoleGrant',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('role', models.CharField(choices=[('clerk', 'Desk clerk'), ('grid_worker', 'Grid worker'), ('community_lead', 'Community lead'), ('street_lead', 'Street lead'), ('district_lead', 'District lead'), ('reviewer', 'Department reviewer')], max_length=20, verbose_name='role')),
                        ('area', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, to='places.area', verbose_name='area')),
                        ('department', models.ForeignKey(blank=True, help_text='Department reviewers only: the department whose forwarded cases they see.', null=True, on_delete=django.db.models.deletion.PROTECT, related_name='reviewer_grants', to='catalogue.department', verbose_name='department')),
                        ('user', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='role_grants', to=settings.AUTH_USER_MODEL, verbose_name='user')),
                    ],
                    options={
                        'verbose_name': 'role grant',
                        'verbose_name_plural': 'role grants',
                        'db_table': 'people_rolegrant',
                        'constraints': [models.UniqueConstraint(fields=('user', 'role', 'area'), name='rolegrant_unique'), models.CheckConstraint(condition=models.Q(('department__isnull', True), ('role', 'reviewer'), _connector='OR'), name='rolegrant_department_reviewer_only')],
                    },
                ),
            ],
            database_operations=[],
        ),
        migrations.RunPython(move_content_type, move_content_type_back, elidable=True),
    ]
