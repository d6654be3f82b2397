"""Writes of the proactive app; views, the JSON API, the command, tasks and tests call these.

- ``do_save_programme``: a programme checked (its rules compile, with line, column and reason
  when they do not) and saved; a change of rule text is a new ``RuleVersion``.
- ``preview``: what a run would do now, counted and sampled; writes nothing.
- ``do_queue_run`` / ``do_run_programme`` / ``run_programmes``: runs (see ``runs`` for the
  steps); ``run_programmes`` is what the command and the scheduled task call.
- The residents' answers (``answers``): accept, decline, opt out, opt back in.
"""

from __future__ import annotations

import datetime
import logging
import re
from dataclasses import dataclass, field
from decimal import Decimal
from functools import partial

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from doorstep.core.names import masked_name
from doorstep.staff.roles import VIEW_RESIDENTS
from doorstep.staff.scoping import covers

from . import access
from .answers import (
    do_accept_offer,
    do_decline_offer,
    do_opt_in,
    do_opt_out,
    entitlement_for_token,
)
from .choices import Kind, Mode, RunPhase, RunStatus, Trigger
from .models import Programme, ProgrammeRun, RuleVersion
from .runs import Plan, RunError, current_version, execute

__all__ = [
    "Preview",
    "RunError",
    "approval_key",
    "do_accept_offer",
    "do_approve_programme",
    "do_decline_offer",
    "do_opt_in",
    "do_opt_out",
    "do_queue_run",
    "do_run_programme",
    "do_save_programme",
    "do_set_active",
    "entitlement_for_token",
    "preview",
    "run_programmes",
    "would_grant",
]

logger = logging.getLogger("doorstep.proactive")

FIELDS = frozenset({
    "code", "name", "department", "service", "policy", "kind", "mode", "period", "amount",
    "certificate_type", "handler", "grant_rule", "stop_rule", "is_active",
    "payment_method", "payment_timing", "signature",
})  # fmt: skip
# What a second person approves: a change of any of these clears the approval.
APPROVED_FIELDS = ("kind", "period", "amount", "grant_rule", "stop_rule")


# ---- saving a programme -----------------------------------------------------------------------


def _rule_messages(exc) -> list[ValidationError]:
    return [
        ValidationError(
            _("Line %(line)d, column %(column)d: %(message)s")
            % {"line": p.line, "column": p.column, "message": p.message},
            code="invalid_rule",
        )
        for p in exc.problems
    ]


def _check_rules(programme: Programme) -> dict[str, list]:
    from doorstep.rules import rules

    errors: dict[str, list] = {}
    if not programme.grant_rule.strip():
        errors["grant_rule"] = [
            ValidationError(_("Write the rule that says who qualifies."), code="required")
        ]
    for name in ("grant_rule", "stop_rule"):
        text = getattr(programme, name)
        if name in errors or not text.strip():
            continue
        try:
            rules.parse(text)
        except rules.RuleError as exc:
            errors[name] = _rule_messages(exc)
    return errors


def _check_kind(programme: Programme) -> dict[str, list]:
    """The model's constraints, said field by field in words an administrator understands."""
    errors: dict[str, list] = {}

    def need(name: str, message: str) -> None:
        errors.setdefault(name, []).append(ValidationError(message, code="required"))

    if programme.kind == Kind.RENEWAL:
        if programme.certificate_type_id is None:
            need("certificate_type", _("A renewal programme renews one type of certificate."))
        elif programme.certificate_type.renewal_window_days is None:
            need(
                "certificate_type",
                _("This certificate type has no renewal window: set how many days before "
                  "expiry its renewal starts."),
            )  # fmt: skip
        if programme.service_id is None:
            need("service", _("A renewal programme opens cases of a service: choose it."))
        if programme.handler_id is None:
            need("handler", _("Choose the member of staff the renewal cases are opened for."))
    if programme.mode == Mode.OFFER and programme.kind != Kind.GRANT:
        need("mode", _("Only a programme that grants a benefit can offer it."))
    return errors


