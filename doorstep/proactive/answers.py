"""The resident's answers, through the link in their message (no login: the random token is
the key): accept or decline an offer, opt out of a programme, opt back in.

Each is one guarded write — the status it expects is in the UPDATE's WHERE clause — so two taps
at once, or a second tap later, change nothing more. Each returns whether it changed anything,
and refuses (``ValidationError``, in a sentence for the resident) what cannot be done.

A resident who declined or opted out has an ``OptOut``: no run grants them the programme again
until they opt back in, which deletes it and reopens what the opt-out closed in the current
period (the declined offer, the benefit stopped because of the opt-out).
"""

from __future__ import annotations

import re

from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from .choices import EntitlementStatus, Mode, OptOutReason, StopReason, period_key
from .models import Entitlement, OptOut

S = EntitlementStatus
TOKEN = re.compile(r"[0-9a-f]{32}")
ANSWERS = ("accept", "decline", "opt_out", "opt_in")


# The message that confirms each answer (through the outbox, like every other message).
CONFIRMATIONS = {
    "accept": "programme_accepted",
    "decline": "programme_declined",
    "opt_out": "programme_opted_out",
    "opt_in": "programme_opted_in",
}


def _confirm(entitlement: Entitlement, answer: str) -> None:
    """Queue the confirmation of ``answer`` to the resident; sent when the answer commits.
    Keyed by the moment, so a later change of mind is confirmed too."""
    from django.conf import settings
    from django.urls import reverse

    from doorstep.notify.outbox import queue_message

    from .runs import amount_text

    programme = entitlement.programme
    link = settings.DOORSTEP_PUBLIC_URL + reverse("proactive:answer", args=[entitlement.token])
    context = {
        "name": entitlement.resident.name,
        "programme": programme.name,
        "amount": amount_text(programme) if answer == "accept" else "",
        "link": link,
        "sender": programme.sender,
    }
    queue_message(
        key=f"entitlement:{entitlement.pk}:{answer}:{timezone.now():%Y%m%d%H%M%S%f}",
        template=CONFIRMATIONS[answer],
        context=context,
        resident=entitlement.resident,
    )


def entitlement_for_token(token: str) -> Entitlement | None:
    """The entitlement of a link's token, with its programme and resident; None for anything
    else (a malformed token never reaches the database)."""
    if not isinstance(token, str) or not TOKEN.fullmatch(token):
        return None
    return (
        Entitlement.objects.select_related(
            "programme",
            "programme__department",
            "programme__certificate_type",
            "resident",
            "certificate",
            "case",
        )
        .filter(token=token)
        .first()
    )


def _refuse(message: str, code: str) -> ValidationError:
    return ValidationError(message, code=code)


def _status(entitlement: Entitlement) -> str:
    current = Entitlement.objects.filter(pk=entitlement.pk).values_list("status", flat=True)
    return current.first() or ""


def _move(entitlement: Entitlement, source: str, target: str, **fields) -> bool:
    """Move the entitlement from ``source`` to ``target`` if it is still there."""
    moved = Entitlement.objects.filter(pk=entitlement.pk, status=source).update(
        status=target, **fields
    )
    if moved:
        entitlement.status = target
        for name, value in fields.items():
            setattr(entitlement, name, value)
    return bool(moved)


def _ended(status: str) -> ValidationError | None:
    if status == S.STOPPED:
        return _refuse(_("This offer has ended: it can no longer be answered."), "ended")
    return None


@transaction.atomic
def do_accept_offer(entitlement: Entitlement) -> bool:
    """Accept an open offer. Accepting is also opting back in: an earlier opt-out of the
    programme is removed, so the next run does not stop what was just accepted."""
    if _move(entitlement, S.OFFERED, S.ACCEPTED, decided_at=timezone.now()):
        OptOut.objects.filter(
            programme_id=entitlement.programme_id, resident_id=entitlement.resident_id
        ).delete()
        return True
    status = _status(entitlement)
    if status == S.ACCEPTED:
        return False
    if status == S.DECLINED:
        raise _refuse(
            _("You declined this offer. Opt back in first to be offered it again."), "declined"
        )
    raise _ended(status) or _refuse(_("There is no offer to accept here."), "not_an_offer")


