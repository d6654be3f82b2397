"""A programme run, step by step, set-based: who is eligible is one query (the rules compile to a
``Q``), and every write is one ``INSERT … SELECT`` or one guarded ``UPDATE`` over a set, never
a Python loop over residents.

eligible = residents matching the grant rule, not the stop rule, with no opt-out.

1. STOPPING: entitlements still running (``STOPPABLE``) of this period, or of the previous one
   for residents with nothing yet for this one, whose resident is no longer eligible, stopped
   with the reason (opted out, stop rule, no longer meets the grant rule).
2. GRANTING: one entitlement per eligible resident without one for this period (a renewal
   programme: per certificate of its type inside the renewal window), with a random token
   drawn by the database; the unique (programme, resident, period) makes it idempotent.
3. OPENING_CASES (renewal): an accepted case per renewal entitlement without one, with its
   receipt drawn in SQL, its clock started on the scan date and a ``CaseEvent``.
4. NOTIFYING: one outbox message per entitlement granted, offered, reminded, opened or stopped
   by a run that did not finish, keyed by entitlement and status, so a message is never
   written twice.

Each step is its own transaction, taken under a lock on the programme's row (PostgreSQL; SQLite
writes one at a time anyway), so two runs of one programme at once do their steps one after the
other; and each step is idempotent, so a run killed anywhere and run again converges.
"""

from __future__ import annotations

import datetime
import logging
import time
from dataclasses import dataclass, field
from decimal import Decimal
from functools import cached_property

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Case as Choose
from django.db.models import (
    CharField,
    DateField,
    DateTimeField,
    DecimalField,
    Exists,
    F,
    IntegerField,
    JSONField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
    When,
)
from django.db.models.functions import Cast, Concat
from django.urls import NoReverseMatch, reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from doorstep.core.bulk import insert_from
from doorstep.people.models import Certificate, Resident

from .choices import (
    STOPPABLE,
    EntitlementStatus,
    Kind,
    Mode,
    Period,
    RunPhase,
    RunStatus,
    StopReason,
    period_key,
    previous_period_key,
)
from .models import Entitlement, OptOut, Programme, ProgrammeRun, RuleVersion
from .sql import CompactDate, RandomToken, receipt_expression

logger = logging.getLogger("doorstep.proactive")

S = EntitlementStatus
# The key of a renewal case, unique per handler (``Case.idempotency_key``): one case per
# renewal entitlement, however often the step is repeated.
CASE_KEY = "proactive:"
RECEIPT_DRAWS = 5
TOKEN_SAMPLE = "0" * 32


class RunError(Exception):
    """A run that cannot go ahead, in a sentence for the administrator (stored on the run)."""


# ---- rules ------------------------------------------------------------------------------------


def parse_rules(grant_rule: str, stop_rule: str):
    """(grant Rule, stop Rule or None); raises ``rules.RuleError``."""
    from doorstep.rules import rules

    grant = rules.parse(grant_rule)
    stop = rules.parse(stop_rule) if (stop_rule or "").strip() else None
    return grant, stop


def current_version(programme: Programme) -> RuleVersion:
    """The rule version the programme is at (the latest one, should the number be missing)."""
    found = programme.versions.filter(number=programme.version).first()
    return found or programme.versions.order_by("-number").first()


# ---- who: the sets a run works on -------------------------------------------------------------