def _validate(programme: Programme) -> None:
    errors = {**_check_kind(programme), **_check_rules(programme)}
    try:
        programme.full_clean(exclude=list(errors), validate_constraints=not errors)
    except ValidationError as exc:
        for name, messages in exc.error_dict.items():
            errors.setdefault(name, []).extend(messages)
    if errors:
        raise ValidationError(errors)


@transaction.atomic
def do_save_programme(programme: Programme | None, *, actor, **fields) -> Programme:
    """Create (``programme=None``) or change a programme. The rules are checked first:
    ``ValidationError({"grant_rule": ["Line 1, column 5: …"]})`` and nothing written when they
    do not compile. A change of either rule's text writes a new ``RuleVersion`` and bumps the
    programme's version; runs record the version they used."""
    unknown = set(fields) - FIELDS
    if unknown:
        raise TypeError(f"unknown programme fields: {sorted(unknown)}")
    if actor is not None and not access.may_change(actor):
        raise PermissionDenied(_("You may not change programmes."))
    target = Programme() if programme is None else Programme.objects.get(pk=programme.pk)
    for name, value in fields.items():
        if name in ("grant_rule", "stop_rule"):
            value = (value or "").strip()
        setattr(target, name, value)
    _validate(target)
    with transaction.atomic():
        saved = _write(target, actor)
    if programme is not None:
        for f in Programme._meta.concrete_fields:
            setattr(programme, f.attname, getattr(saved, f.attname))
        return programme
    return saved


def _changed_by(target: Programme, actor) -> None:
    """Record the maker of what a second person approves, and clear any approval."""
    target.changed_by = actor if getattr(actor, "pk", None) else None
    target.changed_at = timezone.now()
    target.approved_by, target.approved_at = None, None


def _write(target: Programme, actor) -> Programme:
    if target.pk is None:
        target.version = 1
        _changed_by(target, actor)
        target.save(force_insert=True)
        _new_version(target, actor)
        return target
    # The rules as stored, read under the row's lock: two saves at once cannot both bump.
    stored = Programme.objects.select_for_update().get(pk=target.pk)
    changed = (stored.grant_rule, stored.stop_rule) != (target.grant_rule, target.stop_rule)
    target.version = stored.version + 1 if changed else stored.version
    if any(getattr(stored, f) != getattr(target, f) for f in APPROVED_FIELDS):
        _changed_by(target, actor)
    target.save()
    if changed:
        _new_version(target, actor)
    return target


def _new_version(programme: Programme, actor) -> RuleVersion:
    return RuleVersion.objects.create(
        programme=programme,
        number=programme.version,
        grant_rule=programme.grant_rule,
        stop_rule=programme.stop_rule,
        created_by=actor if getattr(actor, "pk", None) else None,
    )


# ---- switching on and off, and the second person's approval -----------------------------------


@transaction.atomic
def do_set_active(programme: Programme, *, actor, active: bool) -> bool:
    """Switch the programme on or off; whether anything changed. A programme that pays money
    may be switched on before its approval: it still does not run until approved."""
    if actor is not None and not access.may_change(actor):
        raise PermissionDenied(_("You may not change programmes."))
    changed = Programme.objects.filter(pk=programme.pk, is_active=not active).update(
        is_active=active, updated_at=timezone.now()
    )
    programme.is_active = active
    return bool(changed)


