from __future__ import annotations

from django.core.management import call_command

from doorstep.catalogue.choices import VersionStatus
from doorstep.catalogue.models import Department, Material, Service, ServiceVersion


def test_sample_catalogue_loads_82_services_once(db):
    call_command("load_catalogue")
    call_command("load_catalogue")  # again: nothing duplicated
    assert Service.objects.count() == 82
    assert Service.objects.public().count() == 82
    assert ServiceVersion.objects.count() == 82
    assert ServiceVersion.objects.filter(status=VersionStatus.PUBLISHED).count() == 82
    assert not ServiceVersion.objects.filter(materials__isnull=True).exists()
    assert Material.objects.filter(version__service__code="mz-001", name="居民身份证").exists()
    assert Department.objects.count() == 8
    per_version = Material.objects.values("version").distinct().count()
    assert per_version == 82
