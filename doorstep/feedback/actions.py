"""The verbs of satisfaction: open a closed matter for rating, rate it, rectify a bad rating,
call the resident back, appeal and decide. Views, API, sweeps and the apps that close matters
all call these; each checks its input and its actor and changes nothing when it refuses."""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import CharField, Exists, F, OuterRef, Q, Value
from django.db.models.functions import Cast, Concat
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from doorstep.core.errors import field_error
from doorstep.notify import inbox
from doorstep.notify.outbox import queue_from_queryset, queue_message, resident_route
from doorstep.staff.roles import (
    APPEAL_RATINGS,
    CALL_BACK,
    DECIDE_APPEALS,
    RECTIFY,
    reviewer_grants,
    roles_with,
)
from doorstep.staff.scoping import covers
from doorstep.workdays.calendar import add_working_days

from .choices import (
    OFFLINE_INDICATORS,
    ONLINE_QUESTIONS,
    AppealGround,
    AppealStatus,
    Channel,
    Invalid,
    Level,
    Outcome,
    RectificationStatus,
    Solved,
    Source,
    SubjectKind,
)
from .models import Appeal, Callback, Rating, Rectification, Subject

RATE_PATH = "/rate/"


def rating_url(key: str) -> str:
    """The absolute address of a rating link, for messages and QR codes."""
    return f"{settings.DOORSTEP_PUBLIC_URL}{RATE_PATH}{key}/"


def _require(allowed: bool, message: str | None = None) -> None:
    if not allowed:
        raise PermissionDenied(message or _("You may not do this."))


# ---- opening a matter for rating ------------------------------------------------------------


def do_open_subject(
    kind: str,
    object_id: int,
    *,
    reference: str,
    area_code: str,
    closed_at: datetime.datetime,
    service=None,
    department=None,
    handler=None,
    resident=None,
    phone: str = "",
    channel: str = Channel.OFFLINE,
) -> Subject:
    """Called in the transaction that closes a case, need or dispute or serves a desk visit.
    A matter closed again after a reopening keeps its subject (and its rating); its closing
    time and handler follow the last close, and it may be invited again."""
    subject, created = Subject.objects.get_or_create(
        kind=kind,
        object_id=object_id,
        defaults=dict(
            reference=reference[:30], area_code=area_code, closed_at=closed_at,
            service=service, department=department, handler=handler, resident=resident,
            phone=phone[:11], channel=channel,
        ),
    )  # fmt: skip
    if not created:
        Subject.objects.filter(pk=subject.pk).update(
            closed_at=closed_at, handler=handler, department=department, invited_at=None
        )
        subject.refresh_from_db()
    return subject


# ---- rating ---------------------------------------------------------------------------------


@dataclass
class Given:
    """What a resident gives on the rating form."""

    level: int | None
    indicators: dict[str, int | None] = field(default_factory=dict)
    comment: str = ""


def _level(value, name: str, *, required: bool) -> int | None:
    if value in (None, ""):
        if required:
            raise field_error(name, _("Choose how satisfied you are."), "required")
        return None
    try:
        level = int(value)
    except (TypeError, ValueError):
        raise field_error(name, _("Choose one of the five levels."), "invalid") from None
    if level not in Level.values:
        raise field_error(name, _("Choose one of the five levels."), "invalid")
    return level


# Every question a rating form may ask beside the overall level.
ALL_QUESTIONS = tuple(name for name, _label in (*OFFLINE_INDICATORS, *ONLINE_QUESTIONS))


def questions(channel: str) -> tuple:
    """(name, label) of the questions asked for ``channel``: the offline indicators at a desk,
    the sub-questions online."""
    return ONLINE_QUESTIONS if channel == Channel.ONLINE else OFFLINE_INDICATORS


def indicator_names(channel: str) -> tuple[str, ...]:
    return tuple(name for name, _label in questions(channel))


def rating_open(subject: Subject, now: datetime.datetime | None = None) -> bool:
    """Whether the resident may still rate: within the window after closing."""
    now = now or timezone.now()
    return now <= subject.closed_at + datetime.timedelta(days=settings.DOORSTEP_RATING_WINDOW_DAYS)