@transaction.atomic
def do_approve_programme(programme: Programme, *, actor, seen: str) -> bool:
    """The second person's approval of a programme that pays money (maker-checker): what it
    pays and to whom, as ``seen`` (its ``approval_key`` on the approver's screen). Refused
    (``ValidationError``) for the person who made the change, for a programme that changed
    since it was read, or one that pays nothing; ``PermissionDenied`` for an approver whose
    programme grant does not cover the programme's area. False when already approved."""
    if not access.may_approve(actor):
        raise PermissionDenied(_("You may not approve this programme."))
    stored = Programme.objects.select_for_update().get(pk=programme.pk)
    if not stored.pays_money:
        raise ValidationError(_("This programme pays no money: it needs no approval."),
                              code="not_needed")  # fmt: skip
    if seen != approval_key(stored):
        raise ValidationError(
            _("The programme changed since you opened it: read it again before approving."),
            code="changed",
        )
    if stored.approved_by_id is not None:
        return False
    if stored.changed_by_id is not None and stored.changed_by_id == actor.pk:
        raise ValidationError(
            _("You made the last change of its rules or amount: a second person must approve."),
            code="same_person",
        )
    now = timezone.now()
    Programme.objects.filter(pk=stored.pk).update(approved_by=actor, approved_at=now)
    programme.approved_by, programme.approved_at = actor, now
    return True


def approval_key(programme: Programme) -> str:
    """A short fingerprint of what an approval covers, so an approval applies to what the
    approver read and not to a change made in between."""
    import hashlib

    amount = programme.amount
    values = [
        f"{Decimal(amount):.2f}"
        if f == "amount" and amount is not None
        else str(getattr(programme, f))
        for f in APPROVED_FIELDS
    ]
    when = programme.changed_at
    values.append(f"{when.timestamp():.3f}" if when else "")
    text = "\x1f".join(values)
    return hashlib.sha256(text.encode()).hexdigest()[:16]


# ---- preview ----------------------------------------------------------------------------------

SAMPLE = 20  # residents shown per kind in a preview


@dataclass
class Preview:
    """What a run on ``on`` would do, counted the way the run counts; ``samples`` holds up to
    ``sample`` residents per kind ("granted", "stopped")."""

    programme: Programme
    on: datetime.date
    period: str
    version: int
    granted: int
    stopped: int
    unchanged: int
    opted_out: int
    samples: dict[str, list] = field(default_factory=dict)

    @property
    def total(self) -> Decimal | None:
        """What the grants would pay this period (None: the programme pays no money)."""
        if not self.programme.pays_money:
            return None
        return Decimal(self.programme.amount) * self.granted

    @property
    def granted_sample(self) -> list:
        return self.samples.get("granted", [])

    @property
    def stopped_sample(self) -> list:
        return self.samples.get("stopped", [])

    def sample_rows(self, user, name: str) -> list[dict]:
        """The sample ``name`` as ``user`` may see it: masked ID, and the name only to staff who
        may see the resident's record (others see the surname)."""
        rows = []
        for r in self.samples.get(name, []):
            area = getattr(r, "area_code", "") or ""
            shown = getattr(r, "name", "") or ""
            if not covers(user, VIEW_RESIDENTS, area):
                shown = masked_name(shown)
            rows.append({"pk": r.pk, "name": shown, "id_masked": r.id_masked, "area": area})
        return rows


def preview(
    programme: Programme, *, on: datetime.date | None = None, sample: int = SAMPLE
) -> Preview:
    """Dry run of the programme's current rules on ``on`` (default today): how many the run
    would grant (renewal: cases it would open), stop and leave unchanged, how many opted out,
    and a sample of each. Reads only; raises ``rules.RuleError`` when the rules do not
    compile and ``ValidationError`` (code "cannot_run") when a renewal programme cannot
    open cases."""
    from doorstep.people.models import Resident

    on = on or timezone.localdate()
    plan = _plan(programme, on)
    new = plan.new_grants()
    stops = plan.to_stop()
    sample = max(int(sample), 0)
    residents = Resident.objects.order_by("name", "pk")
    new_ids = new.values("resident_id" if plan.is_renewal else "pk")
    return Preview(
        programme=programme,
        on=on,
        period=plan.period,
        version=plan.version.number,
        granted=new.count(),
        stopped=stops.count(),
        unchanged=plan.unchanged().count(),
        opted_out=plan.opted_out().count(),
        samples={
            "granted": list(residents.filter(pk__in=new_ids)[:sample]) if sample else [],
            "stopped": list(residents.filter(pk__in=stops.values("resident_id"))[:sample])
            if sample
            else [],
        },
    )


