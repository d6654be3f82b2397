"""Writes to the registry. Views, the API, commands and tests all call these."""

from __future__ import annotations

import datetime
from dataclasses import asdict
from pathlib import Path
from typing import IO

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from doorstep.core import crypto, idnumber, phone
from doorstep.places.choices import AreaKind
from doorstep.places.models import Area, Building, Household
from doorstep.staff.roles import EDIT_RESIDENTS, IMPORT_RESIDENTS, VIEW_RESIDENTS, can
from doorstep.staff.scoping import covers

from . import importer, pinyin
from .choices import AccessAction, ImportStatus
from .models import AccessLog, Certificate, CertificateType, ImportBatch, Resident, Tag


def log_access(actor, resident: Resident | None, action: str, detail: str = "") -> None:
    AccessLog.objects.create(actor=actor, resident=resident, action=action, detail=detail[:200])


def _set_id_number(resident: Resident, number: str) -> None:
    facts = idnumber.check(number)
    resident.id_cipher = crypto.encrypt(facts.number)
    resident.id_hash = crypto.keyed_hash(facts.number)
    resident.id_masked = idnumber.mask(facts.number)
    resident.id_tail_rev = facts.number[:-7:-1]
    resident.birth_date = facts.birth_date
    resident.sex = facts.sex


def _check_area(actor, area: Area) -> None:
    if not covers(actor, EDIT_RESIDENTS, area.code):
        raise PermissionDenied(_("This area is outside the areas you serve."))


def _apply(
    resident: Resident,
    *,
    name: str,
    mobile: str,
    area: Area,
    household: Household | None,
    note: str,
) -> None:
    resident.name = name.strip()
    resident.name_pinyin, resident.name_initials = pinyin.keys(resident.name)
    resident.phone = phone.check(mobile) if mobile else ""
    resident.phone_tail = resident.phone[-4:]
    resident.area, resident.area_code = area, area.code
    resident.household = household
    resident.note = note


@transaction.atomic
def do_ensure_household(*, actor, compound: Area, building: str, room: str) -> Household | None:
    """The household at building/room of a compound, created if new; None when both are blank.
    Call it in the same transaction as the resident write, so a refused write leaves nothing."""
    building, room = building.strip(), room.strip()
    if not building and not room:
        return None
    _check_area(actor, compound)
    if compound.kind != AreaKind.COMPOUND:
        raise ValidationError(
            {"area": _("Choose a compound, not a community, to give a building and room.")}
        )
    if not building or not room:
        raise ValidationError(
            {"room" if building else "building": _("Give both the building and the room.")}
        )
    block, _created = Building.objects.get_or_create(compound=compound, number=building)
    household, _created = Household.objects.get_or_create(building=block, room=room)
    return household


@transaction.atomic
def do_create_resident(
    *,
    actor,
    name: str,
    id_number: str,
    area: Area,
    mobile: str = "",
    household: Household | None = None,
    note: str = "",
    tags: list[Tag] = (),
) -> Resident:
    """Register a resident; an ID number already on file is refused with a clear message."""
    _check_area(actor, area)
    resident = Resident()
    _set_id_number(resident, id_number)
    if Resident.objects.filter(id_hash=resident.id_hash).exists():
        raise ValidationError(
            {"id_number": _("A resident with this ID number is already registered.")}
        )
    _apply(resident, name=name, mobile=mobile, area=area, household=household, note=note)
    resident.save()
    resident.tags.set(tags)
    log_access(actor, resident, AccessAction.CREATE)
    return resident


@transaction.atomic
def do_update_resident(
    resident: Resident,
    *,
    actor,
    name: str,
    area: Area,
    mobile: str = "",
    household: Household | None = None,
    note: str = "",
    tags: list[Tag] = (),
    status: str | None = None,
) -> Resident:
    _check_area(actor, resident.area)
    _check_area(actor, area)
    _apply(resident, name=name, mobile=mobile, area=area, household=household, note=note)
    if status:
        resident.status = status
    resident.save()
    resident.tags.set(tags)
    log_access(actor, resident, AccessAction.UPDATE)
    return resident


def do_reveal(resident: Resident, *, actor, what: str) -> str:
    """Return the full ID or phone number, after checking permission; always logged."""
    if not actor.has_perm("people.reveal_id_number"):
        raise PermissionDenied(_("You may not see full ID and phone numbers."))
    # The permission is global; the resident must also be in the actor's areas.
    if not covers(actor, VIEW_RESIDENTS, resident.area_code):
        raise PermissionDenied(_("This resident is outside the areas you serve."))
    if what == "id":
        log_access(actor, resident, AccessAction.REVEAL_ID)
        return resident.id_number()
    log_access(actor, resident, AccessAction.REVEAL_PHONE)
    return resident.phone


@transaction.atomic
def do_save_certificate(
    resident: Resident,
    *,
    actor,
    type: CertificateType,
    number: str,
    issued_on: datetime.date,
    expires_on: datetime.date | None,
    certificate: Certificate | None = None,
) -> Certificate:
    _check_area(actor, resident.area)
    if expires_on and expires_on <= issued_on:
        raise ValidationError({"expires_on": _("The expiry date must be after the issue date.")})
    duplicate = Certificate.objects.filter(type=type, number=number.strip())
    if certificate:
        duplicate = duplicate.exclude(pk=certificate.pk)
    if duplicate.exists():
        raise ValidationError(
            {"number": _("A certificate of this type with this number is already on file.")}
        )
    certificate = certificate or Certificate(resident=resident)
    certificate.type, certificate.number = type, number.strip()
    certificate.issued_on, certificate.expires_on = issued_on, expires_on
    certificate.save()
    log_access(actor, resident, AccessAction.UPDATE, _("Certificate %(n)s") % {"n": number})
    return certificate


@transaction.atomic
def do_delete_certificate(certificate: Certificate, *, actor) -> None:
    _check_area(actor, certificate.resident.area)
    log_access(
        actor,
        certificate.resident,
        AccessAction.UPDATE,
        _("Removed certificate %(n)s") % {"n": certificate.number},
    )
    certificate.delete()


def do_import_residents(
    source: Path | IO[bytes],
    *,
    actor,
    filename: str,
    valid_only: bool = False,
    check_only: bool = False,
    progress=None,
) -> tuple[ImportBatch, importer.ImportResult]:
    """Import a registry file and record the attempt. Raises ImportFileError for a file that
    cannot be read at all; row problems come back in the result."""
    if not can(actor, IMPORT_RESIDENTS):
        raise PermissionDenied(_("You may not import residents."))
    header, rows, _size = importer.read_table(source)
    result = importer.import_rows(
        header, rows, actor=actor, valid_only=valid_only, check_only=check_only, progress=progress
    )
    status = (
        ImportStatus.DONE
        if result.written
        else (ImportStatus.CHECKED if check_only else ImportStatus.FAILED)
    )
    batch = ImportBatch.objects.create(
        actor=actor,
        filename=filename[:200],
        status=status,
        total=result.total,
        created=result.created if result.written else 0,
        updated=result.updated if result.written else 0,
        rejected=result.rejected,
        errors=[asdict(e) for e in result.errors[:200]],
        seconds=result.seconds,
    )
    return batch, result