@transaction.atomic
def do_rate(
    subject: Subject,
    given: Given,
    *,
    source: str,
    now: datetime.datetime | None = None,
) -> Rating:
    """One rating per matter (一事一评), within the window after it closed. At a callback the
    resident may rate again: the new rating replaces the current one, which is kept. A bad
    rating (the two lowest levels) opens a rectification."""
    now = now or timezone.now()
    if source not in Source.values:
        raise field_error("source", _("Unknown source."), "invalid")
    level = _level(given.level, "level", required=True)
    allowed = indicator_names(subject.channel)
    unknown = set(given.indicators) - set(allowed)
    if unknown:
        raise field_error(sorted(unknown)[0], _("This question is not asked here."), "invalid")
    marks = {name: _level(given.indicators.get(name), name, required=False) for name in allowed}
    comment = (given.comment or "").strip()
    if len(comment) > 500:
        raise field_error("comment", _("Keep the comment to 500 characters."), "too_long")
    if "\x00" in comment:
        raise field_error("comment", _("The comment contains a character that is not allowed."))
    subject = Subject.objects.select_for_update().get(pk=subject.pk)
    current = subject.ratings.filter(current=True).first()
    if source != Source.CALLBACK:
        if current is not None:
            raise field_error("level", _("This matter has been rated already."), "rated")
        if not rating_open(subject, now):
            raise field_error(
                "level", _("The time to rate this matter has passed."), "window_closed"
            )
    elif current is not None:
        Rating.objects.filter(pk=current.pk).update(current=False)
    rating = Rating.objects.create(
        subject=subject, level=level, comment=comment, source=source, at=now, **marks
    )
    if rating.bad:
        _open_rectification(rating, now)
    return rating


def rectifier_grants(area_code: str, rated_id: int | None):
    """The RECTIFY grants over ``area_code`` (its own code or one above it) of active users,
    leaving out the person rated (``rated_id``)."""
    from doorstep.staff.models import RoleGrant

    prefixes = [area_code[:n] for n in range(len(area_code), 0, -1)]
    return RoleGrant.objects.filter(
        role__in=roles_with(RECTIFY), area__code__in=prefixes, user__is_active=True
    ).exclude(user_id=rated_id)


def rectify_owner(subject: Subject):
    """Who owns a bad rating's rectification: a holder of RECTIFY over the matter's area, the
    nearest one first (a community lead before a street lead), never the person rated."""
    grants = rectifier_grants(subject.area_code, subject.handler_id)
    best = sorted(grants.values_list("user_id", "area__code"), key=lambda g: (-len(g[1]), g[0]))
    return best[0][0] if best else None


def rectifiers(rect: Rectification):
    """Who may own ``rect``: the users behind ``rectifier_grants`` of its area."""
    ids = rectifier_grants(rect.area_code, rect.rating.subject.handler_id).values("user_id")
    return get_user_model().objects.filter(pk__in=ids).order_by("username")


def _open_rectification(rating: Rating, now: datetime.datetime) -> Rectification:
    subject = rating.subject
    today = timezone.localtime(now).date()
    rect = Rectification.objects.create(
        rating=rating,
        area_code=subject.area_code,
        owner_id=rectify_owner(subject),
        opened_at=now,
        due_on=add_working_days(today, settings.DOORSTEP_RECTIFY_WORKING_DAYS),
    )
    if rect.owner_id:
        inbox.post(
            [rect.owner_id],
            kind="rectification",
            title=_("A bad rating to rectify: %(subject)s") % {"subject": subject},
            body=_("Call the resident back and record what was done by %(date)s.")
            % {"date": rect.due_on.isoformat()},
            url=reverse("feedback-rectification", args=[rect.pk]),
            key=f"rectification:{rect.pk}",
        )
    return rect


# ---- rectification and callbacks ------------------------------------------------------------


def may_rectify(user, rect: Rectification) -> bool:
    return covers(user, RECTIFY, rect.area_code) and rect.rating.subject.handler_id != user.pk


