"""Scanned documents of the mediation file, with the cases app's safety rules (shared on
purpose): the declared size is refused before the body is read, the type is recognised by the
first bytes, the name is cleaned, the file is stored under a random name and served only by an
access-checked view."""

from __future__ import annotations

import hashlib

from django.core.files.base import ContentFile
from django.db import transaction
from django.utils.translation import gettext as _

from doorstep.cases.actions.attachments import clean_name, max_bytes, sniff, too_large_message
from doorstep.core.errors import field_error

from ..choices import DocumentKind, EventKind
from ..models import Dispute, DisputeAttachment
from .common import check_may_mediate, record_event


def do_attach_document(dispute: Dispute, *, actor, upload, kind: str) -> DisputeAttachment:
    """Attach ``upload`` (a Django ``UploadedFile``) to the file as a ``kind`` document. Bad
    files are refused before anything is stored."""
    check_may_mediate(actor, dispute)
    if kind not in DocumentKind.values:
        raise field_error("kind", _("Choose what the document is."))
    if upload is None or not upload.size:
        raise field_error("file", _("Choose a file to attach."), "required")
    if upload.size > max_bytes():
        raise field_error("file", too_large_message(), "too_large")
    data = upload.read()
    content_type = sniff(data[:16])
    if content_type is None:
        raise field_error("file", _("Only PDF, JPEG and PNG files can be attached."), "bad_type")
    name = clean_name(getattr(upload, "name", "") or "", content_type)
    with transaction.atomic():
        attachment = DisputeAttachment(
            dispute=dispute,
            kind=kind,
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
                dispute, EventKind.ATTACHMENT, actor=actor, data={"name": name, "kind": kind}
            )
        except Exception:
            attachment.file.delete(save=False)
            raise
    return attachment
