"""Programme screens: the list, the form (rules checked as they are typed), the programme page
(rules and their versions, preview, "Run now", run history), a run's live progress, why / why
not for one resident, the resident record's programmes, and the residents' public answer page.

Thin: access through ``access``, every write through ``actions``; htmx requests get the
fragment of the same page. Bad input (a date, a rule) is said on the page, with status 400,
and writes nothing.
"""

from __future__ import annotations

import datetime

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db.models import OuterRef, Subquery
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST
from django.views.decorators.vary import vary_on_headers

from doorstep.core.htmx import is_partial, render_page
from doorstep.people.actions import log_access
from doorstep.people.choices import AccessAction
from doorstep.people.models import CertificateType, Tag
from doorstep.people.search import read_query, search_q, search_residents
from doorstep.rules import rules

from . import access, actions
from .answers import ANSWERS, access_entitlement, do_answer
from .choices import EntitlementStatus, RunStatus, Trigger
from .forms import (
    FACTS,
    OPERATORS,
    OnDateForm,
    ProgrammeForm,
    add_action_errors,
    problem_text,
    rule_problems,
)
from .models import Entitlement, OptOut, Programme, ProgrammeRun
from .runs import RunError
from .why import explain

RUNS_SHOWN = 20


# ---- the list --------------------------------------------------------------------------------


@login_required
def programme_list(request: HttpRequest) -> HttpResponse:
    access.require_read(request.user)
    last_run = ProgrammeRun.objects.filter(programme=OuterRef("pk")).order_by("-queued_at", "-id")
    programmes = list(
        Programme.objects.select_related("department")
        .annotate(last_run_id=Subquery(last_run.values("id")[:1]))
        .order_by("-is_active", "name", "id")
    )
    runs = ProgrammeRun.objects.select_related("rule_version").in_bulk(
        [p.last_run_id for p in programmes if p.last_run_id]
    )
    for p in programmes:
        p.last_run = runs.get(p.last_run_id)
    context = {
        "active": [p for p in programmes if p.is_active],
        "inactive": [p for p in programmes if not p.is_active],
        "may_change": access.may_change(request.user),
    }
    return render(request, "proactive/list.html", context)


# ---- create and edit -------------------------------------------------------------------------


def _form_context(form: ProgrammeForm, programme: Programme | None) -> dict:
    return {
        "form": form,
        "programme": programme,
        "facts": FACTS,
        "operators": OPERATORS,
        "tags": list(Tag.objects.order_by("code").values_list("code", "name")),
        "certificate_types": list(
            CertificateType.objects.order_by("code").values_list(
                "code", "name", "renewal_window_days"
            )
        ),
        "programme_codes": list(Programme.objects.order_by("code").values_list("code", "name")),
    }


def _edit(request: HttpRequest, programme: Programme | None) -> HttpResponse:
    # The form gets its own copy: the action compares the stored rules with the new ones.
    instance = Programme.objects.get(pk=programme.pk) if programme else None
    form = ProgrammeForm(request.POST or None, instance=instance)
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            fields = {name: form.cleaned_data[name] for name in form.Meta.fields}
            try:
                saved = actions.do_save_programme(programme, actor=request.user, **fields)
            except ValidationError as exc:
                add_action_errors(form, exc)
            else:
                messages.success(
                    request,
                    _("Programme “%(name)s” saved (rule version %(version)d).")
                    % {"name": saved.name, "version": saved.version},
                )
                return redirect("proactive:detail", pk=saved.pk)
    return render(request, "proactive/form.html", _form_context(form, programme), status=status)


@login_required
def programme_create(request: HttpRequest) -> HttpResponse:
    access.require_change(request.user)
    return _edit(request, None)


@login_required
def programme_edit(request: HttpRequest, pk: int) -> HttpResponse:
    return _edit(request, access.access_programme(request.user, pk, for_change=True))


@login_required
@require_POST
def check_rule(request: HttpRequest) -> HttpResponse:
    """The problems of one rule field, for the form's live check (an htmx fragment)."""
    access.require_change(request.user)
    field = request.POST.get("field", "grant_rule")
    if field not in ("grant_rule", "stop_rule"):
        field = "grant_rule"
    text = request.POST.get(field, "")
    problems = rule_problems(text, required=field == "grant_rule")
    context = {"field": field, "problems": problems, "empty": not text.strip()}
    return render(request, "proactive/_rule_check.html", context)


