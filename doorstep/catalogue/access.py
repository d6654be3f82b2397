"""Checked fetches for the public guides: only a published version of an active service is
ever public; a draft, a retired version and an unknown code all answer the same 404."""

from __future__ import annotations

import re

from django.http import Http404

from .choices import VersionStatus
from .models import ServiceVersion

CODE = re.compile(r"^[-A-Za-z0-9_]{1,40}$")


def access_published_version(code: str) -> ServiceVersion:
    if not CODE.match(code or ""):  # PostgreSQL refuses NUL; nothing odd is ever a code
        raise Http404("no such service")
    version = (
        ServiceVersion.objects.select_related("service__department", "type")
        .prefetch_related("materials", "faqs", "life_events")
        .filter(service__code=code, service__is_active=True, status=VersionStatus.PUBLISHED)
        .first()
    )
    if version is None:
        raise Http404("no such service")
    return version