@dataclass
class Plan:
    """One programme's rules applied on one scan date: the querysets every step (and the
    preview) works from. Nothing here writes."""

    programme: Programme
    version: RuleVersion
    on: datetime.date
    grant: object = field(init=False)
    stop: object = field(init=False)

    def __post_init__(self) -> None:
        self.grant, self.stop = parse_rules(self.version.grant_rule, self.version.stop_rule)

    @property
    def is_renewal(self) -> bool:
        return self.programme.kind == Kind.RENEWAL

    @property
    def period(self) -> str:
        return period_key(self.programme.period, self.on)

    @property
    def previous(self) -> str | None:
        return previous_period_key(self.programme.period, self.on)

    @cached_property
    def grant_q(self) -> Q:
        return self.grant.q(self.on)

    @cached_property
    def stop_q(self) -> Q | None:
        return self.stop.q(self.on) if self.stop is not None else None

    def _opted_out(self, resident: str = "pk") -> Exists:
        return Exists(
            OptOut.objects.filter(programme_id=self.programme.pk, resident_id=OuterRef(resident))
        )

    def matching(self) -> QuerySet[Resident]:
        """Residents matching the grant rule and not the stop rule (opt-outs included)."""
        found = Resident.objects.filter(self.grant_q)
        return found.filter(~self.stop_q) if self.stop_q is not None else found

    def eligible(self) -> QuerySet[Resident]:
        return self.matching().filter(~self._opted_out())

    def opted_out(self) -> QuerySet[Resident]:
        """Residents who would be eligible but opted out or declined."""
        return self.matching().filter(self._opted_out())

    def _is_eligible(self, resident: str = "resident_id") -> Exists:
        return Exists(self.eligible().filter(pk=OuterRef(resident)))

    # -- stopping

    def stoppable(self) -> QuerySet[Entitlement]:
        """Entitlements a stop may end: still running, of this period, or of the previous one
        when the resident has nothing for this one yet."""
        if self.is_renewal:
            return Entitlement.objects.none()
        running = Entitlement.objects.filter(programme_id=self.programme.pk, status__in=STOPPABLE)
        periods = Q(period=self.period)
        if self.previous is not None:
            has_current = Exists(
                Entitlement.objects.filter(
                    programme_id=self.programme.pk,
                    resident_id=OuterRef("resident_id"),
                    period=self.period,
                )
            )
            periods |= Q(period=self.previous) & ~has_current
        return running.filter(periods)

    def stop_reason(self) -> Choose:
        """Why an entitlement whose resident is no longer eligible stops, decided in this
        order: opted out, the stop rule, the grant rule no longer met (an expression over
        entitlements)."""
        whens = [When(self._opted_out("resident_id"), then=Value(StopReason.OPTED_OUT.value))]
        if self.stop_q is not None:
            meets_stop = Resident.objects.filter(self.stop_q, pk=OuterRef("resident_id"))
            whens.append(When(Exists(meets_stop), then=Value(StopReason.STOP_RULE.value)))
        return Choose(
            *whens, default=Value(StopReason.NOT_ELIGIBLE.value), output_field=CharField()
        )

    def to_stop(self) -> QuerySet[Entitlement]:
        """Every entitlement the run would stop (for the preview)."""
        return self.stoppable().filter(~self._is_eligible())

    # -- granting

    def window(self) -> tuple[datetime.date, datetime.date] | None:
        days = self.programme.certificate_type.renewal_window_days
        if days is None:
            return None
        return self.on, self.on + datetime.timedelta(days=days)

    def certificates(self) -> QuerySet[Certificate]:
        """Renewal: certificates of the programme's type inside their renewal window (not
        lapsed), held by eligible residents, each with its entitlement period."""
        window = self.window()
        if window is None:
            return Certificate.objects.none()
        return (
            Certificate.objects.filter(
                type_id=self.programme.certificate_type_id,
                expires_on__gte=window[0],
                expires_on__lte=window[1],
            )
            .filter(self._is_eligible())
            .annotate(
                entitlement_period=Concat(
                    Value("cert-"),
                    Cast("pk", CharField()),
                    Value("-"),
                    CompactDate("expires_on"),
                    output_field=CharField(),
                )
            )
        )

    def _held(self, period) -> Exists:
        return Exists(
            Entitlement.objects.filter(
                programme_id=self.programme.pk, resident_id=OuterRef("resident_id"), period=period
            )
        )

    def new_grants(self) -> QuerySet:
        """What the GRANTING step inserts (and the preview counts): eligible residents with no
        entitlement for this period, or (renewal) certificates in their window with none for
        their expiry. Skipping what is held keeps a repeated run from drawing a token and
        testing the unique constraint for every holder; the constraint still decides a race.
        The anti-join is planned from the entitlement table's statistics, which ``_grant``
        refreshes after a large insert (PostgreSQL)."""
        if self.is_renewal:
            return self.certificates().filter(~self._held(OuterRef("entitlement_period")))
        held = Exists(
            Entitlement.objects.filter(
                programme_id=self.programme.pk, resident_id=OuterRef("pk"), period=self.period
            )
        )
        return self.eligible().filter(~held)

    def unchanged(self) -> QuerySet:
        """Holders still eligible: entitlements of this period (renewal: certificates in the
        window already renewed) that the run leaves as they are."""
        if self.is_renewal:
            return self.certificates().filter(self._held(OuterRef("entitlement_period")))
        return (
            Entitlement.objects.filter(programme_id=self.programme.pk, period=self.period)
            .exclude(status__in=[S.STOPPED, S.DECLINED])
            .filter(self._is_eligible())
        )

    def grant_status(self) -> str:
        if self.is_renewal:
            return S.CASE_OPENED
        if self.programme.kind == Kind.REMIND:
            return S.REMINDED
        return S.OFFERED if self.programme.mode == Mode.OFFER else S.GRANTED


