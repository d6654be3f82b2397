"""Handing a need on (首接负责): to a member of staff, a department or an outside body.

The giver records to whom and why; the receiver accepts (and becomes the one owner) or refuses
with a reason. While the hand-on is pending the giver still owns the need. A receiver who says
"not ours" must name who it is and the need is handed to them in the same go.

Outside bodies have no login: they are sent a message with a link carrying a signed token
(``token_for``) that names one hand-on and its random nonce, and expires after
``DOORSTEP_NEED_LINK_DAYS`` days. The link opens only that need, and only while the hand-on
is pending or the body still owns the need.
"""

from __future__ import annotations

import secrets

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core import signing
from django.db import transaction
from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext as _

from doorstep.catalogue.models import Department
from doorstep.notify.outbox import queue_message
from doorstep.staff.choices import Role
from doorstep.staff.models import RoleGrant
from doorstep.staff.roles import HANDLE_NEEDS, roles_with
from doorstep.staff.scoping import covers

from ..choices import EventKind, HandoffStatus, OwnerKind
from ..errors import InvalidTransition, field_error
from ..models import ExternalBody, Need, NeedHandoff
from .common import (
    check_revision,
    clean_reason,
    lock_need,
    may_act,
    now,
    record_event,
    require,
    reviews_department,
    save_guarded,
    set_owner,
)

SALT = "doorstep.needs.external-link"
LINK_DAYS_DEFAULT = 14


# ---- who can receive -------------------------------------------------------------------------


def resolve_target(need: Need, kind: str, pk) -> object:
    """The receiver named by ``kind`` and ``pk``, if a need in ``need``'s area may go there;
    a field error otherwise (missing and unsuitable alike)."""
    found = None
    try:
        pk = int(pk)
    except (TypeError, ValueError):
        pk = None
    if pk is not None and kind == OwnerKind.USER:
        user = get_user_model().objects.filter(pk=pk, is_active=True).first()
        if user is not None and covers(user, HANDLE_NEEDS, need.area_code):
            found = user
    elif pk is not None and kind == OwnerKind.DEPARTMENT:
        found = Department.objects.filter(pk=pk).first()
    elif pk is not None and kind == OwnerKind.EXTERNAL:
        body = ExternalBody.objects.filter(pk=pk, active=True).first()
        if body is not None and need.area_code.startswith(body.area_code):
            found = body
    if found is None:
        raise field_error("to", _("Choose who should take the need on."), "unknown_receiver")
    return found


def receivers(need: Need) -> dict[str, list]:
    """Who the need may be handed to: staff handling needs over its area, departments, and the
    outside bodies over its compound."""
    codes = [need.area_code[:n] for n in (6, 9, 12, 15) if len(need.area_code) >= n]
    roles = sorted(roles_with(HANDLE_NEEDS))
    users = (
        get_user_model()
        .objects.filter(
            is_active=True, role_grants__role__in=roles, role_grants__area__code__in=codes
        )
        .distinct()
        .order_by("username")
    )
    bodies = list(ExternalBody.objects.filter(active=True, area_code__in=codes))
    return {
        OwnerKind.USER: list(users),
        OwnerKind.DEPARTMENT: list(Department.objects.order_by("code")),
        OwnerKind.EXTERNAL: bodies,
    }


def is_owner(need: Need, kind: str, target) -> bool:
    return need.owner_kind == kind and need.owner == target


def may_receive(user, handoff: NeedHandoff) -> bool:
    """Whether ``user`` is the receiver of a staff hand-on (or reviews for its department)."""
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return False
    if user.is_superuser and handoff.to_kind != OwnerKind.EXTERNAL:
        return True
    if handoff.to_kind == OwnerKind.USER:
        return handoff.to_user_id == user.pk
    if handoff.to_kind == OwnerKind.DEPARTMENT:
        return reviews_department(user, handoff.to_department_id, handoff.need.area_code)
    return False


# ---- the link for outside bodies -------------------------------------------------------------


def token_for(handoff: NeedHandoff) -> str:
    return signing.dumps([handoff.pk, handoff.nonce], salt=SALT)


def link_for(handoff: NeedHandoff) -> str:
    try:
        path = reverse("needs-external", args=[token_for(handoff)])
    except NoReverseMatch:  # the page's URLs are not installed
        path = f"/needs/x/{token_for(handoff)}/"
    return (getattr(settings, "DOORSTEP_PUBLIC_URL", "") or "") + path


