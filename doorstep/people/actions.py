"""Writes to the registry. Views, the API, commands and tests all call these."""

from __future__ import annotations

import datetime
import logging
from collections.abc import Iterable
from dataclasses import asdict
from functools import partial
from pathlib import Path
from typing import IO

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from doorstep.core import crypto, idnumber, phone
from doorstep.places.buildings import normalize_building
from doorstep.places.choices import AreaKind
from doorstep.places.models import Area, Building, Household
from doorstep.staff.roles import EDIT_RESIDENTS, IMPORT_RESIDENTS, VIEW_RESIDENTS, can
from doorstep.staff.scoping import covers

from . import importer, pinyin
from .choices import AccessAction, ImportStatus
from .models import AccessLog, Certificate, CertificateType, ImportBatch, Resident, Tag

logger = logging.getLogger(__name__)


def log_access(actor, resident: Resident | None, action: str, detail: str = "") -> None:
    AccessLog.objects.create(actor=actor, resident=resident, action=action, detail=detail[:200])


def log_accesses(actor, residents: Iterable[Resident], action: str, detail: str = "") -> None:
    """One access-log row per resident, in one INSERT (a page that shows several records)."""
    rows = [
        AccessLog(actor=actor, resident=r, action=action, detail=detail[:200]) for r in residents
    ]
    if rows:
        AccessLog.objects.bulk_create(rows)


def _set_id_number(resident: Resident, number: str) -> None:
    facts = idnumber.check(number)
    resident.id_cipher = crypto.encrypt(facts.number)
    resident.id_hash = crypto.keyed_hash(facts.number)
    resident.id_masked = idnumber.mask(facts.number)
    resident.id_tail_hash = crypto.tail_hash(facts.number[-4:])
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
    building, room = normalize_building(building), room.strip()
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


REVEAL_REASON_MAX = 100


def do_reveal(resident: Resident, *, actor, what: str, reason: str) -> str:
    """Return the full ID or phone number, after checking permission and that a reason is
    given; always logged: who (actor), whom (resident), why (the reason), when (``at``)."""
    if not actor.has_perm("people.reveal_id_number"):
        raise PermissionDenied(_("You may not see full ID and phone numbers."))
    # The permission is global; the resident must also be in the actor's areas.
    if not covers(actor, VIEW_RESIDENTS, resident.area_code):
        raise PermissionDenied(_("This resident is outside the areas you serve."))
    reason = " ".join(reason.split())
    if not reason:
        raise ValidationError(
            {"reason": _("Say why you need the full number; the reason is recorded.")}
        )
    if len(reason) > REVEAL_REASON_MAX:
        raise ValidationError(
            {"reason": _("Keep the reason under %(n)d characters.") % {"n": REVEAL_REASON_MAX}}
        )
    if what == "id":
        log_access(actor, resident, AccessAction.REVEAL_ID, reason)
        return resident.id_number()
    log_access(actor, resident, AccessAction.REVEAL_PHONE, reason)
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
    batch: ImportBatch | None = None,
) -> tuple[ImportBatch, importer.ImportResult]:
    """Import a registry file and record the attempt (in ``batch`` when the web queued one).
    Raises ImportFileError for a file that cannot be read at all; row problems come back in
    the result."""
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
    batch = batch or ImportBatch(actor=actor, filename=filename[:200])
    batch.status = status
    batch.total = result.total
    batch.created = result.created if result.written else 0
    batch.updated = result.updated if result.written else 0
    batch.rejected = result.rejected
    batch.errors = [asdict(e) for e in result.errors[:ERRORS_RECORDED]]
    batch.seconds = result.seconds
    batch.save()
    return batch, result


ERRORS_RECORDED = 200


def do_queue_import(token: str, *, actor, filename: str, valid_only: bool = False) -> ImportBatch:
    """An import of a stored upload (``uploads.save``) waiting for a worker; the task
    ``import_registry`` is enqueued when the caller's transaction commits."""
    if not can(actor, IMPORT_RESIDENTS):
        raise PermissionDenied(_("You may not import residents."))
    with transaction.atomic():
        batch = ImportBatch.objects.create(
            actor=actor,
            filename=filename[:200],
            status=ImportStatus.QUEUED,
            file_token=token,
            valid_only=valid_only,
        )
        transaction.on_commit(partial(_enqueue_import, batch.pk))
    return batch


def _enqueue_import(batch_id: int) -> None:
    from .tasks import import_registry

    try:
        import_registry.enqueue(batch_id)
    except Exception:
        logger.exception("Could not enqueue import %s", batch_id)


def do_import_valid_rows(batch: ImportBatch, *, actor) -> ImportBatch:
    """Queue "import the valid rows" of a checked upload whose file is still kept; the new
    import takes the file over. ``ValidationError`` when that is not on offer."""
    with transaction.atomic():
        taken = ImportBatch.objects.filter(
            pk=batch.pk, actor=actor, status=ImportStatus.FAILED, file_token=batch.file_token
        ).exclude(file_token="")
        if not batch.offers_valid_rows or not taken.update(file_token=""):
            raise ValidationError(
                _("This upload is no longer available. Please upload the file again."), "gone"
            )
        return do_queue_import(
            batch.file_token, actor=actor, filename=batch.filename, valid_only=True
        )


def do_run_import(batch_id: int) -> ImportBatch | None:
    """Carry out a queued import (the worker's side). An import another worker already took
    is left to it. The file is deleted afterwards unless "import the valid rows" is offered."""
    from . import uploads

    if not ImportBatch.objects.filter(pk=batch_id, status=ImportStatus.QUEUED).update(
        status=ImportStatus.RUNNING
    ):
        return None
    batch = ImportBatch.objects.select_related("actor").get(pk=batch_id)
    stream = uploads.open_stored(batch.file_token)

    def progress(phase: str, done: int, to_do: int) -> None:
        ImportBatch.objects.filter(pk=batch_id).update(phase=phase, done=done, to_do=to_do)

    try:
        if stream is None:
            raise importer.ImportFileError(
                _("This upload is no longer available. Please upload the file again.")
            )
        do_import_residents(
            stream,
            actor=batch.actor,
            filename=batch.filename,
            valid_only=batch.valid_only,
            progress=progress,
            batch=batch,
        )
    except (importer.ImportFileError, PermissionDenied) as exc:
        batch.status, batch.file_error = ImportStatus.FAILED, str(exc)
    except Exception:
        batch.status = ImportStatus.FAILED
        batch.file_error = _("The import stopped because of an error; please try again.")
        logger.exception("Import %s failed", batch_id)
    batch.refresh_from_db(fields=["phase", "done", "to_do"])
    if not batch.offers_valid_rows:
        uploads.discard(batch.file_token)
        batch.file_token = ""
    batch.save()
    return batch


def do_purge_imports() -> int:
    """Delete stored uploads older than ``DOORSTEP_IMPORT_FILE_HOURS`` (whatever became of
    their import), forget them on their imports, and close imports that were left waiting or
    running that long (a worker that crashed or never ran). Returns the files deleted."""
    from . import uploads

    removed = uploads.purge()
    cutoff = timezone.now() - datetime.timedelta(hours=settings.DOORSTEP_IMPORT_FILE_HOURS)
    old = ImportBatch.objects.filter(started_at__lt=cutoff)
    old.exclude(file_token="").update(file_token="")
    old.filter(status__in=[ImportStatus.QUEUED, ImportStatus.RUNNING]).update(
        status=ImportStatus.FAILED,
        file_error=_("The import did not finish; please upload the file again."),
    )
    return removed
