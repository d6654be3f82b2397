"""Mediating: sessions, the risk flag, the outcome, an extension with every party's consent,
the callback and closing the file."""

from __future__ import annotations

import datetime

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from doorstep.feedback.actions import Called, clean_called, subject_for, write_callback
from doorstep.feedback.choices import Solved, SubjectKind
from doorstep.notify.choices import Channel
from doorstep.notify.outbox import queue_message
from doorstep.staff.choices import Role

from ..choices import OUTCOME_VERB, EventKind, Outcome, Performance, Recipient, Risk
from ..errors import InvalidTransition, field_error
from ..models import Dispute, MediationSession
from .common import (
    check_may_mediate,
    copy_back,
    lock,
    not_future,
    optional_text,
    record_event,
    required_text,
    transition,
    why_not,
)

# Whether the agreement is kept, as feedback's "solved".
SOLVED = {Performance.KEPT: Solved.YES, Performance.PARTLY: Solved.PARTLY,
          Performance.NOT_KEPT: Solved.NO}  # fmt: skip
CONFIRMATION_DAYS = 30  # art. 33: apply for court confirmation within 30 days of effect
LEAD_ROLES = (Role.COMMUNITY_LEAD, Role.STREET_LEAD)


@transaction.atomic
def do_add_session(
    dispute: Dispute, *, actor, held_on: datetime.date, place: str, attendees: str, record: str
) -> MediationSession:
    """Record a session. Refused until every party (two at least) has acknowledged the notice
    of rights and duties; the first session starts the mediation."""
    check_may_mediate(actor, dispute)
    locked = lock(dispute)
    if not locked.is_open:
        raise InvalidTransition(_("Sessions are recorded while the dispute is being mediated."))
    parties = list(locked.parties.all())
    if len(parties) < 2:
        raise InvalidTransition(_("A dispute needs at least two parties before a session."))
    waiting = [p.name for p in parties if not p.acknowledged]
    if waiting:
        raise InvalidTransition(
            _("Every party must acknowledge the notice of rights and duties first: %(names)s.")
            % {"names": "、".join(waiting)}
        )
    today = timezone.localdate()
    not_future("held_on", held_on, today)
    if held_on < timezone.localdate(locked.registered_at):
        raise field_error("held_on", _("The session cannot be before the registration."))
    session = MediationSession.objects.create(
        dispute=locked,
        held_on=held_on,
        place=required_text("place", place, _("Say where the session was held."), limit=200),
        attendees=required_text("attendees", attendees, _("List who attended.")),
        record=required_text("record", record, _("Write the session record.")),
        recorded_by=actor,
    )
    if locked.status == "registered":
        transition(locked, "start", actor=actor)
    record_event(locked, EventKind.SESSION, actor=actor, data={"held_on": held_on.isoformat()})
    copy_back(dispute, locked)
    return session


def _lead_addresses(area_code: str) -> list[tuple[str, str]]:
    """(name, email) of the community and street leads over the area."""
    from doorstep.staff.models import RoleGrant

    prefixes = [area_code[:n] for n in (6, 9, 12, 15) if n <= len(area_code)]
    grants = RoleGrant.objects.filter(
        role__in=LEAD_ROLES, user__is_active=True, area__code__in=prefixes
    ).select_related("user")
    seen: dict[int, tuple[str, str]] = {}
    for g in grants.order_by("user_id"):
        seen[g.user_id] = (g.user.get_full_name() or g.user.username, g.user.email)
    return list(seen.values())


