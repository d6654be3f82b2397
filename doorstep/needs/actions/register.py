"""Registering a need, the same-problem offer, photos, and the proactive-governance proposal.

A new need of a category with an open need in the same compound is first offered as "the same
problem": nothing is written until the caller either joins the open need (the resident becomes
a ``NeedSupporter`` of it) or says it is a new problem after all. Three or more needs of one
category in one compound within ``GOVERNANCE_WINDOW`` propose a ``GovernanceItem`` for the
community, once per window.
"""

from __future__ import annotations

import datetime
import hashlib
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.validators import URLValidator
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _

from doorstep.cases.actions.attachments import clean_name, max_bytes, sniff, too_large_message
from doorstep.core import phone as phones
from doorstep.notify import inbox
from doorstep.places.choices import CODE_LENGTH, AreaKind
from doorstep.staff.models import RoleGrant
from doorstep.staff.roles import FILE_REQUESTS, HANDLE_NEEDS, REVIEW_NEEDS, roles_with
from doorstep.staff.scoping import covers

from .. import clock
from ..choices import EventKind, GovernanceStatus, Kind, OwnerKind, Source, Urgency
from ..errors import field_error
from ..models import GovernanceItem, Need, NeedCategory, NeedPhoto, NeedSupporter
from .common import clean_reason, may_act, now, record_event, require, set_owner

GOVERNANCE_WINDOW = datetime.timedelta(days=30)
GOVERNANCE_THRESHOLD = 3
CANDIDATES_MAX = 10
PHOTOS_MAX = 6
# Another system (Open311) sends up to 4,000 characters; the pages' own forms keep their
# shorter limit.
DESCRIPTION_MAX = 4000
MEDIA_URL_MAX = 500
DETAILS_MAX = 50
PHOTO_TYPES = ("image/jpeg", "image/png")


@dataclass
class Registered:
    """What registration did: made ``need`` (``created``), joined the open ``need``
    (``joined``), or wrote nothing and offers ``candidates`` as the same problem."""

    need: Need | None
    created: bool = False
    joined: bool = False
    candidates: list[Need] = field(default_factory=list)
    governance: GovernanceItem | None = None


def same_problem(category: NeedCategory, compound) -> list[Need]:
    """Open needs of ``category`` in ``compound``, newest first: the same-problem candidates."""
    return list(
        Need.objects.open()
        .filter(category=category, area_code=compound.code)
        .select_related("category")
        .order_by("-created_at", "-id")[:CANDIDATES_MAX]
    )


def may_register(actor, code: str, source: str) -> bool:
    """Staff handling needs there; another system's account (the gateway role) files needs
    from outside (source ``api``) inside its grant."""
    if covers(actor, HANDLE_NEEDS, code):
        return True
    return source == Source.API and covers(actor, FILE_REQUESTS, code)


def _check_place(actor, compound, building, lat, lng, *, source: str) -> None:
    if compound is None or compound.kind != AreaKind.COMPOUND:
        raise field_error("compound", _("Choose a compound."), "unknown_compound")
    if not may_register(actor, compound.code, source):
        raise field_error("compound", _("Choose a compound."), "unknown_compound")
    if building is not None and building.compound_id != compound.pk:
        raise field_error("building", _("This building is not in the compound."))
    if (lat is None) != (lng is None):
        raise field_error("lat", _("Give both latitude and longitude, or neither."))
    if lat is not None and not (Decimal(-90) <= Decimal(lat) <= Decimal(90)):
        raise field_error("lat", _("Latitude is between -90 and 90."), "out_of_range")
    if lng is not None and not (Decimal(-180) <= Decimal(lng) <= Decimal(180)):
        raise field_error("lng", _("Longitude is between -180 and 180."), "out_of_range")


def _check_media_url(url: str) -> str:
    url = (url or "").strip()
    if not url:
        return ""
    try:
        URLValidator(schemes=["http", "https"])(url)
    except ValidationError:
        raise field_error("media_url", _("Give the photo's http or https address.")) from None
    if len(url) > MEDIA_URL_MAX:
        raise field_error("media_url", _("At most %(n)d characters.") % {"n": MEDIA_URL_MAX})
    return url


def _check_details(details: dict | None) -> dict[str, str]:
    """At most DETAILS_MAX answers, each a question and its answer as text."""
    details = details or {}
    ok = isinstance(details, dict) and all(
        isinstance(q, str) and isinstance(a, str) and len(q) <= 200 and len(a) <= 4000
        for q, a in details.items()
    )
    if not ok or len(details) > DETAILS_MAX:
        raise field_error("details", _("The answers to the category's questions are not valid."))
    return details