@transaction.atomic
def do_decline_offer(entitlement: Entitlement) -> bool:
    """Decline an open offer: it is marked declined, and no later run offers the programme
    to the resident again until they opt back in."""
    if _move(entitlement, S.OFFERED, S.DECLINED, decided_at=timezone.now()):
        _opt_out(entitlement, OptOutReason.DECLINED)
        return True
    status = _status(entitlement)
    if status == S.DECLINED:
        return False
    if status == S.ACCEPTED:
        raise _refuse(
            _("You have already accepted this. To stop receiving it, opt out."), "accepted"
        )
    raise _ended(status) or _refuse(_("There is no offer to decline here."), "not_an_offer")


def _opt_out(entitlement: Entitlement, reason: str) -> bool:
    """Record the opt-out unless there is one; True when this call wrote it (``get_or_create``
    takes the row a concurrent tap wrote first)."""
    _optout, created = OptOut.objects.get_or_create(
        programme_id=entitlement.programme_id,
        resident_id=entitlement.resident_id,
        defaults={"reason": reason},
    )
    return created


@transaction.atomic
def do_opt_out(entitlement: Entitlement) -> bool:
    """Opt out of the entitlement's programme: no run grants it to the resident again until
    they opt back in; the next run stops what they hold now (reason "opted out")."""
    return _opt_out(entitlement, OptOutReason.OPTED_OUT)


@transaction.atomic
def do_opt_in(entitlement: Entitlement) -> bool:
    """Opt back in: the opt-out (or decline) is deleted, so the next run includes the resident
    again if they qualify, and what the opt-out closed in the current period reopens — the
    declined offer is open again, a benefit stopped because of the opt-out runs again (the
    next run stops it if the resident no longer qualifies)."""
    deleted, _rows = OptOut.objects.filter(
        programme_id=entitlement.programme_id, resident_id=entitlement.resident_id
    ).delete()
    if not deleted:
        return False
    programme = entitlement.programme
    current = Entitlement.objects.filter(
        programme_id=programme.pk,
        resident_id=entitlement.resident_id,
        period=period_key(programme.period, timezone.localdate()),
    )
    current.filter(status=S.DECLINED).update(status=S.OFFERED, decided_at=None)
    current.filter(status=S.STOPPED, stop_reason=StopReason.OPTED_OUT).update(
        status=S.OFFERED if programme.mode == Mode.OFFER else S.GRANTED,
        stopped_at=None,
        stop_run=None,
        stop_reason="",
        decided_at=None,
    )
    entitlement.refresh_from_db(fields=["status", "decided_at", "stopped_at", "stop_run",
                                        "stop_reason"])  # fmt: skip
    return True


def access_entitlement(token: str) -> Entitlement:
    """The entitlement of a link's token, for the resident's page and the API alike: 404 for a
    malformed or unknown token (the token is the only key)."""
    if not TOKEN.fullmatch(token or ""):
        raise Http404
    try:
        found = entitlement_for_token(token)
    except (Entitlement.DoesNotExist, ValidationError):
        found = None
    if found is None:
        raise Http404
    return found


def do_answer(entitlement: Entitlement, answer: str) -> bool:
    """The resident's answer, one of ``ANSWERS``: whether it changed anything. A change is
    confirmed to the resident by a message (``CONFIRMATIONS``)."""
    act = {
        "accept": do_accept_offer,
        "decline": do_decline_offer,
        "opt_out": do_opt_out,
        "opt_in": do_opt_in,
    }[answer]
    with transaction.atomic():
        changed = act(entitlement)
        if changed:
            _confirm(entitlement, answer)
    return changed
