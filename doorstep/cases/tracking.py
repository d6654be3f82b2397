"""Public tracking (no login): the lookup by receipt number and the last four digits of the
resident's mobile, the timeline in public words, and the throttle on guessing. Used by the
tracking page and its JSON endpoint alike, so one address gets ``TRACK_FAILURES`` wrong tries in
all, not per door."""

from __future__ import annotations

import hmac

from django.urls import reverse

from doorstep.core.throttle import Throttle
from doorstep.feedback.actions import rating_open
from doorstep.feedback.choices import SubjectKind
from doorstep.feedback.models import Subject

from .choices import CaseStatus, EventKind
from .models import Case

# Public tracking: failed look-ups per client address before it must wait, and for how long.
TRACK_FAILURES = 10
TRACK_WINDOW = 600  # seconds
# Reasons the resident must read on the tracking page (why refused, what to correct or bring);
# other reasons are staff's words and may name people.
PUBLIC_REASONS = frozenset({"refuse", "reject", "return", "request_materials"})
PUBLIC_EVENTS = (EventKind.CREATED, EventKind.TRANSITION, EventKind.NOTICE, EventKind.MATERIALS)
# Wrong look-ups per client address (doorstep.core.throttle.client_address), shared by every
# app server.
GUESSES = Throttle("cases-track", TRACK_FAILURES, TRACK_WINDOW)


def public_case(receipt: str, digits: str) -> Case | None:
    """The case with this receipt whose resident's mobile ends in ``digits``, else None: the
    same answer for a wrong receipt and wrong digits."""
    case = Case.objects.select_related("resident", "service").filter(receipt=receipt).first()
    tail = case.resident.phone_tail if case is not None else ""
    if not tail or not hmac.compare_digest(tail.encode(), digits.encode()):
        return None
    return case


def public_timeline(case: Case) -> list[dict]:
    """What happened, in public words: no staff names, no staff notes, only the reasons the
    resident must read."""
    timeline = []
    for event in case.events.filter(kind__in=PUBLIC_EVENTS).order_by("at", "pk"):
        if event.kind == EventKind.TRANSITION:
            label = CaseStatus(event.to_status).label
        else:
            label = EventKind(event.kind).label
        reason = event.reason if event.verb in PUBLIC_REASONS else ""
        timeline.append({"at": event.at, "label": label, "reason": reason})
    return timeline


def rating_link(case: Case, via: str) -> str:
    """The rating page (好差评) of a closed case not yet rated, while rating is open, else "".
    ``via`` says where the resident came from (the receipt's QR code or the tracking page)."""
    subject = Subject.objects.filter(kind=SubjectKind.CASE, object_id=case.pk).first()
    if subject is None or not rating_open(subject):
        return ""
    if subject.ratings.filter(current=True).exists():
        return ""
    return f"{reverse('feedback-rate', args=[subject.key])}?via={via}"
