"""Scanned materials attached to a case: PDF, JPEG or PNG only, recognised by their first bytes
(never by the file's name or the browser's claimed type), up to ``DOORSTEP_ATTACHMENT_MAX_BYTES``.
Files go through Django's storage under a random name; they are served only by an
access-checked view, never from a public URL."""

from __future__ import annotations

import hashlib
import re
import unicodedata

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.core.files.base import ContentFile
from django.db import transaction
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _

from doorstep.core.errors import field_error

from ..choices import EventKind
from ..models import Attachment, Case
from .common import may_handle, may_review, record_event

SIGNATURES = (
    (b"%PDF-", "application/pdf"),
    (b"\xff\xd8\xff", "image/jpeg"),
    (b"\x89PNG\r\n\x1a\n", "image/png"),
)


def sniff(head: bytes) -> str | None:
    """The content type the bytes say they are, or None when they are none of ours."""
    for signature, content_type in SIGNATURES:
        if head.startswith(signature):
            return content_type
    return None


def max_bytes() -> int:
    return getattr(settings, "DOORSTEP_ATTACHMENT_MAX_BYTES", 10 * 1024 * 1024)


# Room for the multipart envelope and the form's other fields around the file.
ENVELOPE = 64 * 1024


def declared_too_large(request) -> bool:
    """Whether the request's declared size (Content-Length) is already more than an attachment
    may be. Checked before anything reads the body, so a huge upload is never received."""
    try:
        length = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        return False
    return length > max_bytes() + ENVELOPE


def too_large_message() -> str:
    return _("The file is too large: at most %(size)s.") % {"size": filesizeformat(max_bytes())}


# The file name endings each content type may keep; any other ending is replaced by the first.
SAFE_EXTENSIONS = {
    "application/pdf": ("pdf",),
    "image/jpeg": ("jpg", "jpeg"),
    "image/png": ("png",),
}
_UNSAFE = re.compile(r'[<>:"/\\|?*]')


def clean_name(name: str, content_type: str) -> str:
    """A file name safe to store and to offer for download: no directories, no control or
    format characters (the right-to-left override that turns ``fdp.exe`` round), none of the
    characters file systems refuse, and an ending that matches the content (``evil.html``
    holding a PDF becomes ``evil.pdf``)."""
    name = unicodedata.normalize("NFKC", name or "").replace("\\", "/").rsplit("/", 1)[-1]
    name = "".join(
        " " if unicodedata.category(ch).startswith("Z") else ch
        for ch in name
        if not unicodedata.category(ch).startswith("C")
    )
    name = " ".join(_UNSAFE.sub("_", name).split()).strip(". ")
    stem, dot, ext = name.rpartition(".")
    allowed = SAFE_EXTENSIONS.get(content_type, ("bin",))
    if dot and stem and ext.lower() in allowed:
        stem, ext = stem, ext.lower()
    else:
        stem, ext = (stem if dot and stem else name), allowed[0]
    stem = stem.strip(". ")[:100] or "scan"
    return f"{stem}.{ext}"


def do_add_attachment(case: Case, *, actor, upload, material_id: int | None = None) -> Attachment:
    """Attach ``upload`` (a Django ``UploadedFile``) to ``case``, optionally to one of its
    materials. Bad files are refused before anything is stored."""
    if not (may_handle(actor, case) or may_review(actor, case)):
        raise PermissionDenied(_("You may not take this action on this case."))
    if upload is None or not upload.size:
        raise field_error("file", _("Choose a file to attach."), "required")
    if upload.size > max_bytes():
        raise field_error("file", too_large_message(), "too_large")
    data = upload.read()
    content_type = sniff(data[:16])
    if content_type is None:
        raise field_error("file", _("Only PDF, JPEG and PNG files can be attached."), "bad_type")
    material = None
    if material_id not in (None, ""):
        material = case.materials.filter(pk=material_id).first()
        if material is None:
            raise field_error("material", _("No such material on this case."))
    name = clean_name(getattr(upload, "name", "") or "", content_type)
    with transaction.atomic():
        attachment = Attachment(
            case=case,
            material=material,
            original_name=name,
            content_type=content_type,
            size=len(data),
            sha256=hashlib.sha256(data).hexdigest(),
            uploaded_by=actor,
        )
        attachment.file.save(name, ContentFile(data), save=False)
        try:
            attachment.save()
            record_event(
                case, EventKind.ATTACHMENT, actor=actor, data={"name": name, "size": len(data)}
            )
        except Exception:
            attachment.file.delete(save=False)
            raise
    return attachment
