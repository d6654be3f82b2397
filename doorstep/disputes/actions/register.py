"""Registering a dispute, its parties, the notice of rights and duties, and a party's request
for another mediator."""

from __future__ import annotations

from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from doorstep.core import idnumber, phone
from doorstep.people.models import Resident
from doorstep.places.choices import AreaKind
from doorstep.places.models import Area, Building
from doorstep.staff.roles import MEDIATE_DISPUTES, roles_with
from doorstep.staff.scoping import covers

from ..access import may_lead, may_register
from ..choices import REFERRED_SOURCES, DisputeType, EventKind, PartyKind, RequestStatus, Source
from ..errors import InvalidTransition, field_error
from ..models import Dispute, DisputeParty, MediatorRequest, dispute_number
from .common import (
    check_may_mediate,
    copy_back,
    lock,
    one_month_after,
    optional_text,
    record_event,
    required_text,
)

MAX_PARTIES = 20


@dataclass(frozen=True)
class PartySpec:
    """A party as the form or the API gives it: a registry resident (by record id, or by ID
    number), or someone not in the registry (name, mobile)."""

    name: str = ""
    phone: str = ""
    address: str = ""
    resident_id: int | None = None
    id_number: str = ""


def _place(actor, area: Area, building: Building | None) -> None:
    if area.kind not in (AreaKind.COMMUNITY, AreaKind.COMPOUND):
        raise field_error("area", _("Choose a community or a compound."), "bad_area")
    if not may_register(actor, area.code):
        raise PermissionDenied(_("You do not mediate disputes in this area."))
    if building is not None and not building.compound.code.startswith(area.code):
        raise field_error(
            "building", _("This building is not in the chosen place."), "bad_building"
        )


def _mediator(actor, mediator, area: Area):
    mediator = mediator or actor
    roles = set(roles_with(MEDIATE_DISPUTES))
    holds = mediator.is_active and mediator.role_grants.filter(role__in=roles).exists()
    if not holds or not covers(mediator, MEDIATE_DISPUTES, area.code):
        raise field_error(
            "mediator", _("This person does not mediate disputes here."), "bad_mediator"
        )
    return mediator


def _resident(actor, dispute: Dispute, spec: PartySpec) -> Resident | None:
    """The registry resident the spec names, inside the dispute's street-level neighbourhood
    of the mediator's grants; None for an outsider."""
    found = None
    if spec.resident_id is not None:
        found = Resident.objects.filter(pk=spec.resident_id).first()
    elif spec.id_number.strip():
        number = idnumber.normalize(spec.id_number)
        found = Resident.objects.by_id_number(number).first()
    else:
        return None
    # A mediator finds a party in the registry by record or ID number only inside the areas
    # where they mediate; anyone else's resident is "not found", like a missing one.
    if found is None or not covers(actor, MEDIATE_DISPUTES, found.area_code):
        field = "resident" if spec.resident_id is not None else "id_number"
        raise field_error(field, _("No resident with this record in your area."), "not_found")
    return found


def _party(actor, dispute: Dispute, spec: PartySpec, position: int) -> DisputeParty:
    resident = _resident(actor, dispute, spec)
    address = optional_text("address", spec.address, limit=200)
    if resident is not None:
        if dispute.parties.filter(resident=resident).exists():
            raise field_error("resident", _("This resident is already a party."), "duplicate")
        return DisputeParty.objects.create(
            dispute=dispute,
            position=position,
            kind=PartyKind.RESIDENT,
            resident=resident,
            name=resident.name,
            phone_masked=resident.phone_masked,
            address=address,
        )
    name = required_text("name", spec.name, _("Give the party's name."), limit=50)
    number = phone.check(spec.phone) if spec.phone.strip() else ""
    party = DisputeParty(
        dispute=dispute, position=position, kind=PartyKind.OUTSIDER, name=name, address=address
    )
    party.set_phone(number)
    party.save(force_insert=True)
    return party


