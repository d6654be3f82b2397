"""Public tracking (no login): the lookup by receipt number and one thing only the applicant
knows — the last four digits of their mobile, or (for a resident without one) the last four
characters of their ID number or their full name —, the timeline in public words, and the
throttle on guessing. Used by the tracking page and its JSON endpoint alike, so one address gets
``TRACK_FAILURES`` wrong tries in all, not per door."""

from __future__ import annotations

import hmac
import re
import unicodedata

from django.urls import reverse
from django.utils.translation import gettext as _

from doorstep.core import crypto
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
PUBLIC_REASONS = frozenset({"refuse", "reject", "return", "request_materials", "suspend"})
PUBLIC_EVENTS = (EventKind.CREATED, EventKind.TRANSITION, EventKind.NOTICE, EventKind.MATERIALS)
# Wrong look-ups per client address (doorstep.core.throttle.client_address), shared by every
# app server.
GUESSES = Throttle("cases-track", TRACK_FAILURES, TRACK_WINDOW)


_RECEIPT_DAY = re.compile(r"^([0-9]{8})-?([0-9A-Z]+)$")
_TAIL = re.compile(r"^[0-9]{3}[0-9X]$")


def normal_receipt(text: str) -> str:
    """A receipt number as stored (``20261126-K7QXMPAC``) from what a resident typed: any case,
    with or without its dash, spaces and full-width characters as a phone's keyboard types
    them. What does not look like a receipt is returned cleaned, to find nothing."""
    cleaned = re.sub(r"[\s\-‐‑–—_]+", "", unicodedata.normalize("NFKC", text or "")).upper()
    match = _RECEIPT_DAY.match(cleaned)
    return f"{match[1]}-{match[2]}"[:20] if match else cleaned[:20]


def normal_answer(text: str) -> str:
    """What the applicant typed to prove it is theirs: 4 digits (mobile or ID tail), 4
    characters ending in X (ID tail), or a name; spaces and full-width forms removed."""
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", text or "")).upper()


def _same(stored: str, given: str) -> bool:
    return bool(stored) and hmac.compare_digest(stored.encode(), given.encode())


def answers(resident, answer: str) -> bool:
    """Whether ``answer`` is the last four of the resident's mobile or ID number, or their
    name. Every check is made whatever the answer looks like, in constant time each."""
    tail = answer if _TAIL.match(answer) else "~~~~"
    by_phone = _same(resident.phone_tail, answer) if answer.isdigit() else False
    by_id = _same(resident.id_tail_hash, crypto.tail_hash(tail))
    by_name = len(answer) >= 2 and _same(normal_answer(resident.name), answer)
    return by_phone or by_id or by_name


def public_case(receipt: str, answer: str) -> Case | None:
    """The case with this receipt whose applicant ``answer`` identifies (see ``answers``),
    else None: the same answer for a wrong receipt and a wrong check."""
    receipt, answer = normal_receipt(receipt), normal_answer(answer)
    case = Case.objects.select_related("resident", "service").filter(receipt=receipt).first()
    if case is None or not answer or not answers(case.resident, answer):
        return None
    return case


def track_hint(resident) -> str:
    """How this resident proves a case is theirs on the tracking page (printed on papers)."""
    if resident.phone:
        return _("the last 4 digits of your mobile phone")
    return _("the last 4 characters of your ID number, or your full name")


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