@transaction.atomic
def do_flag_risk(
    dispute: Dispute,
    *,
    actor,
    level: str,
    reason: str,
    recipients: list[str] = (),
    department: str = "",
) -> list[str]:
    """Set the escalation risk. Raising it ("may escalate") notifies the police station, the
    competent department and/or the leads through the outbox, in this transaction; the event
    lists who was told. Returns the recipients' labels."""
    check_may_mediate(actor, dispute)
    if level not in Risk.values:
        raise field_error("level", _("Choose a risk level."))
    locked = lock(dispute)
    if locked.status == "closed":
        raise InvalidTransition(_("The file is closed."))
    reason = required_text("reason", reason, _("Say why: the people told will read it."))
    department = optional_text("department", department, limit=100)
    recipients = list(dict.fromkeys(recipients))
    if any(r not in Recipient.values for r in recipients):
        raise field_error("recipients", _("Choose who to tell from the list."))
    if level != Risk.NONE and not recipients:
        raise field_error("recipients", _("Choose who to tell about the risk."), "required")
    if Recipient.DEPARTMENT in recipients and not department:
        raise field_error("department", _("Name the department to tell."), "required")
    Dispute.objects.filter(pk=locked.pk).update(risk=level)
    locked.risk = level
    told: list[str] = []
    addresses: list[tuple[str, str, str]] = []  # (label, address, channel)
    for r in recipients:
        if r == Recipient.POLICE:
            addresses.append(
                (str(Recipient.POLICE.label), str(Recipient.POLICE.label), Channel.LOG)
            )
        elif r == Recipient.DEPARTMENT:
            addresses.append((department, department, Channel.LOG))
        else:
            for name, email in _lead_addresses(locked.area_code):
                addresses.append((name, email, Channel.EMAIL if email else Channel.LOG))
    event = record_event(
        locked,
        EventKind.RISK,
        actor=actor,
        reason=reason,
        data={"level": level, "recipients": [label for label, _a, _c in addresses]},
    )
    for n, (label, address, channel) in enumerate(addresses):
        queue_message(
            key=f"dispute:{locked.pk}:risk:{event.pk}:{n}",
            template="dispute_risk",
            context={
                "number": locked.number,
                "level": str(Risk(level).label),
                "area": locked.area.name,
                "reason": reason,
            },
            email=address if channel == Channel.EMAIL else "",
            channel=channel,
        )
        told.append(label)
    copy_back(dispute, locked)
    return told


@transaction.atomic
def do_record_outcome(
    dispute: Dispute,
    *,
    actor,
    outcome: str,
    responsibility: str = "",
    terms: str = "",
    performance_how: str = "",
    performance_where: str = "",
    performance_by: datetime.date | None = None,
    effective_on: datetime.date | None = None,
    next_steps: str = "",
    referred_to: str = "",
):
    """End the mediation: a written agreement (facts and responsibilities, terms, how / where /
    when to perform; in force from ``effective_on``, the day of signature and seal, which starts
    the 30 days for court confirmation), an oral agreement (its terms recorded as text), no
    agreement (where the parties may go next) or a referral (to whom)."""
    check_may_mediate(actor, dispute)
    if outcome not in Outcome.values:
        raise field_error("outcome", _("Choose the outcome."))
    locked = lock(dispute)
    today = timezone.localdate()
    fields: dict = {"outcome": outcome, "outcome_at": timezone.now()}
    if outcome == Outcome.WRITTEN:
        fields["responsibility"] = required_text(
            "responsibility", responsibility, _("State the facts and each party's responsibility.")
        )
        fields["terms"] = required_text("terms", terms, _("Write the terms agreed."))
        fields["performance_how"] = required_text(
            "performance_how", performance_how, _("Say how the agreement is to be performed."),
            limit=300,
        )  # fmt: skip
        fields["performance_where"] = optional_text(
            "performance_where", performance_where, limit=200
        )
        effective = not_future("effective_on", effective_on or today, today)
        if effective < timezone.localdate(locked.registered_at):
            raise field_error(
                "effective_on", _("The agreement cannot be signed before the registration.")
            )
        if performance_by is not None and performance_by < effective:
            raise field_error(
                "performance_by", _("The agreement cannot be performed before it is signed.")
            )
        fields.update(
            performance_by=performance_by,
            effective_on=effective,
            confirmation_due=effective + datetime.timedelta(days=CONFIRMATION_DAYS),
        )
    elif outcome == Outcome.ORAL:
        fields["terms"] = required_text("terms", terms, _("Record what the parties agreed orally."))
        fields["performance_by"] = performance_by
    elif outcome == Outcome.NONE:
        fields["next_steps"] = required_text(
            "next_steps", next_steps, _("Tell the parties where they may go next.")
        )
    else:
        fields["referred_to"] = required_text(
            "referred_to", referred_to, _("Name who the dispute is referred to."), limit=100
        )
    problem = why_not(locked, OUTCOME_VERB[outcome])
    if problem:
        raise InvalidTransition(problem)
    # The outcome's fields first: an agreement without its outcome is refused by a constraint.
    Dispute.objects.filter(pk=locked.pk).update(**fields)
    for name, value in fields.items():
        setattr(locked, name, value)
    event = transition(locked, OUTCOME_VERB[outcome], actor=actor, data={"outcome": outcome})
    record_event(locked, EventKind.OUTCOME, actor=actor, at=event.at, data={"outcome": outcome})
    copy_back(dispute, locked)
    return event