def _party_error(exc: ValidationError, n: int) -> ValidationError:
    """A party's field error, named for the party (``parties.1.name``) when there are several."""
    if hasattr(exc, "error_dict"):
        field, errors = next(iter(exc.error_dict.items()))
        return ValidationError({f"parties.{n}.{field}": errors})
    return ValidationError({f"parties.{n}.phone": exc.error_list})


@transaction.atomic
def do_register_dispute(
    *,
    actor,
    source: str,
    type: str,
    summary: str,
    area: Area,
    building: Building | None = None,
    referred_by: str = "",
    mediator=None,
    parties: list[PartySpec] = (),
) -> Dispute:
    """Register a dispute in ``area`` (a community or compound where ``actor`` mediates), with
    its parties; the mediator is ``actor`` unless another mediator of the area is named. The
    one-month target runs from today."""
    if source not in Source.values:
        raise field_error("source", _("Choose where the dispute came from."))
    if type not in DisputeType.values:
        raise field_error("type", _("Choose the kind of dispute."))
    referred_by = optional_text("referred_by", referred_by, limit=100)
    if source in REFERRED_SOURCES and not referred_by:
        raise field_error("referred_by", _("Name the body that referred the dispute."), "required")
    summary = required_text("summary", summary, _("Describe the facts and what is in dispute."))
    _place(actor, area, building)
    mediator = _mediator(actor, mediator, area)
    if len(parties) > MAX_PARTIES:
        raise field_error("parties", _("At most %(n)d parties.") % {"n": MAX_PARTIES})
    now = timezone.now()
    dispute = Dispute.objects.create(
        number=dispute_number(),
        source=source,
        referred_by=referred_by if source in REFERRED_SOURCES else "",
        type=type,
        summary=summary,
        area=area,
        area_code=area.code,
        building=building,
        mediator=mediator,
        registered_by=actor,
        registered_at=now,
        due_on=one_month_after(timezone.localdate(now)),
    )
    record_event(dispute, EventKind.REGISTERED, actor=actor, at=now, data={"mediator": mediator.pk})
    for n, spec in enumerate(parties):
        try:
            party = _party(actor, dispute, spec, n)
        except ValidationError as exc:
            raise _party_error(exc, n) from None
        record_event(dispute, EventKind.PARTY, actor=actor, at=now, data={"party": party.name})
    return dispute


@transaction.atomic
def do_add_party(dispute: Dispute, *, actor, spec: PartySpec) -> DisputeParty:
    """Add a party while the dispute is still being mediated. They must acknowledge the notice
    before the next session."""
    check_may_mediate(actor, dispute)
    locked = lock(dispute)
    if not locked.is_open:
        raise InvalidTransition(_("Parties can only be added while the dispute is being mediated."))
    count = locked.parties.count()
    if count >= MAX_PARTIES:
        raise field_error("parties", _("At most %(n)d parties.") % {"n": MAX_PARTIES})
    party = _party(actor, locked, spec, count)
    record_event(locked, EventKind.PARTY, actor=actor, data={"party": party.name})
    copy_back(dispute, locked)
    return party


@transaction.atomic
def do_acknowledge_notice(
    dispute: Dispute, *, actor, party_id: int, signed_by: str = ""
) -> DisputeParty:
    """Record that a party received and signed the notice of rights and duties (告知书):
    who signed (the party, or their agent) and when; the mediator who recorded it."""
    check_may_mediate(actor, dispute)
    locked = lock(dispute)
    if not locked.is_open:
        raise InvalidTransition(_("The notice is given before mediation, not after."))
    party = locked.parties.filter(pk=party_id).first()
    if party is None:
        raise field_error("party", _("No such party in this dispute."), "not_found")
    if party.acknowledged:
        raise InvalidTransition(
            _("%(name)s has already acknowledged the notice.") % {"name": party.name}
        )
    party.notice_signed_by = optional_text("signed_by", signed_by, limit=50) or party.name
    party.notice_at = timezone.now()
    party.notice_recorded_by = actor
    party.save(update_fields=["notice_signed_by", "notice_at", "notice_recorded_by"])
    record_event(
        locked,
        EventKind.NOTICE,
        actor=actor,
        at=party.notice_at,
        data={"party": party.name, "signed_by": party.notice_signed_by},
    )
    return party