@transaction.atomic
def do_assign_rectification(rect: Rectification, *, actor, owner) -> Rectification:
    _require(may_rectify(actor, rect))
    rect = (
        Rectification.objects.select_for_update().select_related("rating__subject").get(pk=rect.pk)
    )
    if rect.status != RectificationStatus.OPEN:
        raise field_error("owner", _("This rectification is done."), "done")
    if owner is None or not covers(owner, RECTIFY, rect.area_code):
        raise field_error("owner", _("Choose someone who may rectify in this area."), "invalid")
    if owner.pk == rect.rating.subject.handler_id:
        raise field_error("owner", _("The person rated cannot own the rectification."), "invalid")
    rect.owner = owner
    rect.save(update_fields=["owner"])
    return rect


@dataclass
class Called:
    """What a callback found."""

    invalid: str = ""
    reached: bool = False
    solved: str = ""
    satisfaction: int | None = None
    note: str = ""


def clean_called(called: Called) -> Called:
    """Check what a callback found and keep only what counts: an invalid callback keeps only
    why, one that did not reach the resident only the note; a reached one says whether the
    problem was solved and how satisfied the resident is."""
    if called.invalid and called.invalid not in Invalid.values:
        raise field_error("invalid", _("Choose one of the options."), "invalid")
    if called.solved and called.solved not in Solved.values:
        raise field_error("solved", _("Choose one of the options."), "invalid")
    note = (called.note or "").strip()
    if len(note) > 1000:
        raise field_error("note", _("Keep the note to 1,000 characters."), "too_long")
    satisfaction = _level(called.satisfaction, "satisfaction", required=False)
    if called.invalid:
        # An invalid callback records only why.
        return Called(invalid=called.invalid, note=note)
    if not called.reached:
        return Called(reached=False, note=note)
    if not called.solved:
        raise field_error("solved", _("Say whether the problem was solved."), "required")
    if satisfaction is None:
        raise field_error("satisfaction", _("Choose how satisfied the resident is."), "required")
    return Called(reached=True, solved=called.solved, satisfaction=satisfaction, note=note)


# A need's callback closes or reopens it, a dispute's records whether the agreement is kept:
# both are recorded on their own pages (which write the same Callback), never here.
CALLED_BACK_ELSEWHERE = {SubjectKind.NEED: "needs-detail", SubjectKind.DISPUTE: "disputes-detail"}


def may_call_back(user, subject: Subject) -> bool:
    return subject.kind not in CALLED_BACK_ELSEWHERE and covers(user, CALL_BACK, subject.area_code)


def callback_page(subject: Subject) -> str:
    """Where a need's or dispute's callback is recorded ("" for cases and desk visits)."""
    name = CALLED_BACK_ELSEWHERE.get(subject.kind)
    return reverse(name, args=[subject.object_id]) if name else ""


def subject_for(kind: str, object_id: int) -> Subject | None:
    """The rated matter of a case, need, dispute or desk visit, if it was opened."""
    return Subject.objects.filter(kind=kind, object_id=object_id).first()


def write_callback(
    subject: Subject, called: Called, *, by, at: datetime.datetime | None = None
) -> Callback:
    """Write a callback already checked with ``clean_called``. The one writer of ``Callback``
    rows: the apps whose matters have a callback of their own (a need's, a dispute's) call it
    inside their action, after their own permission check."""
    return Callback.objects.create(
        subject=subject, at=at or timezone.now(), by=by, invalid=called.invalid,
        reached=called.reached, solved=called.solved, satisfaction=called.satisfaction,
        note=called.note,
    )  # fmt: skip


@transaction.atomic
def do_record_callback(
    subject: Subject, called: Called, *, actor, now: datetime.datetime | None = None
) -> Callback:
    """A callback (回访) on a closed case or desk visit (a need's and a dispute's are recorded by
    their own apps, which also move the matter on)."""
    if subject.kind in CALLED_BACK_ELSEWHERE:
        raise field_error(
            "subject", _("Record this callback on the matter's own page."), "elsewhere"
        )
    _require(may_call_back(actor, subject))
    return write_callback(subject, clean_called(called), by=actor, at=now)


