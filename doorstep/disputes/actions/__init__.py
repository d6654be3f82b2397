"""Writes of the disputes app. Views, the JSON API, commands, tasks and tests all call these.

Every verb is one transaction and appends its ``DisputeEvent`` in it; notifications go to the
outbox inside the transaction, so a rolled-back change sends nothing.

- ``register``: ``do_register_dispute``, ``do_add_party``, ``do_acknowledge_notice``,
  ``do_request_mediator``, ``do_decide_mediator_request``;
- ``mediation``: ``do_add_session``, ``do_flag_risk``, ``do_record_outcome``,
  ``do_extend_deadline``, ``do_record_callback``, ``do_transition`` (close, withdraw);
- ``attachments``: ``do_attach_document``;
- ``sweep``: ``do_sweep_disputes``, the overdue and court-confirmation sweep;
- ``common``: what these share (the state machine's one transition function …).
"""

from __future__ import annotations

from ..errors import InvalidTransition
from .attachments import do_attach_document
from .common import available_verbs, one_month_after, why_not
from .mediation import (
    do_add_session,
    do_extend_deadline,
    do_flag_risk,
    do_record_callback,
    do_record_outcome,
    do_transition,
)
from .register import (
    PartySpec,
    do_acknowledge_notice,
    do_add_party,
    do_decide_mediator_request,
    do_register_dispute,
    do_request_mediator,
    mediators_for,
)
from .sweep import do_sweep_disputes

__all__ = [
    "InvalidTransition",
    "PartySpec",
    "available_verbs",
    "do_acknowledge_notice",
    "do_add_party",
    "do_add_session",
    "do_attach_document",
    "do_decide_mediator_request",
    "do_extend_deadline",
    "do_flag_risk",
    "do_record_callback",
    "do_record_outcome",
    "do_register_dispute",
    "do_request_mediator",
    "do_sweep_disputes",
    "do_transition",
    "mediators_for",
    "one_month_after",
    "why_not",
]