def link_days() -> int:
    return int(getattr(settings, "DOORSTEP_NEED_LINK_DAYS", LINK_DAYS_DEFAULT))


def handoff_for_token(token: str) -> NeedHandoff | None:
    """The hand-on a link names, while the link is good: signed by us, not expired, its nonce
    still the hand-on's, and the hand-on pending or its body still the need's owner."""
    if not isinstance(token, str) or len(token) > 200:
        return None
    try:
        pk, nonce = signing.loads(token, salt=SALT, max_age=link_days() * 86400)
        pk = int(pk)
    except (signing.BadSignature, ValueError, TypeError):
        return None
    handoff = (
        NeedHandoff.objects.select_related("need__category", "need__compound", "to_external")
        .filter(pk=pk, to_kind=OwnerKind.EXTERNAL)
        .first()
    )
    if handoff is None or not nonce or not secrets.compare_digest(handoff.nonce, str(nonce)):
        return None
    need = handoff.need
    if handoff.status == HandoffStatus.PENDING:
        return handoff
    owns = (
        need.owner_kind == OwnerKind.EXTERNAL and need.owner_external_id == handoff.to_external_id
    )
    if handoff.status == HandoffStatus.ACCEPTED and owns:
        return handoff
    return None


# ---- the verbs -------------------------------------------------------------------------------


def _pending(need: Need) -> NeedHandoff | None:
    return need.handoffs.filter(status=HandoffStatus.PENDING).first()


def _create_handoff(need: Need, *, by, by_name: str, kind: str, target, reason: str, at):
    handoff = NeedHandoff.objects.create(
        need=need,
        by=by,
        by_name=by_name,
        to_kind=kind,
        to_user=target if kind == OwnerKind.USER else None,
        to_department=target if kind == OwnerKind.DEPARTMENT else None,
        to_external=target if kind == OwnerKind.EXTERNAL else None,
        reason=reason,
        created_at=at,
        nonce=secrets.token_hex(16) if kind == OwnerKind.EXTERNAL else "",
    )
    record_event(need, EventKind.HANDOFF, actor=by, actor_name=by_name, at=at, level=need.level,
                 reason=reason, data={"to": str(target), "to_kind": kind,
                                      "handoff": handoff.pk})  # fmt: skip
    _notify_receiver(need, handoff)
    return handoff


def _notify_receiver(need: Need, handoff: NeedHandoff) -> None:
    context = {
        "number": str(need.pk),
        "category": need.category.name,
        "compound": need.compound.name,
    }
    key = f"need:{need.pk}:handoff:{handoff.pk}"
    if handoff.to_kind == OwnerKind.EXTERNAL:
        body = handoff.to_external
        queue_message(key=key, template="need_handed_to_body",
                      context={**context, "link": link_for(handoff)},
                      phone=body.phone, email=body.email,
                      channel=None if (body.phone or body.email) else "log")  # fmt: skip
        return
    if handoff.to_kind == OwnerKind.USER:
        users = [handoff.to_user]
    else:
        grants = RoleGrant.objects.filter(
            role=Role.REVIEWER, department=handoff.to_department, user__is_active=True
        ).select_related("user", "area")
        users = [g.user for g in grants if need.area_code.startswith(g.area.code)]
    for user in users:
        queue_message(key=f"{key}:{user.pk}", template="need_handed_to_staff", context=context,
                      email=user.email, channel="email" if user.email else "log")  # fmt: skip


@transaction.atomic
def do_hand_on(
    need: Need, *, actor, to_kind: str, target, reason: str, revision: int | None = None
) -> NeedHandoff:
    """Hand ``need`` on to ``target``: pending until the receiver accepts or refuses."""
    reason = clean_reason(reason, required=True)
    locked = lock_need(need)
    require(may_act(actor, locked))
    check_revision(locked, revision)
    if not locked.is_open:
        raise InvalidTransition(_("A closed need cannot be handed on."))
    if _pending(locked) is not None:
        raise InvalidTransition(
            _("This need is already handed on and waits for the receiver's answer.")
        )
    if is_owner(locked, to_kind, target):
        raise field_error("to", _("The need is already theirs."), "same_owner")
    at = now()
    handoff = _create_handoff(locked, by=actor, by_name="", kind=to_kind, target=target,
                              reason=reason, at=at)  # fmt: skip
    save_guarded(locked, [], status=locked.status, revision=locked.revision)
    need.revision = locked.revision
    return handoff


