"""A need's transitions: start, wait for the resident and resume, answer (with the decision),
the callback (回访: basically satisfied or better closes, dissatisfied reopens), reopen, the
extension asked and decided, and the reviewer's decision on the "repeated unreasonable demand"
flag.

Each is one transaction on the row-locked need, guarded by the revision it read, and appends
its ``NeedEvent`` in it."""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.db import transaction
from django.utils.translation import gettext as _

from doorstep.feedback.actions import (
    Called,
    clean_called,
    do_open_subject,
    subject_for,
    write_callback,
)
from doorstep.feedback.choices import Level, SubjectKind
from doorstep.feedback.models import Callback, Subject

from .. import clock
from ..choices import OPEN, Decision, EventKind, NeedStatus
from ..errors import InvalidTransition, field_error
from ..models import FlagDecision, Need, NeedEvent
from .common import (
    apply_transition,
    check_revision,
    clean_reason,
    copy_back,
    lock_need,
    may_act,
    may_review,
    now,
    record_event,
    require,
    save_guarded,
)

# The verbs taken as they are (answer, callback and reopen have their own actions).
SIMPLE_VERBS = ("start", "pause", "resume")
EXTENSION_MAX_HOURS = 24 * 30
# What the outside body may answer by its link: turning a need into a case or a dispute is
# the community's decision.
BODY_DECISIONS = (Decision.RESOLVED, Decision.PARTLY, Decision.NOT_SUPPORTED)


def _run(need: Need, verb: str, *, actor, reason: str, revision, extra=None) -> NeedEvent:
    locked = lock_need(need)
    old, changed, event = apply_transition(
        locked, verb, actor=actor, reason=reason, at=now(), revision=revision
    )
    if extra is not None:
        changed.update(extra(locked, event))
    save_guarded(locked, changed, status=old, revision=locked.revision)
    event.save()
    copy_back(need, locked)
    return event


@transaction.atomic
def do_transition(need: Need, verb: str, *, actor, reason: str = "", revision=None) -> NeedEvent:
    """Start handling, wait for the resident (the clock stops), or resume (the deadline moves
    by the time stopped)."""
    if verb not in SIMPLE_VERBS:
        raise InvalidTransition(_("Unknown action “%(verb)s”.") % {"verb": verb[:20]})
    return _run(need, verb, actor=actor, reason=reason, revision=revision)


COMMUNITY_CODE_LENGTH = 12  # district 6 + street 3 + community 3 (DESIGN.md §3)


def dispute_for(need: Need, number: str):
    """The mediation file ``number`` (as the committee wrote it on the file) in the need's
    community, for the answer "turned into a dispute"; a clear error when there is none. The
    owner need not be able to read disputes (a grid worker hands a quarrel to the committee):
    the file number and the community are the proof."""
    from doorstep.disputes.models import Dispute

    number = (number or "").strip().upper()
    found = None
    if number:
        found = Dispute.objects.filter(
            number=number[:20], area_code__startswith=need.area_code[:COMMUNITY_CODE_LENGTH]
        ).first()
    if found is None:
        raise field_error(
            "dispute",
            _("No dispute with this file number in the need's community."),
            "unknown_dispute",
        )
    return found


@transaction.atomic
def do_answer(
    need: Need,
    *,
    actor,
    decision: str,
    answer: str,
    case=None,
    dispute=None,
    revision=None,
    body_name: str = "",
) -> NeedEvent:
    """Answer the resident: the decision and the explanation they are given. ``actor`` None is
    the owning outside body (``body_name``), by its link."""
    if decision not in Decision.values:
        raise field_error("decision", _("Choose one of the options."))
    if actor is None and decision not in BODY_DECISIONS:
        raise field_error("decision", _("Choose one of the options."))
    answer = clean_reason(answer, required=True, field="answer")
    if decision == Decision.CASE and case is None:
        raise field_error("case", _("Give the receipt number of the case."), "unknown_case")
    if decision == Decision.DISPUTE and dispute is None:
        raise field_error(
            "dispute", _("Give the file number of the dispute it became."), "unknown_dispute"
        )

    def record(locked: Need, event: NeedEvent) -> list[str]:
        locked.answered_at = event.at
        locked.decision = decision
        locked.answer = answer
        locked.case = case if decision == Decision.CASE else None
        locked.dispute = dispute if decision == Decision.DISPUTE else None
        event.actor_name = body_name
        event.data = {"decision": decision, "case": getattr(case, "receipt", "")}
        if locked.dispute is not None:
            event.data["dispute"] = locked.dispute.number
        open_subject(locked, at=event.at, handler=actor)
        return ["answered_at", "decision", "answer", "case", "dispute"]

    return _run(need, "answer", actor=actor, reason=answer, revision=revision, extra=record)


def open_subject(need: Need, *, at, handler) -> Subject:
    """Open the need for rating (好差评) when it is answered: the answer is what the resident
    judges, and the callback follows. The unit rated is the department that owns it, else the
    community; the rater is the resident who raised it. Answered again after a reopening, the
    need keeps its subject, which takes the new time."""
    return do_open_subject(
        SubjectKind.NEED, need.pk, reference=f"#{need.pk}", area_code=need.area_code,
        closed_at=at, department=need.owner_department, handler=handler,
        resident=need.resident, phone="" if need.resident_id else need.raiser_phone[:11],
    )  # fmt: skip


@dataclass
class CallbackDone:
    callback: Callback
    event: NeedEvent | None  # the transition it caused: closed, reopened, or none


