"""Desk pages. Public ones (no login) let residents see when a desk comes, book and cancel;
staff ones run a session: bookings, queue numbers, served and no-show. Thin: reads through
querysets and ``access_*``, writes through the actions."""

from __future__ import annotations

from collections.abc import Callable

import segno
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Exists, OuterRef, Q
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.dates import WEEKDAYS
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from doorstep.core import phone as phones
from doorstep.core.throttle import client_address
from doorstep.people.models import Resident
from doorstep.people.search import search_residents
from doorstep.places.choices import AreaKind
from doorstep.places.models import Area
from doorstep.staff.roles import SERVE_DESK, can

from . import actions
from .access import access_appointment, access_session, access_ticket
from .choices import AppointmentStatus, DeskKind, SessionStatus
from .display import queue_board
from .forms import (
    BookingForm,
    CancelForm,
    CancelSessionForm,
    ClerkBookingForm,
    ConfirmForm,
    WalkInForm,
    add_action_errors,
)
from .models import Appointment, DeskSchedule, DeskSession, Slot

SESSION_KEY = "desks_bookings"  # codes this browser booked: only these confirmations show
REMEMBERED = 10
# Holds waiting for their code, expired holds and cancellations are not the desk's business.
STAFF_LISTED = (AppointmentStatus.BOOKED, AppointmentStatus.SERVED, AppointmentStatus.NO_SHOW)
MARKABLE = {"served": AppointmentStatus.SERVED, "no_show": AppointmentStatus.NO_SHOW}
COMING_DAYS = 14  # today's page lists the sessions of the next two weeks


# ---- public ---------------------------------------------------------------------------------


# Other apps add sections to a compound's public page without the desks app importing them
# (the reception app adds the leaders' reception days): each ``fn(request, compound)`` in this
# list returns a piece of HTML, rendered below the desks in the order registered.
compound_sections: list[Callable[[HttpRequest, Area], str]] = []


def compound_or_404(code: str) -> Area:
    return get_object_or_404(Area, code=code, kind=AreaKind.COMPOUND)


def upcoming_sessions(compound: Area) -> list[DeskSession]:
    """The next 14 days' open sessions at ``compound``, each slot marked bookable or not.
    Holds that ran out are released first, so their places show as free."""
    actions.release_expired_holds()
    sessions = list(
        DeskSession.objects.upcoming()
        .filter(compound=compound)
        .exclude(desk__kind=DeskKind.RECEPTION)  # shown by the reception app's section
        .select_related("desk")
        .prefetch_related("slots", "desk__services")
    )
    now = timezone.now()
    for session in sessions:
        session.offered = [s for s in session.desk.services.all() if s.is_active]
        for slot in session.slots.all():
            slot.ended = slot.starts_at() <= now
            slot.bookable = slot.free > 0 and not slot.ended
        session.free = sum(s.free for s in session.slots.all() if s.bookable)
    return sessions


def compound_page(request: HttpRequest, code: str) -> HttpResponse:
    compound = compound_or_404(code)
    context = {
        "compound": compound,
        "sessions": upcoming_sessions(compound),
        "sections": [section(request, compound) for section in compound_sections],
    }
    return render(request, "desks/compound.html", context)


def compound_poster(request: HttpRequest, code: str) -> HttpResponse:
    compound = compound_or_404(code)
    url = request.build_absolute_uri(reverse("desks-compound", args=[compound.code]))
    qr = segno.make(url, error="m").svg_inline(scale=10, border=2, omitsize=True)
    context = {"compound": compound, "qr": qr, "url": url, "rules": weekly_rules(compound)}
    return render(request, "desks/poster.html", context)


def weekly_rules(compound: Area) -> list[DeskSchedule]:
    """The weekly openings at ``compound`` still in force, for the poster."""
    today = timezone.localdate()
    rules = list(
        DeskSchedule.objects.filter(
            Q(compound=compound) | Q(compound__isnull=True, desk__area=compound),
            Q(valid_to__isnull=True) | Q(valid_to__gte=today),
            desk__is_active=True,
        )
        .select_related("desk")
        .prefetch_related("desk__services")
        .order_by("desk__name", "weekday", "start")
    )
    for rule in rules:
        rule.weekday_name = WEEKDAYS[rule.weekday]
    return rules


def _bookable_slot(pk: int) -> Slot:
    slot = (
        Slot.objects.select_related("session__desk", "session__compound")
        .filter(pk=pk, session__desk__is_active=True)
        .first()
    )
    if slot is None:
        raise Http404
    return slot


def book(request: HttpRequest, slot_pk: int) -> HttpResponse:
    """Step 1: the booker's details; the place is held and a code goes to the phone."""
    slot = _bookable_slot(slot_pk)
    desk = slot.session.desk
    services = [s for s in desk.services.all() if s.is_active] if desk.asks_for_service else None
    form = BookingForm(request.POST or None, services=services)
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            data = form.cleaned_data
            try:
                appointment = actions.do_book(
                    slot,
                    service=form.services.get(data.get("service", "")),
                    name=data["name"],
                    phone=data["phone"],
                    id_last4=data["id_last4"],
                    client=client_address(request),
                )
            except ValidationError as exc:
                add_action_errors(form, exc)
                status = _status(exc)
            else:
                remembered = request.session.get(SESSION_KEY, [])
                request.session[SESSION_KEY] = [*remembered, appointment.code][-REMEMBERED:]
                return redirect("desks-confirm", code=appointment.code)
    context = {"slot": slot, "session": slot.session, "form": form}
    return render(request, "desks/book.html", context, status=status)


