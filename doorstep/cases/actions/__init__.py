"""Writes of the cases app, a package from now on; ``transitions`` holds what ``actions.py`` did."""

from __future__ import annotations

from .transitions import (
    RECEIVE_THEN,
    CaseChanged,
    InvalidTransition,
    Received,
    available_verbs,
    do_accept,
    do_add_note,
    do_add_to_notice,
    do_receive_materials,
    do_record_trip,
    do_transition,
    may_handle,
    may_review,
)

__all__ = [
    "RECEIVE_THEN",
    "CaseChanged",
    "InvalidTransition",
    "Received",
    "available_verbs",
    "do_accept",
    "do_add_note",
    "do_add_to_notice",
    "do_receive_materials",
    "do_record_trip",
    "do_transition",
    "may_handle",
    "may_review",
]