@transaction.atomic
def do_request_mediator(dispute: Dispute, *, actor, party_id: int, reason: str) -> MediatorRequest:
    """Record a party's request for another mediator; a committee lead decides on it."""
    check_may_mediate(actor, dispute)
    locked = lock(dispute)
    if not locked.is_open:
        raise InvalidTransition(_("The mediator can only be changed while mediation goes on."))
    party = locked.parties.filter(pk=party_id).first()
    if party is None:
        raise field_error("party", _("No such party in this dispute."), "not_found")
    reason = required_text("reason", reason, _("Give the party's reason."))
    if locked.mediator_requests.filter(status=RequestStatus.PENDING).exists():
        raise InvalidTransition(_("A request for another mediator is already waiting."))
    request = MediatorRequest.objects.create(
        dispute=locked, party=party, reason=reason, recorded_by=actor
    )
    record_event(
        locked, EventKind.MEDIATOR, actor=actor, reason=reason,
        data={"party": party.name, "request": "asked"},
    )  # fmt: skip
    return request


@transaction.atomic
def do_decide_mediator_request(
    dispute: Dispute, *, actor, grant: bool, new_mediator=None, note: str = ""
) -> MediatorRequest:
    """A committee lead grants the waiting request (naming the new mediator) or refuses it
    (with a reason the party is told)."""
    if not may_lead(actor, dispute.area_code):
        raise PermissionDenied(_("Only a committee lead decides on another mediator."))
    locked = lock(dispute)
    request = locked.mediator_requests.filter(status=RequestStatus.PENDING).first()
    if request is None:
        raise InvalidTransition(_("No request for another mediator is waiting."))
    note = optional_text("note", note)
    if grant:
        if new_mediator is None:
            raise field_error("mediator", _("Choose the new mediator."), "required")
        new_mediator = _mediator(actor, new_mediator, locked.area)
        if new_mediator.pk == locked.mediator_id:
            raise field_error("mediator", _("Choose someone other than the current mediator."))
        Dispute.objects.filter(pk=locked.pk).update(mediator=new_mediator)
        locked.mediator = new_mediator
    elif not note:
        raise field_error("note", _("Give the reason for refusing: the party is told."), "required")
    request.status = RequestStatus.GRANTED if grant else RequestStatus.REFUSED
    request.decided_at, request.decided_by = timezone.now(), actor
    request.decision_note, request.new_mediator = note, new_mediator if grant else None
    request.save(
        update_fields=["status", "decided_at", "decided_by", "decision_note", "new_mediator"]
    )
    record_event(
        locked, EventKind.MEDIATOR, actor=actor, reason=note,
        data={"request": request.status, "mediator": getattr(new_mediator, "pk", None)},
    )  # fmt: skip
    copy_back(dispute, locked)
    return request


def mediators_for(area_code: str):
    """Active users who may mediate in the area (for the choice of mediator)."""
    roles = set(roles_with(MEDIATE_DISPUTES))
    prefixes = [area_code[:n] for n in (6, 9, 12, 15) if n <= len(area_code)]
    return (
        get_user_model()
        .objects.filter(
            is_active=True, role_grants__role__in=roles, role_grants__area__code__in=prefixes
        )
        .distinct()
        .order_by("username")
    )


__all__ = [
    "PartySpec",
    "do_acknowledge_notice",
    "do_add_party",
    "do_decide_mediator_request",
    "do_register_dispute",
    "do_request_mediator",
    "mediators_for",
]