def _status(exc: ValidationError) -> int:
    codes = actions.error_codes(exc)
    return 429 if "throttled" in codes else 409 if codes & {"full", "expired"} else 400


def _own_appointment(request: HttpRequest, code: str) -> Appointment:
    """A booking this browser made: the confirmation pages show no one else's."""
    if code not in request.session.get(SESSION_KEY, []):
        raise Http404
    return get_object_or_404(
        Appointment.objects.select_related(
            "slot__session__desk", "slot__session__compound", "service"
        ),
        code=code,
    )


def confirm(request: HttpRequest, code: str) -> HttpResponse:
    """Step 2: the code sent to the phone turns the hold into a booking."""
    appointment = _own_appointment(request, code)
    if appointment.status == AppointmentStatus.BOOKED:
        return redirect("desks-booked", code=code)
    form = ConfirmForm(request.POST or None)
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            try:
                actions.do_confirm_booking(
                    code, otp=form.cleaned_data["otp"], client=client_address(request)
                )
            except ValidationError as exc:
                add_action_errors(form, exc)
                status = _status(exc)
            else:
                return redirect("desks-booked", code=code)
    context = {
        "appointment": appointment,
        "phone_masked": phones.mask(appointment.phone),
        "form": form,
        "minutes": actions.HOLD_MINUTES,
    }
    return render(request, "desks/confirm.html", context, status=status)


def booked(request: HttpRequest, code: str) -> HttpResponse:
    """The booker's own confirmation: only in the browser that made the booking."""
    appointment = _own_appointment(request, code)
    if appointment.status == AppointmentStatus.HELD:
        return redirect("desks-confirm", code=code)
    context = {"appointment": appointment, "phone_masked": phones.mask(appointment.phone)}
    return render(request, "desks/booked.html", context)


def cancel(request: HttpRequest) -> HttpResponse:
    form = CancelForm(request.POST or None, initial={"code": request.GET.get("code", "")[:12]})
    cancelled, status = None, 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            try:
                cancelled = actions.do_cancel(
                    form.cleaned_data["code"],
                    phone_last4=form.cleaned_data["phone_last4"],
                    client=client_address(request),
                )
                status = 200
            except ValidationError as exc:
                add_action_errors(form, exc)
                status = _status(exc)
    return render(
        request, "desks/cancel.html", {"form": form, "cancelled": cancelled}, status=status
    )


# ---- staff ----------------------------------------------------------------------------------


@login_required
def today(request: HttpRequest) -> HttpResponse:
    if not can(request.user, SERVE_DESK):
        raise PermissionDenied
    mine = DeskSession.objects.visible_to(request.user).select_related("desk", "compound")
    day = timezone.localdate()
    sessions = mine.filter(date=day).with_counts().order_by("start", "desk__name")
    coming = (
        mine.upcoming(days=COMING_DAYS)
        .exclude(date=day)
        .with_counts()
        .order_by("date", "start", "desk__name")
    )
    return render(request, "desks/today.html", {"sessions": sessions, "coming": coming})


@login_required
def session_detail(request: HttpRequest, pk: int) -> HttpResponse:
    session = access_session(request.user, pk)
    # Whether the booker's name and ID tail match someone in the registry the clerk may see:
    # the tail itself is kept only as a keyed hash, so the desk checks the card, not a number.
    on_file = Resident.objects.visible_to(request.user).filter(
        name=OuterRef("name"), id_tail_hash=OuterRef("id_tail_hash")
    )
    appointments = (
        Appointment.objects.filter(slot__session=session)
        .filter(status__in=STAFF_LISTED)
        .select_related("slot", "service", "ticket")
        .annotate(on_file=Exists(on_file))
        .order_by("slot__start", "created_at")
    )
    tickets = session.tickets.select_related("appointment").order_by("number")
    is_open = session.status == SessionStatus.OPEN
    context = {
        "session": session,
        "appointments": appointments,
        "tickets": tickets,
        "waiting": tickets.filter(served_at__isnull=True).count(),
        "walk_in_form": WalkInForm(),
        "is_today": session.date == timezone.localdate() and is_open,
        "can_cancel": is_open and session.date >= timezone.localdate(),
        "cancel_form": CancelSessionForm(),
    }
    return render(request, "desks/session.html", context)


def _done(request: HttpRequest, session: DeskSession, result) -> HttpResponse:
    try:
        message = result()
    except ValidationError as exc:
        for text in exc.messages:
            messages.error(request, text)
    else:
        messages.success(request, message)
    return redirect("desks-session", pk=session.pk)


