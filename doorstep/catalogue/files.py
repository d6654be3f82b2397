"""Blank forms and filled samples attached to materials: PDF, JPEG or PNG only, judged by the
file's first bytes (a text file renamed ``.pdf`` is refused), and no larger than a limit."""

from __future__ import annotations

from pathlib import PurePath

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

# The first bytes of each accepted kind, and the file name endings that go with it.
SIGNATURES = {
    "pdf": (b"%PDF-", {".pdf"}),
    "png": (b"\x89PNG\r\n\x1a\n", {".png"}),
    "jpeg": (b"\xff\xd8\xff", {".jpg", ".jpeg"}),
}
DEFAULT_MAX_BYTES = 10 * 1024 * 1024


def max_bytes() -> int:
    return getattr(settings, "DOORSTEP_CATALOGUE_MAX_FILE", DEFAULT_MAX_BYTES)


def sniff(head: bytes) -> str | None:
    """The kind of file these first bytes start, or None."""
    return next((kind for kind, (magic, _e) in SIGNATURES.items() if head.startswith(magic)), None)


def validate_document(upload) -> None:
    """Model field validator: refuse anything but a real PDF, JPEG or PNG under the limit."""
    if upload.size is not None and upload.size > max_bytes():
        raise ValidationError(
            _("The file is larger than %(mb)d MB."), params={"mb": max_bytes() // 2**20}
        )
    position = upload.tell() if hasattr(upload, "tell") else 0
    upload.seek(0)
    head = upload.read(16)
    upload.seek(position)
    kind = sniff(head or b"")
    if kind is None:
        raise ValidationError(_("Only PDF, JPEG or PNG files are accepted."))
    suffix = PurePath(upload.name or "").suffix.lower()
    if suffix not in SIGNATURES[kind][1]:
        raise ValidationError(_("The file's name does not match its content."))
