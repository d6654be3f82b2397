"""A record's id as it arrives in a URL or a form: one reading for every ``access_*`` helper."""

from __future__ import annotations

from django.http import Http404

from doorstep.core.rest.types import ID_MAX


def pk_or_404(value) -> int:
    """``value`` as a positive integer id that a 64-bit key column can hold; 404 for anything
    else (not a number, zero, negative, too big), alike for "does not exist" and "not yours"."""
    try:
        pk = int(value)
    except (TypeError, ValueError):
        raise Http404 from None
    if not 0 < pk <= ID_MAX:
        raise Http404
    return pk
