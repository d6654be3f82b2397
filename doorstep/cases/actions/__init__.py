"""Writes of the cases app. Views, the JSON API, commands, tasks and tests all call these.

Every verb is one transaction and appends its ``CaseEvent`` in it; notifications go to the outbox
inside the transaction, so a rolled-back change sends nothing. A caller takes one verb: when two
steps belong together (materials received, then the case accepted), one verb does both.

- ``intake``: ``do_intake``, a resident's matter taken in and settled at once (and the
  application from another system it answers, taken in with it);
- ``applications``: ``do_file_application`` (another system files a matter, Open311),
  ``do_decline_application``, ``do_reveal_application_phone``;
- ``transitions``: ``do_transition`` by verb, ``do_accept``, ``do_add_to_notice``;
- ``materials``: ``do_receive_materials`` (and, in the same transaction, accept or resume);
- ``records``: ``do_record_trip``, ``do_add_note``;
- ``oversight``: ``do_request_extension``, ``do_decide_extension`` (延期), ``do_set_supervision``
  (督办);
- ``attachments``: ``do_add_attachment``;
- ``sweep``: ``do_sweep_overdue``, the overdue sweep over all running cases;
- ``followups``: ``do_remind_followups``, reminders before a 容缺 deadline and the late flag;
- ``recount``: ``do_recount_due_dates``, every open case's due date counted again when the
  working-day calendar changes;
- ``common``: what these share (who may act, the guarded save, the event writer …).
"""

from __future__ import annotations

from ..errors import ApplicationChanged, CaseChanged, InvalidTransition
from .applications import (
    REMOTE_PLACES,
    do_decline_application,
    do_file_application,
    do_reveal_application_phone,
    remote_version,
)
from .attachments import do_add_attachment
from .common import available_verbs, may_handle, may_lead, may_review
from .followups import FollowupRun, do_remind_followups
from .intake import Intake, do_intake
from .materials import RECEIVE_THEN, Received, do_receive_materials
from .oversight import (
    do_decide_extension,
    do_request_extension,
    do_set_supervision,
    may_ask_extension,
    may_decide_extension,
)
from .records import do_add_note, do_record_trip
from .recount import do_recount_due_dates
from .sweep import do_sweep_overdue
from .transitions import Completion, do_accept, do_add_to_notice, do_transition

__all__ = [
    "RECEIVE_THEN",
    "REMOTE_PLACES",
    "ApplicationChanged",
    "CaseChanged",
    "Completion",
    "FollowupRun",
    "Intake",
    "InvalidTransition",
    "Received",
    "available_verbs",
    "do_accept",
    "do_add_attachment",
    "do_add_note",
    "do_add_to_notice",
    "do_decide_extension",
    "do_decline_application",
    "do_file_application",
    "do_intake",
    "do_receive_materials",
    "do_record_trip",
    "do_recount_due_dates",
    "do_remind_followups",
    "do_request_extension",
    "do_reveal_application_phone",
    "do_set_supervision",
    "do_sweep_overdue",
    "do_transition",
    "may_ask_extension",
    "may_decide_extension",
    "may_handle",
    "may_lead",
    "may_review",
    "remote_version",
]