def _plan(programme: Programme, on: datetime.date) -> Plan:
    plan = Plan(programme, _version_row(programme), on)
    if plan.is_renewal:
        _check_renewal(programme)
    return plan


def would_grant(programme: Programme, *, on: datetime.date | None = None):
    """The residents a run on ``on`` (today) would grant, ordered by name: the preview's
    recipient list, whole. Same errors as ``preview``."""
    from doorstep.people.models import Resident

    plan = _plan(programme, on or timezone.localdate())
    ids = plan.new_grants().values("resident_id" if plan.is_renewal else "pk")
    return Resident.objects.filter(pk__in=ids).order_by("name", "pk")


def _check_renewal(programme: Programme) -> None:
    """``runs.check_renewal`` as a ``ValidationError`` (code "cannot_run") for the screens."""
    from .runs import check_renewal

    try:
        check_renewal(programme)
    except RunError as exc:
        raise ValidationError(str(exc), code="cannot_run") from exc


def _version_row(programme: Programme) -> RuleVersion:
    version = current_version(programme)
    if version is None:  # a programme written around the actions: its rules as they are now
        version = RuleVersion(
            programme=programme,
            number=programme.version,
            grant_rule=programme.grant_rule,
            stop_rule=programme.stop_rule,
        )
    return version


# ---- runs -------------------------------------------------------------------------------------


def _enqueue(run_id: int) -> None:
    from .tasks import run_programme

    try:
        run_programme.enqueue(run_id)
    except Exception:
        logger.exception("Could not enqueue run %s", run_id)


def do_queue_run(programme: Programme, *, actor, trigger: str = Trigger.UI) -> ProgrammeRun:
    """A run waiting for a worker (the task ``run_programme`` is enqueued when the caller's
    transaction commits). A run of the programme already waiting is returned instead of a
    second one. ``ValidationError`` when the programme is inactive or (renewal) cannot open
    cases now."""
    if actor is not None and not access.may_run(actor):
        raise PermissionDenied(_("You may not run programmes."))
    if not programme.is_active:
        raise ValidationError(_("This programme is not active: activate it first."), "inactive")
    if programme.awaits_approval:
        raise ValidationError(
            _("This programme pays money: a second person must approve it before it runs."),
            "unapproved",
        )
    if trigger not in Trigger.values:
        raise ValueError(f"unknown trigger {trigger!r}")
    if programme.kind == Kind.RENEWAL:
        _check_renewal(programme)
    with transaction.atomic():
        _lock_programme(programme)
        run = programme.runs.filter(status=RunStatus.QUEUED).order_by("pk").first()
        if run is None:
            run = _new_run(programme, actor=actor, trigger=trigger, on=timezone.localdate())
        # Enqueued again for a run already waiting, in case its task was lost: a worker takes
        # a run once (``_claim``), so a second task finds it taken and does nothing.
        transaction.on_commit(partial(_enqueue, run.pk))
    return run


def _lock_programme(programme: Programme) -> None:
    rows = Programme.objects.select_for_update().filter(pk=programme.pk).order_by()
    list(rows.values_list("pk"))


def _new_run(programme, *, actor, trigger, on, status=RunStatus.QUEUED) -> ProgrammeRun:
    from .choices import period_key

    version = current_version(programme)
    if version is None:
        version = _new_version(programme, None)
    now = timezone.now()
    return ProgrammeRun.objects.create(
        programme=programme,
        rule_version=version,
        period=period_key(programme.period, on),
        scan_date=on,
        status=status,
        phase=RunPhase.WAITING,
        trigger=trigger,
        started_by=actor if getattr(actor, "pk", None) else None,
        started_at=now if status == RunStatus.RUNNING else None,
    )