@login_required
@require_POST
def issue_ticket(request: HttpRequest, pk: int) -> HttpResponse:
    session = access_session(request.user, pk)
    appointment = None
    if request.POST.get("appointment"):
        appointment = get_object_or_404(
            Appointment.objects.select_related("slot"),
            pk=_int(request.POST["appointment"]),
            slot__session=session,
        )

    def issue() -> str:
        ticket = actions.do_issue_ticket(
            session,
            actor=request.user,
            appointment=appointment,
            name=request.POST.get("name", ""),
        )
        return _("Number %(n)03d for %(name)s.") % {"n": ticket.number, "name": ticket.name}

    return _done(request, session, issue)


@login_required
@require_POST
def mark_appointment(request: HttpRequest, pk: int, status: str) -> HttpResponse:
    if status not in MARKABLE:
        raise Http404
    appointment = access_appointment(request.user, pk)

    def mark() -> str:
        actions.do_mark_appointment(appointment, actor=request.user, status=MARKABLE[status])
        return _("%(name)s: %(status)s.") % {
            "name": appointment.name,
            "status": appointment.get_status_display(),
        }

    return _done(request, appointment.slot.session, mark)


@login_required
@require_POST
def serve_ticket(request: HttpRequest, pk: int) -> HttpResponse:
    ticket = access_ticket(request.user, pk)

    def serve() -> str:
        actions.do_serve_ticket(ticket, actor=request.user)
        return _("Number %(n)03d served.") % {"n": ticket.number}

    return _done(request, ticket.session, serve)


@login_required
@require_POST
def cancel_session(request: HttpRequest, pk: int) -> HttpResponse:
    """A clerk calls a session day off, with a reason every booker is told."""
    session = access_session(request.user, pk)
    form = CancelSessionForm(request.POST)

    def cancel() -> str:
        if not form.is_valid():
            raise ValidationError(_("Say why the session is cancelled (up to 200 characters)."))
        n = actions.do_cancel_session(
            session, actor=request.user, reason=form.cleaned_data["reason"]
        )
        return _("Session cancelled; %(n)d bookers will be told.") % {"n": n}

    return _done(request, session, cancel)


def _clerk_bookable(session: DeskSession) -> list[Slot]:
    now = timezone.now()
    return [s for s in session.slots.order_by("start") if s.free > 0 and s.starts_at() > now]


@login_required
def book_for_resident(request: HttpRequest, pk: int) -> HttpResponse:
    """A clerk books a place in ``session`` for a resident at the desk or on the phone."""
    session = access_session(request.user, pk)
    desk = session.desk
    services = [s for s in desk.services.all() if s.is_active] if desk.asks_for_service else None
    slots = _clerk_bookable(session)
    form = ClerkBookingForm(request.POST or None, slots=slots, services=services)
    query = request.GET.get("q", "").strip()[:50]
    hits = search_residents(request.user, query, limit=10) if query else []
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            try:
                appointment = _clerk_book(request, form, slots)
            except ValidationError as exc:
                add_action_errors(form, exc)
                status = 409 if "full" in actions.error_codes(exc) else 400
            else:
                messages.success(
                    request,
                    _("Booked %(name)s at %(time)s; booking code %(code)s.")
                    % {
                        "name": appointment.name,
                        "time": f"{appointment.slot.start:%H:%M}",
                        "code": appointment.code,
                    },
                )
                return redirect("desks-session", pk=session.pk)
    chosen = form.data.get("resident") if form.is_bound else None
    context = {"session": session, "form": form, "query": query, "hits": hits, "chosen": chosen}
    return render(request, "desks/book_for.html", context, status=status)


def _clerk_book(request: HttpRequest, form: ClerkBookingForm, slots: list[Slot]) -> Appointment:
    data = form.cleaned_data
    resident = None
    if data.get("resident"):
        resident = Resident.objects.visible_to(request.user).filter(pk=data["resident"]).first()
        if resident is None:
            raise ValidationError(
                {"resident": _("This resident is not in the areas you serve.")}, code="resident"
            )
    slot = next(s for s in slots if s.pk == data["slot"])
    return actions.do_book_for_resident(
        slot,
        actor=request.user,
        channel=data["channel"],
        service=form.services.get(data.get("service", "")),
        resident=resident,
        name=data.get("name", ""),
        phone=data.get("phone", ""),
    )


@login_required
@require_POST
def call_next(request: HttpRequest, pk: int) -> HttpResponse:
    session = access_session(request.user, pk)

    def call() -> str:
        ticket = actions.do_call_next(session, actor=request.user)
        if ticket is None:
            return _("Nobody is waiting.")
        return _("Calling number %(n)03d.") % {"n": ticket.number}

    return _done(request, session, call)


@login_required
def display(request: HttpRequest, pk: int) -> HttpResponse:
    """The screen at the desk: htmx asks for the board again every few seconds."""
    session = access_session(request.user, pk)
    context = {"session": session, "board": queue_board(session)}
    if request.headers.get("HX-Request"):
        return render(request, "desks/_board.html", context)
    return render(request, "desks/display.html", context)


def _int(value: str) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        raise Http404 from None
