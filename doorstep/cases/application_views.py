"""The waiting room for matters another system filed (Open311): the clerk's queue of pending
applications, and an application's page, from which the clerk finds the applicant in the
registry and takes the matter in (the intake page, with the application carried through its
form), declines it with a reason, or reveals the phone number to call the applicant.

Kept apart from ``views`` (the case screens) to keep each module small; the same rules hold:
single applications through ``access_application`` (404 alike for missing and not yours), the
list through ``visible_to``, every write through an action.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from doorstep.core.htmx import render_page
from doorstep.people.search import Hit, read_query, search_residents
from doorstep.staff.roles import HANDLE_CASES, VIEW_CASES, can
from doorstep.staff.scoping import covers

from . import actions
from .access import access_application
from .forms import DeclineApplicationForm, add_action_errors
from .models import RemoteApplication

PAGE_SIZE = 25
MATCHES = 10  # residents offered as the applicant, per search


def _require_cases(user) -> None:
    if not (can(user, VIEW_CASES) or can(user, HANDLE_CASES)):
        raise PermissionDenied


@login_required
def application_list(request: HttpRequest) -> HttpResponse:
    """Pending applications for compounds in the user's areas, the oldest first."""
    _require_cases(request.user)
    pending = (
        RemoteApplication.objects.visible_to(request.user)
        .pending()
        .select_related("service", "compound")
        .order_by("filed_at", "id")
    )
    page = Paginator(pending, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "cases/applications.html", {"page": page})


def _applicant_matches(user, application: RemoteApplication) -> list[Hit]:
    """Residents in ``user``'s areas who may be the applicant: the same mobile number (the
    number itself is never shown), then the same name (a name in Chinese characters: Latin
    letters would be searched as pinyin)."""
    found: dict[int, Hit] = {}
    number, name = application.phone, application.applicant
    for query in (number if len(number) == 11 else "", "" if name.isascii() else name):
        if query:
            for hit in search_residents(user, query, limit=MATCHES):
                found.setdefault(hit.pk, hit)
    return list(found.values())[:MATCHES]


def _detail_context(request: HttpRequest, application: RemoteApplication, **extra) -> dict:
    user = request.user
    handles = covers(user, HANDLE_CASES, application.area_code)
    may_act = application.is_pending and handles
    context = {
        "application": application,
        "may_act": may_act,
        "may_reveal": handles and user.has_perm("people.reveal_id_number"),
        "decline_form": DeclineApplicationForm(auto_id="id_decline_%s") if may_act else None,
        "q": "",
        "refused": None,
        "results": [],
        "matches": [],
    }
    if may_act:
        query, refused = read_query(request)  # posted, so that full numbers stay out of URLs
        context.update(q=query, refused=refused)
        if query:
            context["results"] = search_residents(user, query, limit=MATCHES)
        else:
            context["matches"] = _applicant_matches(user, application)
    context.update(extra)
    return context


@login_required
@require_http_methods(["GET", "POST"])
def application_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """The application, and for a clerk over its compound while it waits: residents who may
    be the applicant (each opens intake with the application), a search for others (posted,
    writes nothing), and the decline."""
    application = access_application(request.user, pk)
    context = _detail_context(request, application)
    return render(
        request, "cases/application.html", context, status=400 if context["refused"] else 200
    )


@login_required
@require_POST
def application_decline(request: HttpRequest, pk: int) -> HttpResponse:
    application = access_application(request.user, pk)
    form = DeclineApplicationForm(request.POST, auto_id="id_decline_%s")
    if form.is_valid():
        try:
            actions.do_decline_application(
                application, actor=request.user, reason=form.cleaned_data["reason"]
            )
        except ValidationError as exc:
            add_action_errors(form, exc)
        else:
            messages.success(request, _("Application declined; the applicant has been told why."))
            return redirect("cases-applications")
    context = _detail_context(request, application, decline_form=form)
    return render(request, "cases/application.html", context, status=400)


@login_required
@require_POST
def application_reveal(request: HttpRequest, pk: int) -> HttpResponse:
    """The applicant's full phone number, for a reason that is recorded (as a resident's)."""
    application = access_application(request.user, pk)
    context: dict = {"application": application, "may_reveal": True}
    status = 200
    try:
        context["value"] = actions.do_reveal_application_phone(
            application, actor=request.user, reason=request.POST.get("reason", "")
        )
    except ValidationError as exc:
        context["reveal_error"], status = exc.messages[0], 400
    return render_page(
        request,
        "cases/application_reveal.html",
        "cases/_application_phone.html",
        context,
        status=status,
    )