@transaction.atomic
def do_extend_deadline(
    dispute: Dispute, *, actor, due_on: datetime.date, consents: list[int], how: str
) -> Dispute:
    """Move the one-month target to ``due_on``, only with the consent of every party (given as
    their ids, and how the consent was given); refused otherwise, and nothing changes."""
    check_may_mediate(actor, dispute)
    locked = lock(dispute)
    if not locked.is_open:
        raise InvalidTransition(_("Only a dispute still being mediated can be extended."))
    if due_on is None or due_on <= locked.due_on:
        raise field_error("due_on", _("The new date must be after the current one."))
    how = required_text("how", how, _("Say how the parties consented (signed, on record …)."))
    parties = list(locked.parties.all())
    given = set(consents)
    missing = [p.name for p in parties if p.pk not in given]
    if not parties or missing:
        raise field_error(
            "consents",
            _("Every party must consent to an extension. Missing: %(names)s.")
            % {"names": "、".join(missing) or "—"},
            "consent_missing",
        )
    unknown = given - {p.pk for p in parties}
    if unknown:
        raise field_error("consents", _("No such party in this dispute."), "not_found")
    old = locked.due_on
    Dispute.objects.filter(pk=locked.pk).update(
        due_on=due_on, extensions=locked.extensions + 1, overdue_at=None
    )
    locked.due_on, locked.extensions, locked.overdue_at = due_on, locked.extensions + 1, None
    record_event(
        locked,
        EventKind.EXTENDED,
        actor=actor,
        reason=how,
        data={
            "from": old.isoformat(),
            "to": due_on.isoformat(),
            "consents": [p.name for p in parties],
        },
    )
    copy_back(dispute, locked)
    return dispute


@transaction.atomic
def do_record_callback(
    dispute: Dispute,
    *,
    actor,
    on: datetime.date,
    reached: bool,
    performance: str = "",
    satisfaction: int | None = None,
    notes: str = "",
) -> Dispute:
    """The callback (回访) on whether the agreement is kept. A callback that did not reach the
    parties is logged and leaves the file open; one that did says kept, partly or not kept, and
    how satisfied the parties are. It is also the dispute's callback in feedback (on its rated
    matter, opened when mediation concluded), where kept counts as solved; whether agreements
    are kept stays a figure of the dispute's own."""
    check_may_mediate(actor, dispute)
    locked = lock(dispute)
    if locked.status != "agreement":
        raise InvalidTransition(_("The callback follows an agreement."))
    today = timezone.localdate()
    not_future("on", on, today)
    if locked.outcome_at and on < timezone.localdate(locked.outcome_at):
        raise field_error("on", _("The callback cannot be before the agreement."))
    notes = optional_text("notes", notes)
    if reached and performance not in Performance.values:
        raise field_error("performance", _("Say whether the agreement is kept."), "required")
    performance = performance if reached else ""
    called = clean_called(
        Called(reached=bool(reached), solved=SOLVED.get(performance, ""),
               satisfaction=satisfaction, note=notes[:1000])
    )  # fmt: skip
    now = timezone.now()
    fields = {
        "callback_at": now if reached else locked.callback_at,
        "callback_on": on,
        "callback_reached": reached,
        "callback_performance": performance,
        "callback_notes": notes,
    }
    Dispute.objects.filter(pk=locked.pk).update(**fields)
    for name, value in fields.items():
        setattr(locked, name, value)
    record_event(
        locked,
        EventKind.CALLBACK,
        actor=actor,
        at=now,
        reason=notes,
        data={"on": on.isoformat(), "reached": reached, "performance": performance,
              "satisfaction": called.satisfaction},
    )  # fmt: skip
    subject = subject_for(SubjectKind.DISPUTE, locked.pk)
    if subject is not None:
        write_callback(subject, called, by=actor, at=now)
    copy_back(dispute, locked)
    return dispute


@transaction.atomic
def do_transition(dispute: Dispute, verb: str, *, actor, reason: str = ""):
    """The verbs taken by hand: ``close`` (after the callback, for an agreement) and
    ``withdraw`` (a party withdrew before the outcome). The others are taken by the session and
    outcome actions, which carry their details."""
    check_may_mediate(actor, dispute)
    if verb not in ("close", "withdraw"):
        raise InvalidTransition(_("This step is taken by recording a session or an outcome."))
    locked = lock(dispute)
    event = transition(locked, verb, actor=actor, reason=optional_text("reason", reason))
    copy_back(dispute, locked)
    return event