# ---- the steps ---------------------------------------------------------------------------------


# Refresh the planner's statistics of the entitlement table after inserting this many rows.
ANALYZE_AFTER = 10_000
GRANT_FIELDS = ["programme", "resident", "period", "status", "amount", "certificate", "run",
                "token", "granted_at", "stop_reason"]  # fmt: skip


def _stop(plan: Plan, run: ProgrammeRun, now: datetime.datetime) -> dict[str, int]:
    # One UPDATE, guarded by status (``stoppable`` filters on it): nobody is stopped twice.
    stopped = plan.to_stop().update(
        status=S.STOPPED, stopped_at=now, stop_run=run, stop_reason=plan.stop_reason()
    )
    return {"stopped": stopped}


def _held_now(plan: Plan) -> int:
    """Holders still eligible, once STOPPING is done: a grant programme's running
    entitlements of this period are exactly those (an index-only count); the others ask
    the rules."""
    if plan.programme.kind == Kind.GRANT:
        return Entitlement.objects.filter(
            programme_id=plan.programme.pk, period=plan.period, status__in=STOPPABLE
        ).count()
    return plan.unchanged().count()


def _grant(plan: Plan, run: ProgrammeRun, now: datetime.datetime) -> dict[str, int]:
    unchanged = _held_now(plan)
    p = plan.programme
    columns = {
        "programme": Value(p.pk),
        "resident": F("resident_id") if plan.is_renewal else F("pk"),
        "period": F("entitlement_period") if plan.is_renewal else Value(plan.period),
        "status": Value(plan.grant_status()),
        "amount": Value(p.amount, output_field=DecimalField(max_digits=10, decimal_places=2)),
        "certificate": F("pk") if plan.is_renewal else Value(None, output_field=IntegerField()),
        "run": Value(run.pk),
        "token": RandomToken(),
        "granted_at": Value(now, output_field=DateTimeField()),
        "stop_reason": Value(""),
    }
    rows = plan.new_grants().values(**{f"grant_{name}": expr for name, expr in columns.items()})
    granted = insert_from(Entitlement, GRANT_FIELDS, rows, ignore_conflicts=True)
    if granted >= ANALYZE_AFTER and connection.vendor == "postgresql":
        # Planned with statistics from when the table was small, the next programme's "not
        # held yet" anti-join rescans the whole table for every resident (seen: 100 s for 72k
        # grants). Autovacuum catches up only later; 0.2 s for 700k rows.
        with connection.cursor() as cursor:
            cursor.execute(f"ANALYZE {Entitlement._meta.db_table}")
    return {"granted": granted, "unchanged": unchanged}


def check_renewal(programme: Programme):
    """The published version a renewal programme's cases are opened with; ``RunError`` (and
    nothing written) when its service cannot take cases or its certificate type has no
    renewal window."""
    service = programme.service
    version = service.published_version() if service is not None else None
    if service is None or not service.is_active or version is None:
        raise RunError(
            _("The service “%(service)s” has no published version: renewal cases cannot be "
              "opened. Publish the service, then run the programme again.")
            % {"service": service}
        )  # fmt: skip
    if programme.certificate_type.renewal_window_days is None:
        raise RunError(
            _("The certificate type “%(type)s” has no renewal window: set how many days "
              "before expiry renewal starts.")
            % {"type": programme.certificate_type}
        )  # fmt: skip
    if programme.handler is None or not programme.handler.is_active:
        raise RunError(_("Renewal cases need an active member of staff to handle them."))
    return version