@transaction.atomic
def do_callback(need: Need, *, actor, called: Called, revision=None) -> CallbackDone:
    """Record the callback (回访) on the need's rated matter. Reached and basically satisfied
    or better: the need closes. Reached and dissatisfied: it is reopened, with a note saying
    why. Not reached, or not counted (wrong number, declined …): recorded, and the need waits
    for another callback."""
    locked = lock_need(need)
    require(may_act(actor, locked))
    check_revision(locked, revision)
    if locked.status != NeedStatus.ANSWERED:
        raise InvalidTransition(_("Only an answered need is called back."))
    called = clean_called(called)
    counts = called.reached and not called.invalid
    happy = counts and called.satisfaction >= Level.BASICALLY_SATISFIED
    unhappy = counts and not happy
    if unhappy and not called.note:
        raise field_error("note", _("Say why the resident is dissatisfied."), "reason_required")
    subject = subject_for(SubjectKind.NEED, locked.pk) or open_subject(
        locked, at=locked.answered_at or now(), handler=None
    )  # answered before subjects opened at the answer
    callback = write_callback(subject, called, by=actor)
    data = {"invalid": called.invalid, "reached": called.reached, "solved": called.solved,
            "satisfaction": called.satisfaction}  # fmt: skip
    record_event(locked, EventKind.CALLBACK, actor=actor, at=callback.at, level=locked.level,
                 reason=called.note, data=data)  # fmt: skip
    event = None
    if happy:
        event = _run(locked, "close", actor=actor, reason=called.note, revision=locked.revision)
    elif unhappy:
        event = _run(locked, "reopen", actor=actor, reason=called.note,
                     revision=locked.revision, extra=_restart_clock)  # fmt: skip
    else:
        save_guarded(locked, [], status=locked.status, revision=locked.revision)
    copy_back(need, locked)
    return CallbackDone(callback, event)


def _restart_clock(locked: Need, event: NeedEvent) -> list[str]:
    """A reopened need gets a fresh feedback deadline, counted from now."""
    locked.feedback_due_at = clock.due_at(locked.category, event.at)
    locked.closed_at = None
    locked.answered_at = None
    locked.decision = ""
    return ["feedback_due_at", "closed_at", "answered_at", "decision"]


@transaction.atomic
def do_reopen(need: Need, *, actor, reason: str, revision=None) -> NeedEvent:
    """Reopen an answered or closed need (the resident came back), with a reason."""
    return _run(need, "reopen", actor=actor, reason=reason, revision=revision,
                extra=_restart_clock)  # fmt: skip


@transaction.atomic
def do_ask_extension(need: Need, *, actor, hours: int, reason: str, revision=None) -> NeedEvent:
    """The owner asks for more time; a reviewer decides (``do_decide_extension``)."""
    locked = lock_need(need)
    require(may_act(actor, locked))
    check_revision(locked, revision)
    if locked.status not in OPEN or locked.status == NeedStatus.ANSWERED:
        raise InvalidTransition(_("Only a need still being handled can get more time."))
    if locked.extension_asked_at is not None:
        raise InvalidTransition(_("More time was already asked for; a reviewer will decide."))
    if not isinstance(hours, int) or not 1 <= hours <= EXTENSION_MAX_HOURS:
        raise field_error(
            "hours", _("Between 1 and %(n)d hours.") % {"n": EXTENSION_MAX_HOURS}, "out_of_range"
        )
    reason = clean_reason(reason, required=True)
    at = now()
    locked.extension_asked_at, locked.extension_hours = at, hours
    locked.extension_reason = reason[:500]
    fields = ["extension_asked_at", "extension_hours", "extension_reason"]
    save_guarded(locked, fields, status=locked.status, revision=locked.revision)
    event = record_event(locked, EventKind.EXTENSION_ASKED, actor=actor, at=at,
                         level=locked.level, reason=reason, data={"hours": hours})  # fmt: skip
    copy_back(need, locked)
    return event


@transaction.atomic
def do_decide_extension(need: Need, *, actor, grant: bool, reason: str, revision=None) -> NeedEvent:
    """A reviewer grants (the deadline moves by the hours asked) or refuses, with a reason."""
    locked = lock_need(need)
    require(may_review(actor, locked))
    check_revision(locked, revision)
    if locked.extension_asked_at is None:
        raise InvalidTransition(_("No extension was asked for."))
    reason = clean_reason(reason, required=True)
    hours = locked.extension_hours
    fields = ["extension_asked_at", "extension_hours", "extension_reason"]
    if grant:
        locked.feedback_due_at += datetime.timedelta(hours=hours)
        locked.extended = True
        fields += ["feedback_due_at", "extended"]
    locked.extension_asked_at, locked.extension_hours, locked.extension_reason = None, 0, ""
    save_guarded(locked, fields, status=locked.status, revision=locked.revision)
    kind = EventKind.EXTENSION_GRANTED if grant else EventKind.EXTENSION_REFUSED
    event = record_event(locked, kind, actor=actor, level=locked.level, reason=reason,
                         data={"hours": hours})  # fmt: skip
    copy_back(need, locked)
    return event


@transaction.atomic
def do_decide_flag(need: Need, *, actor, flagged: bool, reasons: str) -> FlagDecision:
    """A reviewer's recorded decision, with reasons, on the "repeated unreasonable demand" flag:
    the only way it is set or cleared."""
    locked = lock_need(need)
    require(may_review(actor, locked))
    reasons = clean_reason(reasons, required=True, field="reasons")
    decision = FlagDecision.objects.create(
        need=locked, flagged=bool(flagged), reasons=reasons, decided_by=actor
    )
    locked.unreasonable = bool(flagged)
    save_guarded(locked, ["unreasonable"], status=locked.status, revision=locked.revision)
    record_event(locked, EventKind.FLAG, actor=actor, level=locked.level, reason=reasons,
                 data={"flagged": bool(flagged)})  # fmt: skip
    copy_back(need, locked)
    return decision