def _check_raiser(resident, name: str, phone: str) -> str:
    if resident is None and not name:
        raise field_error("raiser_name", _("Choose a resident or give the raiser's name."))
    if not phone:
        return ""
    try:
        return phones.check(phone)
    except ValidationError as exc:
        raise field_error("raiser_phone", exc.messages[0], "phone") from None


def _check_choices(source: str, kind: str, urgency: str, category: NeedCategory | None) -> None:
    for name, value, choices in (
        ("source", source, Source),
        ("kind", kind, Kind),
        ("urgency", urgency, Urgency),
    ):
        if value not in choices.values:
            raise field_error(name, _("Choose one of the options."))
    if category is None or not category.active:
        raise field_error("category", _("Choose a category."), "unknown_category")


def read_photos(uploads: Sequence) -> list[tuple[str, str, bytes]]:
    """(name, content type, bytes) of each upload after the checks; refuses before writing."""
    if len(uploads) > PHOTOS_MAX:
        raise field_error("photos", _("At most %(n)d photos.") % {"n": PHOTOS_MAX}, "too_many")
    read = []
    for upload in uploads:
        if upload.size > max_bytes():
            raise field_error("photos", too_large_message(), "too_large")
        data = upload.read()
        content_type = sniff(data[:16])
        if content_type not in PHOTO_TYPES:
            raise field_error("photos", _("Only JPEG and PNG photos can be added."), "bad_type")
        read.append(
            (clean_name(getattr(upload, "name", "") or "", content_type), content_type, data)
        )
    return read


def save_photos(need: Need, photos: list[tuple[str, str, bytes]], *, actor) -> list[NeedPhoto]:
    saved = []
    for name, content_type, data in photos:
        photo = NeedPhoto(
            need=need,
            original_name=name,
            content_type=content_type,
            size=len(data),
            sha256=hashlib.sha256(data).hexdigest(),
            uploaded_by=actor,
        )
        photo.file.save(name, ContentFile(data), save=False)
        photo.save()
        saved.append(photo)
    return saved


def do_register_need(
    *,
    actor,
    source: str,
    kind: str,
    category: NeedCategory | None,
    description: str,
    compound,
    urgency: str = Urgency.YELLOW,
    building=None,
    lat=None,
    lng=None,
    resident=None,
    raiser_name: str = "",
    raiser_phone: str = "",
    source_ref: str = "",
    sensitive: bool = False,
    photos: Sequence = (),
    join: int | None = None,
    new_anyway: bool = False,
    visit=None,
    media_url: str = "",
    details: dict[str, str] | None = None,
) -> Registered:
    """Register a need owned by ``actor`` (首接负责), or join an open one with the same problem.

    With open needs of the category in the compound and neither ``join`` nor ``new_anyway``,
    nothing is written: the result offers them as candidates."""
    _check_choices(source, kind, urgency, category)
    _check_place(actor, compound, building, lat, lng, source=source)
    if visit is not None:
        _check_visit(visit, compound)
        source = Source.VISIT
    raiser_name = (raiser_name or "").strip()[:40]
    raiser_phone = _check_raiser(resident, raiser_name, (raiser_phone or "").strip())
    description = clean_reason(
        description, required=True, field="description", limit=DESCRIPTION_MAX
    )
    candidates = same_problem(category, compound)
    if join is not None:
        target = next((n for n in candidates if n.pk == join), None)
        if target is None:
            raise field_error("join", _("That need is not an open one of the same problem."))
        supporter = do_add_supporter(
            target, actor=actor, resident=resident, name=raiser_name, phone=raiser_phone,
            note=description,
        )  # fmt: skip
        return Registered(supporter.need, joined=True)
    if candidates and not new_anyway:
        return Registered(None, candidates=candidates)
    photo_data = read_photos(photos)
    with transaction.atomic():
        at = now()
        need = Need(
            source=source,
            source_ref=(source_ref or "").strip()[:100],
            kind=kind,
            category=category,
            description=description,
            urgency=urgency,
            area_code=compound.code,
            compound=compound,
            building=building,
            lat=lat,
            lng=lng,
            media_url=_check_media_url(media_url),
            details=_check_details(details),
            resident=resident,
            raiser_name=raiser_name,
            raiser_phone=raiser_phone,
            created_at=at,
            created_by=actor,
            owner_kind=OwnerKind.USER,
            owner_user=actor,
            feedback_due_at=clock.due_at(category, at),
            level_since=at,
            sensitive=bool(sensitive),
            visit=visit,
        )
        need.save(force_insert=True)
        set_owner(need, OwnerKind.USER, actor, at)
        record_event(need, EventKind.CREATED, actor=actor, at=at, level=need.level,
                     to_status=need.status, data={"source": source, "kind": kind})  # fmt: skip
        save_photos(need, photo_data, actor=actor)
        governance = propose_governance(category, compound, at)
        if need.untaken:
            tell_community(need)
    return Registered(need, created=True, governance=governance)


