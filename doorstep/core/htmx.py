"""The one htmx helper: a page answers an htmx swap with its fragment and anything else (a plain
request, or htmx restoring history, which needs the whole page) with the whole page."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render


def is_partial(request: HttpRequest) -> bool:
    """An htmx swap (not a history restore)."""
    htmx = getattr(request, "htmx", None)
    return bool(htmx) and not htmx.history_restore_request


def render_page(
    request: HttpRequest, page: str, fragment: str, context: dict, **kwargs
) -> HttpResponse:
    """``fragment`` for an htmx swap, else ``page`` (which includes the fragment)."""
    return render(request, fragment if is_partial(request) else page, context, **kwargs)
