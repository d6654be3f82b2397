"""Writes of the needs app. Views, the JSON API, commands, tasks and tests all call these.

Every verb is one transaction and appends its ``NeedEvent`` in it; messages go to the outbox
inside the transaction, so a rolled-back change sends nothing.

- ``register``: ``do_register_need`` (with the same-problem offer), ``do_add_supporter``,
  ``do_add_photo``, and the proactive-governance proposal;
- ``handoff``: ``do_hand_on``, ``do_accept_handoff``, ``do_refuse_handoff`` ("not ours" hands it
  to whoever it belongs to), ``do_cancel_handoff``, ``do_post_progress``, the outside body's link;
- ``transitions``: ``do_transition`` (start, pause, resume), ``do_answer``, ``do_callback``,
  ``do_reopen``, ``do_ask_extension``, ``do_decide_extension``, ``do_decide_flag``;
- ``sweep``: ``do_escalate_needs``, the set-based escalation of overdue needs;
- ``common``: what these share (who may act, the guarded save, the event writers …).
"""

from __future__ import annotations

from ..errors import InvalidTransition, NeedChanged
from .common import available_verbs, may_act, may_review
from .handoff import (
    do_accept_handoff,
    do_cancel_handoff,
    do_hand_on,
    do_post_progress,
    do_refuse_handoff,
    handoff_for_token,
    link_for,
    may_receive,
    receivers,
    resolve_target,
    token_for,
)
from .register import Registered, do_add_photo, do_add_supporter, do_register_need, same_problem
from .sweep import do_escalate_needs
from .transitions import (
    BODY_DECISIONS,
    SIMPLE_VERBS,
    CallbackDone,
    dispute_for,
    do_answer,
    do_ask_extension,
    do_callback,
    do_decide_extension,
    do_decide_flag,
    do_reopen,
    do_transition,
)

__all__ = [
    "BODY_DECISIONS",
    "SIMPLE_VERBS",
    "CallbackDone",
    "InvalidTransition",
    "NeedChanged",
    "Registered",
    "available_verbs",
    "dispute_for",
    "do_accept_handoff",
    "do_add_photo",
    "do_add_supporter",
    "do_answer",
    "do_ask_extension",
    "do_callback",
    "do_cancel_handoff",
    "do_decide_extension",
    "do_decide_flag",
    "do_escalate_needs",
    "do_hand_on",
    "do_post_progress",
    "do_refuse_handoff",
    "do_register_need",
    "do_reopen",
    "do_transition",
    "handoff_for_token",
    "link_for",
    "may_act",
    "may_receive",
    "may_review",
    "receivers",
    "resolve_target",
    "same_problem",
    "token_for",
]
