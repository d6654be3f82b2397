"""Versions: one published at a time, published content never changes, publishing retires."""

from __future__ import annotations

import pytest
from django.db import IntegrityError, transaction

from doorstep.catalogue.actions import InvalidTransition, do_create_draft, do_publish
from doorstep.catalogue.choices import ChangeAction, VersionStatus
from doorstep.catalogue.models import (
    FAQ,
    ImmutableVersion,
    LifeEvent,
    Material,
    Service,
    ServiceChange,
    ServiceVersion,
)


def test_loaded_service_has_one_published_version(dibao):
    version = dibao.published_version()
    assert version.number == 1 and version.status == VersionStatus.PUBLISHED
    assert version.materials.count() >= 1


def test_published_version_cannot_be_changed(dibao):
    version = dibao.published_version()
    version.purpose = "changed"
    with pytest.raises(ImmutableVersion):
        version.save()
    with pytest.raises(ImmutableVersion):
        version.delete()
    material = version.materials.first()
    material.name = "changed"
    with pytest.raises(ImmutableVersion):
        material.save()
    with pytest.raises(ImmutableVersion):
        Material(version=version, name="new").save()
    with pytest.raises(ImmutableVersion):
        FAQ(version=version, question="q", answer="a").save()
    with pytest.raises(ImmutableVersion), transaction.atomic():
        version.life_events.add(LifeEvent.objects.get(code="death"))
    version.refresh_from_db()
    assert version.purpose != "changed"


def test_new_draft_copies_and_publish_retires_previous(dibao, personas):
    old = dibao.published_version()
    draft = do_create_draft(dibao, actor=personas.admin)
    assert draft.number == 2 and draft.status == VersionStatus.DRAFT
    assert [m.name for m in draft.materials.all()] == [m.name for m in old.materials.all()]
    assert set(draft.life_events.all()) == set(old.life_events.all())
    draft.promised_limit_days = 12
    draft.save()
    draft.materials.first().delete()  # a draft's rows may change
    published = do_publish(draft, actor=personas.admin)
    old.refresh_from_db()
    assert published.status == VersionStatus.PUBLISHED and published.published_by == personas.admin
    assert old.status == VersionStatus.RETIRED
    assert dibao.published_version() == published
    assert old.materials.count() == published.materials.count() + 1  # the old one kept its list
    actions = list(ServiceChange.objects.filter(service=dibao).values_list("action", flat=True))
    assert ChangeAction.RETIRED in actions and actions.count(ChangeAction.PUBLISHED) == 2


def test_second_draft_refused(dibao, personas):
    do_create_draft(dibao, actor=personas.admin)
    with pytest.raises(InvalidTransition):
        do_create_draft(dibao, actor=personas.admin)


def test_publishing_twice_refused(dibao, personas):
    with pytest.raises(InvalidTransition):
        do_publish(dibao.published_version(), actor=personas.admin)


def test_incomplete_draft_not_published(catalogue, personas):
    service = Service.objects.create(
        code="zz-001", name="空白事项", department_id=catalogue["mz-001"].department_id
    )
    draft = do_create_draft(service, actor=personas.admin)
    with pytest.raises(InvalidTransition) as err:
        do_publish(draft, actor=personas.admin)
    assert "List at least one material." in err.value.messages
    draft.refresh_from_db()
    assert draft.status == VersionStatus.DRAFT


def test_database_refuses_two_published_versions(dibao):
    with pytest.raises(IntegrityError), transaction.atomic():
        ServiceVersion.objects.create(service=dibao, number=9, status=VersionStatus.PUBLISHED)


def test_fee_needs_amount_unless_free(dibao):
    with pytest.raises(IntegrityError), transaction.atomic():
        ServiceVersion.objects.create(service=dibao, number=9, fee_free=False)


def test_service_name_keys(catalogue):
    service = catalogue["mz-001"]
    assert service.name_pinyin == "zuidishenghuobaozhang" and service.name_initials == "zdshbz"
