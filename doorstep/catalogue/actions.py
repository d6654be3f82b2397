"""Writes to the catalogue. The admin, the loader, commands and tests all call these."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from .choices import ChangeAction, VersionStatus
from .models import FAQ, Material, Service, ServiceChange, ServiceVersion

# Fields a new draft copies from the version it starts from.
CONTENT_FIELDS = [
    f.name
    for f in ServiceVersion._meta.concrete_fields
    if f.name
    not in {"id", "service", "number", "status", "created_at", "published_at", "published_by"}
]
MATERIAL_FIELDS = [
    f.name for f in Material._meta.concrete_fields if f.name not in {"id", "version"}
]


class InvalidTransition(ValidationError):
    """A draft or publish that the version's state does not allow."""


def _log(version: ServiceVersion, action: str, actor) -> None:
    ServiceChange.objects.create(
        service_id=version.service_id, version=version, action=action, actor=actor
    )


@transaction.atomic
def do_create_draft(service: Service, *, actor) -> ServiceVersion:
    """A new draft of ``service``, copied from its published version (or its latest one), with
    materials, questions and life events. Refused while another draft exists."""
    Service.objects.select_for_update().get(pk=service.pk)  # one draft at a time per service
    if service.versions.filter(status=VersionStatus.DRAFT).exists():
        raise InvalidTransition(_("This service already has a draft: edit that one."))
    base = (
        service.versions.filter(status=VersionStatus.PUBLISHED).first()
        or service.versions.order_by("-number").first()
    )
    number = (service.versions.aggregate(n=Max("number"))["n"] or 0) + 1
    draft = ServiceVersion(service=service, number=number, status=VersionStatus.DRAFT)
    if base is not None:
        for name in CONTENT_FIELDS:
            setattr(draft, name, getattr(base, name))
    draft.save()
    if base is not None:
        draft.life_events.set(base.life_events.all())
        Material.objects.bulk_create(
            Material(version=draft, **{n: getattr(m, n) for n in MATERIAL_FIELDS})
            for m in base.materials.all()
        )
        FAQ.objects.bulk_create(
            FAQ(version=draft, position=f.position, question=f.question, answer=f.answer)
            for f in base.faqs.all()
        )
    _log(draft, ChangeAction.DRAFT_CREATED, actor)
    return draft


def check_publishable(version: ServiceVersion) -> None:
    """Refuse a version the public should not see yet, with every reason at once."""
    version.full_clean(exclude=["service", "number"], validate_unique=False)
    problems = []
    if version.type_id is None:
        problems.append(_("Choose the service type."))
    if not version.places:
        problems.append(_("Say where the matter can be done."))
    if not version.materials.exists():
        problems.append(_("List at least one material."))
    if problems:
        raise InvalidTransition(problems)


@transaction.atomic
def do_publish(version: ServiceVersion, *, actor) -> ServiceVersion:
    """Publish a draft; the service's previously published version is retired in the same
    transaction, so the public always sees exactly one."""
    Service.objects.select_for_update().get(pk=version.service_id)
    version.refresh_from_db()
    if version.status != VersionStatus.DRAFT:
        raise InvalidTransition(_("Only a draft can be published."))
    check_publishable(version)
    previous = ServiceVersion.objects.filter(
        service_id=version.service_id, status=VersionStatus.PUBLISHED
    ).first()
    if previous is not None:
        ServiceVersion.objects.filter(pk=previous.pk, status=VersionStatus.PUBLISHED).update(
            status=VersionStatus.RETIRED
        )
        _log(previous, ChangeAction.RETIRED, actor)
    now = timezone.now()
    updated = ServiceVersion.objects.filter(pk=version.pk, status=VersionStatus.DRAFT).update(
        status=VersionStatus.PUBLISHED,
        published_at=now,
        published_by=actor if getattr(actor, "pk", None) else None,
    )
    if updated != 1:
        raise InvalidTransition(_("Only a draft can be published."))
    _log(version, ChangeAction.PUBLISHED, actor)
    version.refresh_from_db()
    return version