# ---- the programme page ----------------------------------------------------------------------


@login_required
def programme_detail(request: HttpRequest, pk: int) -> HttpResponse:
    programme = access.access_programme(request.user, pk)
    runs = list(
        programme.runs.select_related("started_by", "rule_version").order_by("-queued_at", "-id")[
            :RUNS_SHOWN
        ]
    )
    context = {
        "programme": programme,
        "versions": list(programme.versions.select_related("created_by").order_by("-number")),
        "runs": runs,
        "may_change": access.may_change(request.user),
        "may_run": access.may_run(request.user),
        "may_explain": access.may_explain(request.user),
        "date_form": OnDateForm(),
        "today": timezone.localdate(),
    }
    return render(request, "proactive/detail.html", context)


def _read_on(request: HttpRequest) -> tuple[OnDateForm, datetime.date | None]:
    form = OnDateForm(request.GET or None)
    if request.GET and not form.is_valid():
        return form, None
    return form, (form.cleaned_data.get("on") if form.is_bound else None)


@login_required
@vary_on_headers("HX-Request")
def programme_preview(request: HttpRequest, pk: int) -> HttpResponse:
    """Dry run: how many the run would grant, stop and leave as they are, and who; writes
    nothing."""
    access.require_run(request.user)
    programme = access.access_programme(request.user, pk)
    form, on = _read_on(request)
    context: dict = {"programme": programme, "date_form": form, "preview": None}
    status = 200
    if form.is_bound and form.errors:
        status = 400
    else:
        try:
            result = actions.preview(programme, on=on)
        except (rules.RuleError, RunError, ValidationError) as exc:
            context["problem"] = _rule_failure(exc)
            status = 400
        else:
            context["preview"] = result
            context["samples"] = {
                name: result.sample_rows(request.user, name) for name in ("granted", "stopped")
            }
    if is_partial(request):
        # htmx swaps only 2xx answers: the fragment says what is wrong, in place of the counts.
        return render(request, "proactive/_preview.html", context)
    return render(request, "proactive/preview.html", context, status=status)


def _rule_failure(exc: Exception) -> str:
    """What stops the programme's stored rules (or its renewal set-up) from being used."""
    problems = getattr(exc, "problems", None)
    if problems:
        return "; ".join(problem_text(p) for p in problems)
    messages_ = getattr(exc, "messages", None)
    return " ".join(messages_) if messages_ else str(exc)


@login_required
@require_POST
def programme_run(request: HttpRequest, pk: int) -> HttpResponse:
    access.require_run(request.user)
    programme = access.access_programme(request.user, pk)
    try:
        run = actions.do_queue_run(programme, actor=request.user, trigger=Trigger.UI)
    except ValidationError as exc:
        for message in exc.messages:
            messages.error(request, message)
        return redirect("proactive:detail", pk=programme.pk)
    return redirect("proactive:run", pk=run.pk)


# ---- a run and its live progress -------------------------------------------------------------


def _run_context(run: ProgrammeRun) -> dict:
    now = timezone.now()
    finished = run.status in (RunStatus.DONE, RunStatus.FAILED)
    if finished:
        elapsed = run.seconds
    elif run.started_at:
        elapsed = (now - run.started_at).total_seconds()
    else:
        elapsed = (now - run.queued_at).total_seconds()
    return {"run": run, "finished": finished, "elapsed": round(max(elapsed, 0), 1)}


@login_required
def run_detail(request: HttpRequest, pk: int) -> HttpResponse:
    run = access.access_run(request.user, pk)
    return render(request, "proactive/run.html", _run_context(run))


@login_required
@never_cache
def run_progress(request: HttpRequest, pk: int) -> HttpResponse:
    """The run page's progress box; while the run is queued or running it asks again every
    second (htmx ``every 1s``), and stops asking when it is done or failed."""
    run = access.access_run(request.user, pk)
    return render(request, "proactive/_run_progress.html", _run_context(run))


# ---- why / why not ---------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
@vary_on_headers("HX-Request")
def why_search(request: HttpRequest, pk: int) -> HttpResponse:
    """Choose the resident whose decision to explain: the registry's search box."""
    programme = access.explainable_programme(request.user, pk)
    query, refused = read_query(request)
    context = {
        "programme": programme,
        "q": query,
        "refused": refused,
        "results": list(search_residents(request.user, query)) if query else [],
        "understood": bool(query) and search_q(query) is not None,
    }
    return render_page(
        request,
        "proactive/why_search.html",
        "proactive/_why_results.html",
        context,
        status=400 if refused else 200,
    )