def takers(need: Need):
    """Who is told of a need another system filed: the active staff holding HANDLE_NEEDS by a
    grant on the need's community or compound itself (street- and district-wide grants would
    flood a whole street's inboxes), not the filing account; for a sensitive need only those
    whose role also reviews needs there, as only they may see it."""
    roles = set(roles_with(HANDLE_NEEDS))
    if need.sensitive:
        roles &= set(roles_with(REVIEW_NEEDS))
    codes = [need.area_code[: CODE_LENGTH[AreaKind.COMMUNITY]], need.area_code]
    grants = RoleGrant.objects.filter(role__in=sorted(roles), area__code__in=codes)
    return (
        get_user_model()
        .objects.filter(pk__in=grants.values("user_id"), is_active=True)
        .exclude(pk=need.created_by_id)
    )


def _person(user) -> str:
    return user.get_full_name() or user.get_username()


def tell_community(need: Need) -> int:
    """An inbox item for each of ``takers(need)``, linking to the need, in the site's language
    (the filing system's request says nothing of the clerks'). Posted inside the registering
    transaction, as every inbox post from an action is: nobody sees it before the need is
    committed, and a rolled-back registration leaves none. Returns how many were posted."""
    with translation.override(settings.LANGUAGE_CODE):
        title = _("Need #%(number)s from another system: %(category)s") % {
            "number": need.pk,
            "category": need.category.name,
        }
        body = _(
            "%(compound)s. Filed by %(system)s and not yet taken: whoever starts it owns it."
        ) % {"compound": need.compound.name, "system": _person(need.created_by)}
    return inbox.post(
        takers(need),
        kind="need_filed",
        title=title,
        body=body,
        url=reverse("needs-detail", args=[need.pk]),
        key=f"need:{need.pk}:filed",
    )


def _check_visit(visit, compound) -> None:
    """A need found on a visit lies in the visited household's compound (the caller fetched
    the visit through ``visits.access``: the actor may see it)."""
    if visit.area_code != compound.code:
        raise field_error(
            "compound", _("A need found on a visit is in the visited household's compound.")
        )


def do_add_supporter(
    need: Need, *, actor, resident=None, name="", phone="", note=""
) -> NeedSupporter:
    """Add a resident with the same problem to the open ``need``."""
    if not covers(actor, HANDLE_NEEDS, need.area_code):
        require(may_act(actor, need))
    if not need.is_open:
        raise field_error("join", _("That need is not an open one of the same problem."))
    with transaction.atomic():
        supporter = NeedSupporter.objects.create(
            need=need, resident=resident, name=name, phone=phone, note=note[:500], added_by=actor
        )
        label = resident.name if resident is not None else name
        record_event(need, EventKind.SUPPORTER, actor=actor, level=need.level,
                     data={"name": label})  # fmt: skip
    return supporter


def do_add_photo(need: Need, *, actor, upload) -> NeedPhoto:
    require(may_act(actor, need))
    if upload is None or not upload.size:
        raise field_error("photos", _("Choose a photo to add."), "required")
    data = read_photos([upload])
    with transaction.atomic():
        (photo,) = save_photos(need, data, actor=actor)
        record_event(need, EventKind.PHOTO, actor=actor, level=need.level,
                     data={"name": photo.original_name})  # fmt: skip
    return photo


def propose_governance(category: NeedCategory, compound, at: datetime.datetime):
    """A ``GovernanceItem`` when this compound has had ``GOVERNANCE_THRESHOLD`` needs of the
    category within the window and no item was proposed for them in it (once per window)."""
    since = at - GOVERNANCE_WINDOW
    count = Need.objects.filter(
        category=category, area_code=compound.code, created_at__gte=since
    ).count()
    if count < GOVERNANCE_THRESHOLD:
        return None
    recent = GovernanceItem.objects.filter(category=category, area_code=compound.code)
    if (
        recent.filter(created_at__gte=since).exists()
        or recent.filter(status=GovernanceStatus.OPEN).exists()
    ):
        return None
    try:
        with transaction.atomic():
            return GovernanceItem.objects.create(
                category=category,
                area_code=compound.code,
                compound=compound,
                needs_count=count,
                window_start=since,
                created_at=at,
            )
    except IntegrityError:  # proposed a moment ago by another registration
        return None