@transaction.atomic
def do_settle_rectification(
    rect: Rectification,
    *,
    actor,
    outcome: str,
    account: str,
    put_right_by: datetime.date | None,
    called: Called,
    new_level: int | None = None,
    now: datetime.datetime | None = None,
) -> Rectification:
    """Record what was done and the callback to the resident, in one step: a rectification is
    done only with both. Reached, the resident may rate again; the new rating replaces the bad
    one (and, if bad again, opens a new rectification)."""
    now = now or timezone.now()
    rect = (
        Rectification.objects.select_for_update().select_related("rating__subject").get(pk=rect.pk)
    )
    _require(may_rectify(actor, rect))
    if rect.status != RectificationStatus.OPEN:
        raise field_error("outcome", _("This rectification is done already."), "done")
    if outcome not in Outcome.values:
        raise field_error("outcome", _("Choose what was done."), "required")
    account = (account or "").strip()
    if not account:
        raise field_error("account", _("Say what was done or explained."), "required")
    if len(account) > 2000:
        raise field_error("account", _("Keep this to 2,000 characters."), "too_long")
    today = timezone.localtime(now).date()
    if outcome == Outcome.BY_DATE:
        if put_right_by is None:
            raise field_error("put_right_by", _("Give the date it will be put right by."))
        if put_right_by < today:
            raise field_error("put_right_by", _("That date has passed."))
    else:
        put_right_by = None
    called = clean_called(called)
    if called.invalid:
        raise field_error(
            "invalid", _("A rectification needs a valid callback: try the resident again."),
        )  # fmt: skip
    subject = rect.rating.subject
    callback = write_callback(subject, called, by=actor, at=now)
    rect.outcome, rect.account, rect.put_right_by = outcome, account, put_right_by
    rect.callback, rect.status, rect.done_at = callback, RectificationStatus.DONE, now
    rect.save(update_fields=["outcome", "account", "put_right_by", "callback", "status", "done_at"])
    if new_level not in (None, ""):
        if not called.reached:
            raise field_error("new_level", _("Only a resident reached can rate again."))
        do_rate(subject, Given(level=new_level), source=Source.CALLBACK, now=now)
    return rect


# ---- appeals --------------------------------------------------------------------------------


def may_appeal(user, rating: Rating) -> bool:
    """The rated unit contests: a reviewer of the department that decided it, or, for a
    community desk's own work, one who holds APPEAL_RATINGS over its area. Never the rater."""
    subject = rating.subject
    if subject.department_id is not None:
        return any(
            dept == subject.department_id and subject.area_code.startswith(code)
            for dept, code in reviewer_grants(user)
        )
    return covers(user, APPEAL_RATINGS, subject.area_code)


@transaction.atomic
def do_appeal(rating: Rating, *, actor, ground: str, grounds: str) -> Appeal:
    rating = Rating.objects.select_for_update().select_related("subject").get(pk=rating.pk)
    _require(may_appeal(actor, rating))
    if not rating.bad or not rating.current or rating.excluded:
        raise field_error("rating", _("Only a current bad rating may be appealed."), "invalid")
    if ground not in AppealGround.values:
        raise field_error("ground", _("Choose the ground of the appeal."), "required")
    grounds = (grounds or "").strip()
    if not grounds:
        raise field_error("grounds", _("Say why the rating is mistaken or malicious."), "required")
    if len(grounds) > 2000:
        raise field_error("grounds", _("Keep this to 2,000 characters."), "too_long")
    if rating.appeals.filter(status=AppealStatus.PENDING).exists():
        raise field_error("rating", _("An appeal of this rating awaits a decision."), "pending")
    if rating.appeals.exists():
        raise field_error("rating", _("This rating was appealed already."), "appealed")
    return Appeal.objects.create(
        rating=rating, area_code=rating.subject.area_code, filed_by=actor, ground=ground,
        grounds=grounds,
    )  # fmt: skip


def may_decide(user, appeal: Appeal) -> bool:
    return covers(user, DECIDE_APPEALS, appeal.area_code) and appeal.filed_by_id != user.pk