@login_required
def why(request: HttpRequest, pk: int, resident_pk: int) -> HttpResponse:
    programme = access.explainable_programme(request.user, pk)
    resident = access.explainable_resident(request.user, resident_pk)
    form, on = _read_on(request)
    context: dict = {
        "programme": programme,
        "resident": resident,
        "date_form": form,
        "explanation": None,
        "may_read_programme": access.may_read(request.user),
    }
    if form.is_bound and form.errors:
        return render(request, "proactive/why.html", context, status=400)
    try:
        context["explanation"] = explain(programme, resident, on=on)
    except (rules.RuleError, ValidationError) as exc:
        context["problem"] = _rule_failure(exc)
        return render(request, "proactive/why.html", context, status=400)
    log_access(request.user, resident, AccessAction.VIEW, f"why: {programme.code}")
    return render(request, "proactive/why.html", context)


# ---- on the resident's record ------------------------------------------------------------------


@login_required
@vary_on_headers("HX-Request")
def resident_programmes(request: HttpRequest, resident_pk: int) -> HttpResponse:
    """The resident's entitlements and opt-outs, and a why / why-not link for every active
    programme: a section of the resident's record (loaded by htmx), or a page of its own."""
    resident = access.explainable_resident(request.user, resident_pk)
    entitlements = list(
        Entitlement.objects.filter(resident=resident)
        .select_related("programme")
        .order_by("-granted_at", "-id")[:50]
    )
    opted_out = dict(OptOut.objects.filter(resident=resident).values_list("programme_id", "reason"))
    held = {e.programme_id for e in entitlements}
    programmes = [
        p
        for p in Programme.objects.filter(is_active=True).only("id", "name", "code")
        if p.pk not in held
    ]
    context = {
        "resident": resident,
        "entitlements": entitlements,
        "opted_out": opted_out,
        "others": programmes,
    }
    return render_page(
        request, "proactive/resident.html", "proactive/_resident_programmes.html", context
    )


# ---- the residents' own page, by the link in their message ------------------------------------


ANSWER_DONE = {
    "accept": lambda: _("Thank you. You have accepted: it will be paid as the policy says."),
    "decline": lambda: _(
        "You have declined. You will not be offered this again unless you opt back in here."
    ),
    "opt_out": lambda: _(
        "You have opted out. You will receive nothing more from this programme unless you "
        "opt back in here."
    ),
    "opt_in": lambda: _(
        "You have opted back in. The next check will include you again if you qualify."
    ),
}


def answer_choices(entitlement: Entitlement, opted_out: bool) -> list[str]:
    """The buttons the resident sees: accept or decline an open offer; otherwise opt out, or
    opt back in when they have opted out (or declined)."""
    if opted_out:
        return ["opt_in"]
    if entitlement.status == EntitlementStatus.OFFERED:
        return ["accept", "decline"]
    return ["opt_out"]


@never_cache
def answer(request: HttpRequest, token: str) -> HttpResponse:
    """What the resident was granted or offered, with accept / decline / opt out / opt in
    buttons. No login: the random token in the link is the key; an unknown one is a 404."""
    entitlement = access_entitlement(token)
    if request.method == "POST":
        choice = request.POST.get("answer", "")
        if choice not in ANSWERS:
            messages.error(request, _("Please press one of the buttons."))
        else:
            try:
                changed = do_answer(entitlement, choice)
            except ValidationError as exc:
                for message in exc.messages:
                    messages.error(request, message)
            else:
                if changed:
                    messages.success(request, ANSWER_DONE[choice]())
                else:
                    messages.info(request, _("This was already done: nothing changed."))
        return redirect("proactive:answer", token=token)
    if request.method not in ("GET", "HEAD"):
        return HttpResponse(status=405, headers={"Allow": "GET, HEAD, POST"})
    return render(request, "proactive/answer.html", _answer_context(entitlement))


def _answer_context(entitlement: Entitlement) -> dict:
    programme = Programme.objects.select_related("department").get(pk=entitlement.programme_id)
    opt_out = OptOut.objects.filter(
        programme_id=entitlement.programme_id, resident_id=entitlement.resident_id
    ).first()
    return {
        "entitlement": entitlement,
        "programme": programme,
        "opt_out": opt_out,
        "choices": answer_choices(entitlement, opt_out is not None),
    }
