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
from django.db.models import OuterRef, Subquery, Sum
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST
from django.views.decorators.vary import vary_on_headers

from doorstep.core.htmx import is_partial, render_page
from doorstep.core.names import masked_name
from doorstep.people.actions import log_access
from doorstep.people.choices import AccessAction
from doorstep.people.models import CertificateType, Tag
from doorstep.people.search import read_query, search_q, search_residents
from doorstep.rules import rules

from . import access, actions, export
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
from .runs import RunError, payment_sentence
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
            fields = {
                name: form.cleaned_data[name] for name in form.Meta.fields if name in form.fields
            }
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
        "may_approve": programme.pays_money and access.may_approve(request.user),
        "approval_key": actions.approval_key(programme),
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
@require_http_methods(["GET", "POST"])
def programme_run(request: HttpRequest, pk: int) -> HttpResponse:
    """ "Run now" asks first: the confirmation page says how many the run would grant and what
    it would pay (a form, so it works without JavaScript); only its confirmed POST queues."""
    access.require_run(request.user)
    programme = access.access_programme(request.user, pk)
    if request.method == "POST" and request.POST.get("confirm") == "yes":
        try:
            run = actions.do_queue_run(programme, actor=request.user, trigger=Trigger.UI)
        except ValidationError as exc:
            for message in exc.messages:
                messages.error(request, message)
            return redirect("proactive:detail", pk=programme.pk)
        return redirect("proactive:run", pk=run.pk)
    context: dict = {"programme": programme, "preview": None, "refused": None}
    if not programme.is_active:
        context["refused"] = _("This programme is not active: activate it first.")
    elif programme.awaits_approval:
        context["refused"] = _(
            "This programme pays money: a second person must approve it before it runs."
        )
    else:
        try:
            context["preview"] = actions.preview(programme, sample=0)
        except (rules.RuleError, RunError, ValidationError) as exc:
            context["refused"] = _rule_failure(exc)
    return render(request, "proactive/run_confirm.html", context)


@login_required
@require_POST
def programme_approve(request: HttpRequest, pk: int) -> HttpResponse:
    """The second person's approval of a programme that pays money (maker-checker)."""
    access.require_change(request.user)
    programme = access.access_programme(request.user, pk)
    try:
        done = actions.do_approve_programme(
            programme, actor=request.user, seen=request.POST.get("seen", "")
        )
    except ValidationError as exc:
        for message in exc.messages:
            messages.error(request, message)
    else:
        if done:
            messages.success(request, _("Approved: the programme may now run."))
        else:
            messages.info(request, _("This was already approved: nothing changed."))
    return redirect("proactive:detail", pk=programme.pk)


@login_required
@require_POST
def programme_switch(request: HttpRequest, pk: int) -> HttpResponse:
    """Switch a programme on or off."""
    programme = access.access_programme(request.user, pk, for_change=True)
    wanted = request.POST.get("active")
    if wanted not in ("on", "off"):
        messages.error(request, _("Please press one of the buttons."))
        return redirect("proactive:detail", pk=programme.pk)
    actions.do_set_active(programme, actor=request.user, active=wanted == "on")
    if programme.is_active:
        messages.success(request, _("The programme is switched on."))
    else:
        messages.success(request, _("The programme is switched off: it does not run."))
    return redirect("proactive:detail", pk=programme.pk)


def _xlsx(data: bytes, filename: str) -> HttpResponse:
    response = HttpResponse(data, content_type=export.CONTENT_TYPE)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@login_required
def preview_export(request: HttpRequest, pk: int) -> HttpResponse:
    """Everyone a run on the chosen date would grant, as an .xlsx file; writes nothing."""
    access.require_run(request.user)
    programme = access.access_programme(request.user, pk)
    form, on = _read_on(request)
    if form.is_bound and form.errors:
        return HttpResponse(_("Give a valid date."), status=400, content_type="text/plain")
    try:
        residents = actions.would_grant(programme, on=on)
    except (rules.RuleError, RunError, ValidationError) as exc:
        return HttpResponse(_rule_failure(exc), status=400, content_type="text/plain")
    amount = programme.amount if programme.pays_money else None
    rows = (
        (name, id_masked, area, amount)
        for name, id_masked, area in residents.values_list("name", "id_masked", "area_code")
    )
    title = _("Would be granted: %(name)s") % {"name": programme.name}
    data = export.recipients_xlsx(rows, user=request.user, title=title)
    return _xlsx(data, f"preview-{programme.code}.xlsx")


@login_required
def run_export(request: HttpRequest, pk: int) -> HttpResponse:
    """Everyone a run granted (its entitlements, with the amount of each), as an .xlsx file."""
    access.require_run(request.user)
    run = access.access_run(request.user, pk)
    rows = (
        Entitlement.objects.filter(run=run)
        .order_by("resident__name", "resident_id")
        .values_list("resident__name", "resident__id_masked", "resident__area_code", "amount")
    )
    title = _("Granted by the run of %(name)s, period %(period)s") % {
        "name": run.programme.name,
        "period": run.period,
    }
    data = export.recipients_xlsx(rows.iterator(), user=request.user, title=title)
    return _xlsx(data, f"run-{run.pk}.xlsx")


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
    context = _run_context(run)
    context["total"] = Entitlement.objects.filter(run=run).aggregate(total=Sum("amount"))["total"]
    context["may_run"] = access.may_run(request.user)
    return render(request, "proactive/run.html", context)


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
        if choice == "opt_out" and request.POST.get("confirm") != "yes":
            # Opting out is asked twice: the page again, with the consequence and a confirm.
            context = {**_answer_context(entitlement), "confirm_opt_out": True}
            return render(request, "proactive/answer.html", context)
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
        "recipient": masked_name(entitlement.resident.name),
        "payment": payment_sentence(programme) if programme.pays_money else "",
        "choices": answer_choices(entitlement, opt_out is not None),
    }