def _claim(run: ProgrammeRun) -> bool:
    """Take a queued run (one worker only): QUEUED → RUNNING, guarded."""
    now = timezone.now()
    claimed = ProgrammeRun.objects.filter(pk=run.pk, status=RunStatus.QUEUED).update(
        status=RunStatus.RUNNING, started_at=now
    )
    if claimed:
        run.status, run.started_at = RunStatus.RUNNING, now
    return bool(claimed)


# A run still "running" this long after it started was abandoned: its process was killed (a
# deploy, the OOM killer). Every step is idempotent, so the next run picks up what it left.
ABANDONED_AFTER = datetime.timedelta(hours=1)


def _close_abandoned(programme_id: int) -> int:
    """Mark this programme's abandoned runs failed, so the history does not show them running
    for ever; returns how many."""
    now = timezone.now()
    return ProgrammeRun.objects.filter(
        programme_id=programme_id,
        status=RunStatus.RUNNING,
        started_at__lt=now - ABANDONED_AFTER,
    ).update(
        status=RunStatus.FAILED,
        finished_at=now,
        error=_(
            "Interrupted: the process running it stopped before it finished. "
            "The next run completes its work."
        ),
    )


def do_run_programme(
    programme: Programme,
    *,
    actor=None,
    trigger: str = Trigger.SCHEDULE,
    on: datetime.date | None = None,
    run: ProgrammeRun | None = None,
) -> ProgrammeRun:
    """Run the programme now, in this process: ``run`` when it is a queued run (a worker takes
    it; a run another worker already took is returned as it is), else a new run for ``on``
    (default today). Returns the run, done or failed (with its error); never raises for a
    failure of the run itself. Call it outside a transaction: each step commits on its own."""
    if run is not None:
        if not _claim(run):
            run.refresh_from_db()
            return run
    else:
        run = _new_run(
            programme,
            actor=actor,
            trigger=trigger,
            on=on or timezone.localdate(),
            status=RunStatus.RUNNING,
        )
    _close_abandoned(run.programme_id)
    programme = Programme.objects.select_related(
        "service", "certificate_type", "handler", "department"
    ).get(pk=run.programme_id)
    return execute(run, programme)


HOLDS = re.compile(r"""holds\(\s*["']([^"']+)["']\s*\)""")


class UnknownProgrammes(ValueError):
    def __init__(self, codes: list[str]) -> None:
        self.codes = codes
        super().__init__(
            _("No active programme with the code: %(codes)s") % {"codes": ", ".join(codes)}
        )


def _in_dependency_order(programmes: list[Programme]) -> list[Programme]:
    """Programmes whose rules ask ``holds("x")`` after programme x (in code order otherwise),
    so that one run of all sees today's grants of the programmes it depends on."""
    by_code = {p.code: p for p in programmes}
    ordered: list[Programme] = []
    state: dict[str, int] = {}

    def visit(p: Programme) -> None:
        if state.get(p.code):
            return  # done, or a cycle: code order decides
        state[p.code] = 1
        for code in sorted(set(HOLDS.findall(f"{p.grant_rule}\n{p.stop_rule}"))):
            if code in by_code and code != p.code:
                visit(by_code[code])
        state[p.code] = 2
        ordered.append(p)

    for p in sorted(programmes, key=lambda p: p.code):
        visit(p)
    return ordered


def run_programmes(
    *, on: datetime.date | None = None, codes: list[str] | None = None
) -> list[ProgrammeRun]:
    """Run every active programme (or those of ``codes``) once, one after the other, for
    ``on`` (default today); returns the runs, done or failed. What the command and the
    scheduled task call."""
    programmes = Programme.objects.filter(is_active=True)
    if codes:
        programmes = programmes.filter(code__in=codes)
    found = list(programmes)
    missing = sorted(set(codes or ()) - {p.code for p in found})
    if missing:
        raise UnknownProgrammes(missing)
    on = on or timezone.localdate()
    return [do_run_programme(p, on=on) for p in _in_dependency_order(found)]
