"""Photos of a visit: JPEG or PNG only, recognised by their first bytes, up to
``DOORSTEP_ATTACHMENT_MAX_BYTES`` each (the case attachments' rules, reused), at most
``MAX_PHOTOS`` per visit. Stored encrypted with the project's key under a random name; read back
only through ``read_photo`` by an access-checked view."""

from __future__ import annotations

import hashlib

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.core.files.base import ContentFile
from django.db import transaction
from django.utils.translation import gettext as _

from doorstep.cases.actions.attachments import (
    ENVELOPE,
    clean_name,
    max_bytes,
    sniff,
    too_large_message,
)
from doorstep.core import crypto
from doorstep.core.errors import field_error
from doorstep.staff.roles import LOG_VISITS

from ..choices import EventKind
from ..models import Visit, VisitEvent, VisitPhoto
from ..scoping import household_q

MAX_PHOTOS = 6
PHOTO_TYPES = ("image/jpeg", "image/png")


def offline_photos_max_bytes() -> int:
    """How many bytes of photos a phone may keep with the visits it saved offline."""
    return settings.DOORSTEP_VISIT_OFFLINE_PHOTOS_MAX_BYTES


def declared_too_large(request, photos: int = 1) -> bool:
    """Whether the request's declared size is more than ``photos`` photos may be: checked
    before anything reads the body, so a huge upload is never received."""
    try:
        length = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        return False
    return length > max_bytes() * photos + ENVELOPE


def check_photo(upload) -> tuple[bytes, str]:
    """The photo's bytes and content type, or a field error saying what is wrong."""
    if upload is None or not upload.size:
        raise field_error("photos", _("Choose a photo."), "required")
    if upload.size > max_bytes():
        raise field_error("photos", too_large_message(), "too_large")
    data = upload.read()
    content_type = sniff(data[:16])
    if content_type not in PHOTO_TYPES:
        raise field_error("photos", _("Only JPEG and PNG photos can be added."), "bad_type")
    return data, content_type


def store_photo(visit: Visit, upload, data: bytes, content_type: str) -> VisitPhoto:
    """Write one checked photo (call inside the transaction that records it)."""
    name = clean_name(getattr(upload, "name", "") or "", content_type)
    photo = VisitPhoto(
        visit=visit,
        original_name=name,
        content_type=content_type,
        size=len(data),
        sha256=hashlib.sha256(data).hexdigest(),
    )
    photo.file.save(name, ContentFile(crypto.encrypt_bytes(data)), save=False)
    try:
        photo.save()
    except Exception:
        photo.file.delete(save=False)
        raise
    return photo


def do_add_photo(visit: Visit, *, actor, upload) -> VisitPhoto:
    """Add a photo to a visit afterwards (the worker who logged it, in their households). The
    same photo sent again (a phone resending what it kept offline, its answer lost) lands
    once: the visit's photo with the same content is returned."""
    mine = Visit.objects.filter(household_q(actor, LOG_VISITS, "household__"), pk=visit.pk)
    may = visit.worker_id == actor.pk and mine.exists()
    if not may:
        raise PermissionDenied(_("Only the worker who logged this visit may add photos to it."))
    data, content_type = check_photo(upload)
    with transaction.atomic():
        # One photo of a visit at a time: the check for the same photo holds until commit.
        Visit.objects.select_for_update().filter(pk=visit.pk).values_list("pk").get()
        same = visit.photos.filter(sha256=hashlib.sha256(data).hexdigest()).first()
        if same is not None:
            return same
        if visit.photos.count() >= MAX_PHOTOS:
            message = _("At most %(n)d photos per visit.") % {"n": MAX_PHOTOS}
            raise field_error("photos", message, "too_many")
        photo = store_photo(visit, upload, data, content_type)
        VisitEvent.objects.create(
            kind=EventKind.PHOTO, actor=actor, visit=visit, data={"photo": photo.pk}
        )
    return photo


def read_photo(photo: VisitPhoto) -> bytes:
    """The photo's bytes, decrypted. Callers check access first."""
    with photo.file.open("rb") as handle:
        return crypto.decrypt_bytes(handle.read())
