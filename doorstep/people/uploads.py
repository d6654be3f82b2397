"""Registry files uploaded through the web page, waiting for their background import (and
afterwards while "import the valid rows" is on offer). They are kept under
MEDIA_ROOT/imports/<token>, encrypted with the project's key (``core.crypto``), and deleted by
``purge`` after ``DOORSTEP_IMPORT_FILE_HOURS`` whatever became of their import (a worker that
crashed, a clerk who never came back)."""

from __future__ import annotations

import datetime
import io
import os
import re
import secrets
from pathlib import Path

from cryptography.exceptions import InvalidTag
from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.utils import timezone

from doorstep.core import crypto

_TOKEN = re.compile(r"^[A-Za-z0-9_-]{20,40}$")


def _folder() -> Path:
    folder = Path(settings.MEDIA_ROOT) / "imports"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def _path(token: str) -> Path | None:
    return _folder() / token if _TOKEN.match(token or "") else None


def save(upload: UploadedFile) -> str:
    """Store the upload encrypted under a new random token; return the token. The file's time
    is the application's clock, which ``purge`` reads."""
    token = secrets.token_urlsafe(18)
    plain = b"".join(upload.chunks())
    path = _folder() / token
    with open(path, "wb") as out:
        out.write(crypto.encrypt_bytes(plain))
    stamp = timezone.now().timestamp()
    os.utime(path, (stamp, stamp))
    return token


def open_stored(token: str) -> io.BytesIO | None:
    """The decrypted content of a stored upload, or None when it is gone (or not ours)."""
    path = _path(token)
    if path is None or not path.is_file():
        return None
    try:
        return io.BytesIO(crypto.decrypt_bytes(path.read_bytes()))
    except (InvalidTag, ValueError):
        return None


def discard(token: str) -> None:
    path = _path(token)
    if path is not None:
        path.unlink(missing_ok=True)


def purge(now: datetime.datetime | None = None) -> int:
    """Delete stored uploads older than ``DOORSTEP_IMPORT_FILE_HOURS``; return how many."""
    now = now or timezone.now()
    limit = (now - datetime.timedelta(hours=settings.DOORSTEP_IMPORT_FILE_HOURS)).timestamp()
    removed = 0
    for path in _folder().iterdir():
        if path.is_file() and path.stat().st_mtime < limit:
            path.unlink(missing_ok=True)
            removed += 1
    return removed
