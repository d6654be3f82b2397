"""Registry files uploaded through the web page, kept under MEDIA_ROOT/imports/<token> between
"check" and "import the valid rows". A token is usable only from the session that uploaded it."""

from __future__ import annotations

import re
import secrets
from pathlib import Path

from django.conf import settings
from django.core.files.uploadedfile import UploadedFile

_SESSION_KEY = "doorstep_imports"
_TOKEN = re.compile(r"^[A-Za-z0-9_-]{20,40}$")


def _folder() -> Path:
    folder = Path(settings.MEDIA_ROOT) / "imports"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def save(request, upload: UploadedFile) -> str:
    """Store the upload under a random token owned by this session; return the token."""
    token = secrets.token_urlsafe(18)
    with open(_folder() / token, "wb") as out:
        for chunk in upload.chunks():
            out.write(chunk)
    owned = request.session.get(_SESSION_KEY, {})
    owned[token] = upload.name[:200]
    request.session[_SESSION_KEY] = owned
    return token


def claim(request, token: str) -> tuple[Path, str] | None:
    """(path, original file name) of a token this session uploaded and has not discarded."""
    owned = request.session.get(_SESSION_KEY, {})
    if not _TOKEN.match(token or "") or token not in owned:
        return None
    path = _folder() / token
    return (path, owned[token]) if path.is_file() else None


def discard(request, token: str) -> None:
    owned = request.session.get(_SESSION_KEY, {})
    if owned.pop(token, None) is not None:
        request.session[_SESSION_KEY] = owned
    if _TOKEN.match(token or ""):
        (_folder() / token).unlink(missing_ok=True)


def discard_all(request) -> None:
    """Forget files this session left waiting (a new upload replaces them)."""
    for token in list(request.session.get(_SESSION_KEY, {})):
        discard(request, token)