@transaction.atomic
def do_decide_appeal(appeal: Appeal, *, actor, upheld: bool, decision: str) -> Appeal:
    """Upheld, the rating is removed from every figure (kept, marked, and shown to leads with
    this appeal as the record of why); rejected, it stands."""
    appeal = Appeal.objects.select_for_update().select_related("rating").get(pk=appeal.pk)
    _require(may_decide(actor, appeal))
    if appeal.status != AppealStatus.PENDING:
        raise field_error("decision", _("This appeal was decided already."), "decided")
    decision = (decision or "").strip()
    if not decision:
        raise field_error("decision", _("Give the reasons for the decision."), "required")
    if len(decision) > 2000:
        raise field_error("decision", _("Keep this to 2,000 characters."), "too_long")
    appeal.status = AppealStatus.UPHELD if upheld else AppealStatus.REJECTED
    appeal.decided_by, appeal.decided_at, appeal.decision = actor, timezone.now(), decision
    appeal.save(update_fields=["status", "decided_by", "decided_at", "decision"])
    if upheld:
        Rating.objects.filter(pk=appeal.rating_id).update(excluded=True)
    inbox.post(
        [appeal.filed_by_id],
        kind="appeal",
        title=_("Your appeal was decided: %(status)s") % {"status": appeal.get_status_display()},
        body=decision[:200],
        url=reverse("feedback-subject", args=[appeal.rating.subject_id]),
        key=f"appeal:{appeal.pk}",
    )
    return appeal


# ---- sweeps ---------------------------------------------------------------------------------


def do_invite(now: datetime.datetime | None = None) -> int:
    """Invite, once, every resident whose matter closed at least DOORSTEP_RATING_INVITE_DAYS
    ago and is still unrated while rating is open. Set-based: one INSERT … SELECT writes the
    messages, one UPDATE marks the subjects. Returns how many were invited."""
    now = now or timezone.now()
    after = now - datetime.timedelta(days=settings.DOORSTEP_RATING_INVITE_DAYS)
    window = now - datetime.timedelta(days=settings.DOORSTEP_RATING_WINDOW_DAYS)
    rated = Rating.objects.filter(subject=OuterRef("pk"), current=True)
    with transaction.atomic():
        due = (
            Subject.objects.select_for_update(skip_locked=True)
            .filter(invited_at__isnull=True, closed_at__lte=after, closed_at__gte=window)
            .exclude(Exists(rated))
        )
        ids = list(due.values_list("pk", flat=True)[:5000])
        if not ids:
            return 0
        batch = Subject.objects.filter(pk__in=ids)
        link = Concat(Value(f"{settings.DOORSTEP_PUBLIC_URL}{RATE_PATH}"), F("key"), Value("/"))
        key = Concat(Value("rating-invite:"), F("key"))
        common = dict(
            key=key, template="rating_invite",
            context={"reference": F("reference"), "link": link},
        )  # fmt: skip
        residents = batch.filter(resident__isnull=False)
        queue_from_queryset(residents, **common, **resident_route("resident__"))
        for subject in batch.filter(resident__isnull=True).exclude(phone=""):
            # Desk visits booked by phone only: a few a day, one message each.
            queue_message(
                key=f"rating-invite:{subject.key}",
                template="rating_invite",
                context={"reference": subject.reference, "link": rating_url(subject.key)},
                phone=subject.phone,
            )
        return batch.update(invited_at=now)


def do_mark_overdue_rectifications(now: datetime.datetime | None = None) -> int:
    """Mark open rectifications past their due date, once each, and tell their owners."""
    now = now or timezone.now()
    today = timezone.localtime(now).date()
    with transaction.atomic():
        late = Rectification.objects.filter(
            status=RectificationStatus.OPEN, due_on__lt=today, overdue_at__isnull=True
        )
        owned = late.filter(owner__isnull=False)
        inbox.post_from_queryset(
            owned,
            recipient=F("owner"),
            kind="rectification",
            title=_("A rectification is overdue"),
            body=_("Call the resident back and record what was done."),
            url=inbox.path("feedback-rectification", F("pk")),
            key=inbox.fill("rectification-overdue:%(pk)s", pk=Cast("pk", CharField())),
        )
        return late.update(overdue_at=now)


def bad_q(prefix: str = "") -> Q:
    return Q(**{f"{prefix}level__lte": Level.DISSATISFIED})
