"""Elderly mode (适老化): bigger text on every page, switched by the resident (the switch is in
``base.html``, the view is ``doorstep.views.elderly``) and kept in a cookie, so it needs no
account and follows the resident from the front page to booking, tracking and rating."""

from __future__ import annotations

from django.http import HttpRequest

ELDERLY_COOKIE = "doorstep_elderly"


def is_elderly(request: HttpRequest) -> bool:
    return request.COOKIES.get(ELDERLY_COOKIE) == "1"


def context(request: HttpRequest) -> dict:
    """Template context processor: ``elderly`` for ``base.html``."""
    return {"elderly": is_elderly(request)}