def _case_key() -> Concat:
    return Concat(Value(CASE_KEY), Cast("pk", CharField()), output_field=CharField())


def _open_cases(plan: Plan, run: ProgrammeRun, now: datetime.datetime) -> dict[str, int]:
    """An accepted case per renewal entitlement without one: inserted keyed by entitlement
    (so never twice), receipt numbers drawn by the database (a clash skips the row, which is
    drawn again), then one event per new case, then each entitlement linked to its case."""
    from doorstep.cases import clock
    from doorstep.cases.actions.intake import RECEIPT_ALPHABET, RECEIPT_LENGTH
    from doorstep.cases.choices import AgentKind, CaseStatus, EventKind
    from doorstep.cases.models import Case

    p = plan.programme
    version = check_renewal(p)
    dates = Case()
    clock.start(dates, plan.on, version.promised_limit_days)
    waiting = Entitlement.objects.filter(
        programme_id=p.pk, status=S.CASE_OPENED, case__isnull=True
    ).annotate(case_key=_case_key())
    # The explicit "not empty" lets the databases use the partial unique index on (handler,
    # idempotency key), as intake does.
    mine = Case.objects.filter(handler_id=p.handler_id).exclude(idempotency_key="")
    new = waiting.filter(~Exists(mine.filter(idempotency_key=OuterRef("case_key"))))
    columns = {
        "receipt": receipt_expression(plan.on, RECEIPT_ALPHABET, RECEIPT_LENGTH),
        "resident": F("resident_id"),
        "area_code": F("resident__area_code"),
        "service": Value(p.service_id),
        "version": Value(version.pk),
        "department": Value(p.service.department_id),
        "status": Value(CaseStatus.ACCEPTED.value),
        "revision": Value(1),
        "handler": Value(p.handler_id),
        "created_at": Value(now, output_field=DateTimeField()),
        "idempotency_key": F("case_key"),
        "agent_kind": Value(AgentKind.SELF.value),
        "agent_name": Value(""),
        "agent_phone": Value(""),
        "agent_relation": Value(""),
        "consent": Value(False),
        "consent_note": Value(""),
        "accepted_at": Value(now, output_field=DateTimeField()),
        "accepted_on": Value(dates.accepted_on, output_field=DateField()),
        "limit_days": Value(dates.limit_days),
        "due_on": Value(dates.due_on, output_field=DateField()),
        "warn_on": Value(dates.warn_on, output_field=DateField()),
        "due_provisional": Value(dates.due_provisional),
        "paused_days": Value(0),
        "trips": Value(0),
        "max_trips": Value(version.max_trips, output_field=IntegerField()),
    }
    # Every entitlement still without a linked case; one whose case exists already (a run
    # stopped between inserting and linking) is skipped by the unique key.
    rows = waiting.values(**{f"case_{name}": expr for name, expr in columns.items()})
    opened = 0
    for _draw in range(RECEIPT_DRAWS):
        opened += insert_from(Case, list(columns), rows, ignore_conflicts=True)
        if not new.exists():
            break
    else:
        raise RunError(_("Could not draw receipt numbers for the renewal cases; run it again."))
    created = mine.filter(idempotency_key__in=waiting.values("case_key"))
    _case_events(created, plan, run, now, EventKind.CREATED, CaseStatus.ACCEPTED)
    key = Concat(Value(CASE_KEY), Cast(OuterRef("pk"), CharField()), output_field=CharField())
    Entitlement.objects.filter(programme_id=p.pk, status=S.CASE_OPENED, case__isnull=True).update(
        case=Subquery(mine.filter(idempotency_key=key).values("pk")[:1])
    )
    return {"cases_opened": opened}