def _check_pending(handoff: NeedHandoff) -> Need:
    locked_handoff = NeedHandoff.objects.select_for_update().get(pk=handoff.pk)
    if locked_handoff.status != HandoffStatus.PENDING:
        raise InvalidTransition(_("This hand-on was already answered."))
    return lock_need(handoff.need)


@transaction.atomic
def do_accept_handoff(handoff: NeedHandoff, *, actor=None) -> Need:
    """The receiver takes the need on and becomes its one owner. ``actor`` None: the outside
    body, by its link (the caller checked the token)."""
    if actor is not None:
        require(may_receive(actor, handoff))
    need = _check_pending(handoff)
    at = now()
    fields = set_owner(need, handoff.to_kind, handoff.receiver, at)
    NeedHandoff.objects.filter(pk=handoff.pk).update(
        status=HandoffStatus.ACCEPTED, decided_at=at, decided_by=actor
    )
    handoff.status = HandoffStatus.ACCEPTED
    name = "" if actor is not None else str(handoff.receiver)
    record_event(need, EventKind.HANDOFF_ACCEPTED, actor=actor, actor_name=name, at=at,
                 level=need.level, data={"by": str(handoff.receiver)})  # fmt: skip
    save_guarded(need, fields, status=need.status, revision=need.revision)
    return need


@transaction.atomic
def do_refuse_handoff(
    handoff: NeedHandoff, *, actor=None, reason: str, redirect: tuple[str, object] | None = None
) -> NeedHandoff | None:
    """The receiver refuses, with a reason; the giver still owns the need. With ``redirect``
    ("not ours: it is theirs") the need is handed to them at once, in the refuser's name.
    Returns the new hand-on, if any."""
    if actor is not None:
        require(may_receive(actor, handoff))
    reason = clean_reason(reason, required=True)
    need = _check_pending(handoff)
    at = now()
    NeedHandoff.objects.filter(pk=handoff.pk).update(
        status=HandoffStatus.REFUSED, decided_at=at, decided_by=actor, refusal=reason[:500]
    )
    handoff.status = HandoffStatus.REFUSED
    name = "" if actor is not None else str(handoff.receiver)
    record_event(need, EventKind.HANDOFF_REFUSED, actor=actor, actor_name=name, at=at,
                 level=need.level, reason=reason,
                 data={"by": str(handoff.receiver)})  # fmt: skip
    created = None
    if redirect is not None:
        kind, target = redirect
        if is_owner(need, kind, target) or (kind == handoff.to_kind and target == handoff.receiver):
            raise field_error("to", _("Name who it belongs to instead."), "same_owner")
        created = _create_handoff(need, by=actor, by_name=name, kind=kind, target=target,
                                  reason=_("Not ours: %(reason)s") % {"reason": reason},
                                  at=at)  # fmt: skip
    save_guarded(need, [], status=need.status, revision=need.revision)
    return created


@transaction.atomic
def do_cancel_handoff(handoff: NeedHandoff, *, actor) -> None:
    """The giver takes a pending hand-on back (the receiver had not answered)."""
    need = _check_pending(handoff)
    require(may_act(actor, need))
    NeedHandoff.objects.filter(pk=handoff.pk).update(
        status=HandoffStatus.CANCELLED, decided_at=now(), decided_by=actor
    )
    record_event(need, EventKind.HANDOFF_REFUSED, actor=actor, level=need.level,
                 verb="cancel", data={"by": str(actor)})  # fmt: skip
    save_guarded(need, [], status=need.status, revision=need.revision)


@transaction.atomic
def do_post_progress(need: Need, *, actor=None, body_name: str = "", text: str) -> None:
    """A progress note: by the owner's side, or by the outside body through its link."""
    if actor is not None:
        require(may_act(actor, need))
    text = clean_reason(text, required=True, field="text")
    locked = lock_need(need)
    if not locked.is_open:
        raise InvalidTransition(_("This need is closed."))
    record_event(locked, EventKind.PROGRESS, actor=actor, actor_name=body_name,
                 level=locked.level, reason=text)  # fmt: skip
