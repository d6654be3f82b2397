"""Satisfaction pages: the resident's rating page (by the link's key, no login), and for staff
the rated matters, a matter's ratings and callbacks, rectifications and appeals.

Thin: single records through ``access_*`` (404 alike for missing and not yours), lists through
``*_for(user)``, every write through ``actions``. A refused write re-renders its page with the
error beside the field (400) and changes nothing; one the user may not make is 403. Nothing
shown to staff here names the rater, except the rectification page to those who rectify.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Exists, OuterRef, Prefetch
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from doorstep.core.filtersets import narrowing
from doorstep.staff.roles import DECIDE_APPEALS, VIEW_RATINGS, can

from . import actions
from .access import (
    access_appeal,
    access_rectification,
    access_subject,
    appeals_for,
    rectifications_for,
    subjects_for,
)
from .choices import OFFLINE_INDICATORS, ONLINE_QUESTIONS, AppealStatus, Source
from .filters import RectificationFilterSet, SubjectFilterSet
from .forms import (
    AppealForm,
    CallbackForm,
    DecideForm,
    OwnerForm,
    RateForm,
    SettleForm,
    add_action_errors,
)
from .models import Callback, Rating, Subject

PAGE_SIZE = 25
VIA = {"tracking": Source.TRACKING, "receipt": Source.RECEIPT}


# ---- the resident's page --------------------------------------------------------------------


def rate(request: HttpRequest, key: str) -> HttpResponse:
    """The rating page behind a message link, the tracking page's button or the receipt's QR
    code. The key rates this one matter; nothing here says who the resident is."""
    subject = (
        Subject.objects.select_related("service").filter(key=key[:32]).first()
        if key.isascii()
        else None
    )
    if subject is None:
        raise Http404
    context: dict = {"subject": subject, "public": True}
    if subject.ratings.filter(current=True).exists():
        context["done"] = "rated"
        return render(request, "feedback/rate.html", context)
    if not actions.rating_open(subject):
        context["done"] = "closed"
        return render(request, "feedback/rate.html", context)
    form = RateForm(request.POST if request.method == "POST" else None, channel=subject.channel)
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            source = VIA.get(request.GET.get("via", ""), Source.MESSAGE)
            try:
                actions.do_rate(subject, form.given(), source=source)
            except ValidationError as exc:
                add_action_errors(form, exc)
            else:
                context["done"] = "thanks"
                return render(request, "feedback/rate.html", context)
    context["form"] = form
    return render(request, "feedback/rate.html", context, status=status)


# ---- staff: rated matters -------------------------------------------------------------------


# Filters the list page has no field for, set by the dashboard's "matters behind a figure".
NARROWING = ("area", "called_after", "called_before", "bad_after", "bad_before")


def _require(user, *capabilities: str) -> None:
    if not any(can(user, c) for c in capabilities):
        raise PermissionDenied


def _filtered_page(filterset, request: HttpRequest, rows):
    """A list's FilterSet over ``rows``: its form, the requested page, and 400 (with an empty
    page) when the filters are not valid."""
    filters = filterset(request.GET or None, queryset=rows, request=request)
    valid = not filters.is_bound or filters.form.is_valid()
    page = Paginator(filters.qs if valid else rows.none(), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    return filters.form, page, 200 if valid else 400


def _may_see(user) -> bool:
    return can(user, VIEW_RATINGS) or subjects_for(user).exists()


@login_required
def subject_list(request: HttpRequest) -> HttpResponse:
    if not _may_see(request.user):
        raise PermissionDenied
    current = Rating.objects.filter(current=True)
    rows = (
        subjects_for(request.user)
        .select_related("service", "department")
        .prefetch_related(Prefetch("ratings", queryset=current, to_attr="current_ratings"))
        .annotate(called=Exists(Callback.objects.filter(subject=OuterRef("pk"), invalid="")))
        .order_by("-closed_at", "-id")
    )
    form, page, status = _filtered_page(SubjectFilterSet, request, rows)
    context = {
        "form": form,
        "page": page,
        "narrowing": narrowing(form, NARROWING),
        "open_rectifications": rectifications_for(request.user).filter(status="open").count(),
        "pending_appeals": appeals_for(request.user).filter(status=AppealStatus.PENDING).count(),
    }
    return render(request, "feedback/list.html", context, status=status)


def _subject_context(request: HttpRequest, subject: Subject, **forms) -> dict:
    user = request.user
    ratings = list(
        subject.ratings.select_related("rectification__owner").prefetch_related("appeals")
    )
    current = next((r for r in ratings if r.current), None)
    pairs = ONLINE_QUESTIONS if subject.channel == "online" else OFFLINE_INDICATORS
    marks = []
    if current is not None:
        for name, label in pairs:
            value = getattr(current, name)
            if value:
                marks.append((label, getattr(current, f"get_{name}_display")()))
    may_appeal = (
        current is not None
        and current.bad
        and not current.excluded
        and not current.appeals.exists()
        and actions.may_appeal(user, current)
    )
    context = {
        "subject": subject,
        "ratings": ratings,
        "current": current,
        "marks": marks,
        "callbacks": list(subject.callbacks.select_related("by")),
        "callback_form": CallbackForm() if actions.may_call_back(user, subject) else None,
        "callback_page": actions.callback_page(subject),
        "appeal_form": AppealForm() if may_appeal else None,
        "decide_forms": {},
        "rating_link": actions.rating_url(subject.key)
        if actions.may_call_back(user, subject) and current is None
        else "",
    }
    for rating in ratings:
        for appeal in rating.appeals.all():
            if appeal.status == AppealStatus.PENDING and actions.may_decide(user, appeal):
                context["decide_forms"][appeal.pk] = DecideForm(prefix=f"a{appeal.pk}")
    context.update(forms)
    return context


@login_required
def subject_detail(request: HttpRequest, pk: int) -> HttpResponse:
    subject = access_subject(request.user, pk)
    return render(request, "feedback/subject.html", _subject_context(request, subject))


@login_required
@require_POST
def record_callback(request: HttpRequest, pk: int) -> HttpResponse:
    subject = access_subject(request.user, pk)
    if not actions.may_call_back(request.user, subject):
        raise PermissionDenied
    form = CallbackForm(request.POST)
    if form.is_valid():
        try:
            actions.do_record_callback(subject, form.called(), actor=request.user)
        except ValidationError as exc:
            add_action_errors(form, exc)
        else:
            messages.success(request, _("Callback recorded."))
            return redirect("feedback-subject", pk=subject.pk)
    context = _subject_context(request, subject, callback_form=form)
    return render(request, "feedback/subject.html", context, status=400)


@login_required
@require_POST
def appeal(request: HttpRequest, pk: int) -> HttpResponse:
    subject = access_subject(request.user, pk)
    rating = subject.ratings.filter(current=True).first()
    if rating is None or not actions.may_appeal(request.user, rating):
        raise PermissionDenied
    form = AppealForm(request.POST)
    if form.is_valid():
        try:
            actions.do_appeal(rating, actor=request.user, **form.cleaned_data)
        except ValidationError as exc:
            add_action_errors(form, exc)
        else:
            messages.success(request, _("Appeal filed: a reviewer will decide."))
            return redirect("feedback-subject", pk=subject.pk)
    context = _subject_context(request, subject, appeal_form=form)
    return render(request, "feedback/subject.html", context, status=400)


@login_required
@require_POST
def decide(request: HttpRequest, pk: int) -> HttpResponse:
    appeal = access_appeal(request.user, pk)
    if not actions.may_decide(request.user, appeal):
        raise PermissionDenied
    form = DecideForm(request.POST, prefix=f"a{appeal.pk}")
    if form.is_valid():
        try:
            actions.do_decide_appeal(appeal, actor=request.user, **form.cleaned_data)
        except ValidationError as exc:
            add_action_errors(form, exc)
        else:
            messages.success(request, _("Decision recorded."))
            return redirect("feedback-subject", pk=appeal.rating.subject_id)
    subject = access_subject(request.user, appeal.rating.subject_id)
    context = _subject_context(request, subject)
    context["decide_forms"][appeal.pk] = form
    return render(request, "feedback/subject.html", context, status=400)


@login_required
def appeal_list(request: HttpRequest) -> HttpResponse:
    """Appeals: those awaiting a decision, and the ratings removed by upheld ones (visible to
    leads: a removal is never silent)."""
    if not _may_see(request.user):
        raise PermissionDenied
    rows = appeals_for(request.user).select_related("rating__subject", "filed_by", "decided_by")
    context = {
        "pending": rows.filter(status=AppealStatus.PENDING).order_by("filed_at", "id"),
        "decided": Paginator(
            rows.exclude(status=AppealStatus.PENDING).order_by("-decided_at", "-id"), PAGE_SIZE
        ).get_page(request.GET.get("page")),
        "may_decide": can(request.user, DECIDE_APPEALS),
    }
    return render(request, "feedback/appeals.html", context)


# ---- staff: rectifications ------------------------------------------------------------------


@login_required
def rectification_list(request: HttpRequest) -> HttpResponse:
    if not _may_see(request.user):
        raise PermissionDenied
    rows = (
        rectifications_for(request.user)
        .select_related("rating__subject__service", "owner")
        .order_by("status", "due_on", "id")
    )
    form, page, status = _filtered_page(RectificationFilterSet, request, rows)
    context = {"form": form, "page": page, "today": timezone.localdate()}
    return render(request, "feedback/rectifications.html", context, status=status)


def _rect_context(request: HttpRequest, rect, **forms) -> dict:
    user = request.user
    may = actions.may_rectify(user, rect) and rect.status == "open"
    context = {
        "rect": rect,
        "subject": rect.rating.subject,
        "rating": rect.rating,
        # Whom to call: only to those who rectify here, never to the person rated.
        "contact": actions.may_rectify(user, rect),
        "settle_form": SettleForm() if may else None,
        "owner_form": OwnerForm(users=actions.rectifiers(rect), initial={"owner": rect.owner_id})
        if may
        else None,
        "today": timezone.localdate(),
    }
    context.update(forms)
    return context


@login_required
def rectification_detail(request: HttpRequest, pk: int) -> HttpResponse:
    rect = access_rectification(request.user, pk)
    return render(request, "feedback/rectification.html", _rect_context(request, rect))


@login_required
@require_POST
def settle(request: HttpRequest, pk: int) -> HttpResponse:
    rect = access_rectification(request.user, pk)
    if not actions.may_rectify(request.user, rect):
        raise PermissionDenied
    form = SettleForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        try:
            actions.do_settle_rectification(
                rect, actor=request.user, outcome=data["outcome"], account=data["account"],
                put_right_by=data.get("put_right_by"), called=form.called(),
                new_level=data.get("new_level"),
            )  # fmt: skip
        except ValidationError as exc:
            add_action_errors(form, exc)
        else:
            messages.success(request, _("Rectification recorded, with its callback."))
            return redirect("feedback-rectification", pk=rect.pk)
    context = _rect_context(request, rect, settle_form=form)
    return render(request, "feedback/rectification.html", context, status=400)


@login_required
@require_POST
def assign(request: HttpRequest, pk: int) -> HttpResponse:
    rect = access_rectification(request.user, pk)
    if not actions.may_rectify(request.user, rect):
        raise PermissionDenied
    form = OwnerForm(request.POST, users=actions.rectifiers(rect))
    if form.is_valid():
        try:
            actions.do_assign_rectification(
                rect, actor=request.user, owner=form.cleaned_data["owner"]
            )
        except ValidationError as exc:
            add_action_errors(form, exc)
        else:
            messages.success(request, _("Owner changed."))
            return redirect("feedback-rectification", pk=rect.pk)
    context = _rect_context(request, rect, owner_form=form)
    return render(request, "feedback/rectification.html", context, status=400)