def _case_events(cases, plan: Plan, run: ProgrammeRun, now, kind: str, status: str) -> int:
    from doorstep.cases.models import CaseEvent

    p = plan.programme
    with translation.override(settings.LANGUAGE_CODE):
        reason = _("Opened without application by the programme “%(name)s”.") % {"name": p.name}
    data = {"programme": p.code, "programme_id": p.pk, "run": run.pk, "scan_date": str(plan.on)}
    columns = {
        "case": F("pk"),
        "at": Value(now, output_field=DateTimeField()),
        # Who started the run, else (a scheduled run) the handler the case is opened for.
        "actor": Value(run.started_by_id or p.handler_id, output_field=IntegerField()),
        "kind": Value(kind),
        "verb": Value("accept"),
        "from_status": Value(""),
        "to_status": Value(status),
        "reason": Value(reason),
        "data": Value(data, output_field=JSONField()),
    }
    rows = cases.filter(~Exists(CaseEvent.objects.filter(case_id=OuterRef("pk")))).values(
        **{f"event_{name}": expr for name, expr in columns.items()}
    )
    return insert_from(CaseEvent, list(columns), rows)


# ---- notifying --------------------------------------------------------------------------------


TEMPLATES = {
    S.GRANTED: "programme_granted",
    S.OFFERED: "programme_offered",
    S.REMINDED: "programme_reminder",
    S.CASE_OPENED: "programme_renewal_opened",
    S.STOPPED: "programme_stopped",
}


# What each kind of programme writes (a grant programme's mode may have changed: both).
NOTIFIED = {
    Kind.GRANT: {S.GRANTED, S.OFFERED, S.STOPPED},
    Kind.REMIND: {S.REMINDED},
    Kind.RENEWAL: {S.CASE_OPENED},
}


def link_expression(token: str = "token") -> Concat:
    """The resident's link, DOORSTEP_PUBLIC_URL + the answer page of the entitlement's token."""
    try:
        path = reverse("proactive:answer", args=[TOKEN_SAMPLE])
    except NoReverseMatch:  # the page's URLs are not installed: the path they will have
        path = f"/programmes/r/{TOKEN_SAMPLE}/"
    before, after = path.split(TOKEN_SAMPLE, 1)
    return Concat(
        Value(settings.DOORSTEP_PUBLIC_URL + before), F(token), Value(after),
        output_field=CharField(),
    )  # fmt: skip


def amount_text(programme: Programme) -> str:
    """The sentence a grant message says about the money: how much, how it is paid and when
    it arrives, from the programme's fields ("" when it pays nothing)."""
    if programme.amount is None:
        return ""
    with translation.override(settings.LANGUAGE_CODE):
        return payment_sentence(programme)


def payment_sentence(programme: Programme) -> str:
    """ "Amount: 50.00 yuan a month, paid to …, arriving ….  " in the active language."""
    per = {
        Period.MONTHLY: _("%(amount)s yuan a month"),
        Period.YEARLY: _("%(amount)s yuan a year"),
    }.get(programme.period, _("%(amount)s yuan"))
    amount = per % {"amount": f"{Decimal(programme.amount):.2f}"}
    method, when = programme.payment_method.strip(), programme.payment_timing.strip()
    if method and when:
        text = _("Amount: %(amount)s, %(method)s, arriving %(when)s. ")
    elif method:
        text = _("Amount: %(amount)s, %(method)s. ")
    elif when:
        text = _("Amount: %(amount)s, arriving %(when)s. ")
    else:
        text = _("Amount: %(amount)s. ")
    return text % {"amount": amount, "method": method, "when": when}


def _context(programme: Programme, status: str) -> dict:
    common = {
        "name": F("resident__name"),
        "link": link_expression(),
        "sender": Value(programme.sender),
    }
    if status == S.CASE_OPENED:
        return {
            **common,
            "certificate": Value(programme.certificate_type.name),
            "expires": Cast("certificate__expires_on", CharField()),
            "receipt": F("case__receipt"),
        }
    if status == S.STOPPED:
        return {**common, "programme": Value(programme.name)}
    return {**common, "programme": Value(programme.name), "amount": Value(amount_text(programme))}


def _notify(plan: Plan, run: ProgrammeRun, now: datetime.datetime) -> dict[str, int]:
    """One message per entitlement granted, offered, reminded, opened or stopped by a run of
    this programme that is not done (this one, and any that failed or was killed before it
    finished notifying), keyed ``entitlement:<id>:<status>``: none is ever written twice."""
    from doorstep.notify.outbox import queue_from_queryset, resident_route

    p = plan.programme
    unfinished = ProgrammeRun.objects.filter(programme_id=p.pk).exclude(status=RunStatus.DONE)
    route = resident_route("resident__")
    notified = 0
    for status, template in TEMPLATES.items():
        if status not in NOTIFIED[p.kind]:
            continue
        rows = Entitlement.objects.filter(programme_id=p.pk, status=status)
        if status == S.STOPPED:
            rows = rows.filter(stop_run__in=unfinished.values("pk"))
        else:
            rows = rows.filter(run__in=unfinished.values("pk"))
        if status == S.CASE_OPENED:
            rows = rows.filter(case__isnull=False)
        key = Concat(
            Value("entitlement:"), Cast("pk", CharField()), Value(f":{status}"),
            output_field=CharField(),
        )  # fmt: skip
        notified += queue_from_queryset(
            rows, key=key, template=template, context=_context(p, status), **route
        )
    return {"notified": notified}


# ---- the run ----------------------------------------------------------------------------------


STEPS = [
    (RunPhase.STOPPING, "_stop"),
    (RunPhase.GRANTING, "_grant"),
    (RunPhase.OPENING_CASES, "_open_cases"),
    (RunPhase.NOTIFYING, "_notify"),
]


def _lock(programme: Programme) -> None:
    # One run's step at a time per programme (PostgreSQL; SQLite writes one at a time).
    rows = Programme.objects.select_for_update().filter(pk=programme.pk).order_by()
    list(rows.values_list("pk"))


def _step(run: ProgrammeRun, phase: str, work, plan: Plan) -> None:
    """Show the phase, then do the step and write its counts in one transaction."""
    ProgrammeRun.objects.filter(pk=run.pk).update(phase=phase)
    run.phase = phase
    with transaction.atomic():
        _lock(plan.programme)
        counts = work(plan, run, timezone.now())
        for name, value in counts.items():
            setattr(run, name, value)
        ProgrammeRun.objects.filter(pk=run.pk).update(**counts)


def check_approved(programme: Programme) -> None:
    """A programme that pays money runs only once a second person approved it (maker-checker):
    ``RunError`` otherwise, for the scheduled runs as for the button."""
    if programme.awaits_approval:
        raise RunError(
            _("This programme pays money and waits for a second person's approval: it was "
              "not run.")
        )  # fmt: skip


def execute(run: ProgrammeRun, programme: Programme) -> ProgrammeRun:
    """Run the steps for ``run`` (already RUNNING); done or failed, with the error, seconds."""
    started = time.monotonic()
    try:
        plan = Plan(programme, run.rule_version, run.scan_date)
        check_approved(programme)  # before anything is written
        if plan.is_renewal:
            check_renewal(programme)
        for phase, name in STEPS:
            if phase == RunPhase.OPENING_CASES and not plan.is_renewal:
                continue
            _step(run, phase, globals()[name], plan)
    except Exception as exc:
        if isinstance(exc, RunError):
            logger.warning("Run %s of %s failed: %s", run.pk, programme.code, exc)
        else:
            logger.exception("Run %s of %s failed", run.pk, programme.code)
        _finish(run, started, RunStatus.FAILED, _error_text(exc))
        return run
    _finish(run, started, RunStatus.DONE, "", phase=RunPhase.FINISHED)
    return run


def _error_text(exc: Exception) -> str:
    from doorstep.rules import rules

    if isinstance(exc, RunError):
        return str(exc)
    if isinstance(exc, rules.RuleError):
        return _("The rules do not compile any more: %(problems)s") % {"problems": exc}
    return f"{type(exc).__name__}: {exc}"[:2000]


def _finish(run: ProgrammeRun, started: float, status: str, error: str, phase=None) -> None:
    run.status, run.error = status, error
    run.finished_at = timezone.now()
    run.seconds = round(time.monotonic() - started, 3)
    fields = {"status": status, "error": error, "finished_at": run.finished_at,
              "seconds": run.seconds}  # fmt: skip
    if phase is not None:
        run.phase = fields["phase"] = phase
    ProgrammeRun.objects.filter(pk=run.pk).update(**fields)
