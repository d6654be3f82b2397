"""Why (or why not) one resident gets a programme: its rules explained for the resident (the
rule language's ``explain_rules``), and what the programme adds: whether the resident said no,
and the entitlement of this period."""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.utils import timezone
from django.utils.translation import gettext as _

from doorstep.rules.explain import ExplainedNode, explain_rules
from doorstep.rules.facts import ResidentFacts

from .choices import Kind, period_key
from .models import Entitlement, OptOut


@dataclass(frozen=True)
class Explanation:
    on: datetime.date
    period: str
    eligible: bool
    outcome: str
    grant: ExplainedNode
    stop: ExplainedNode | None
    opted_out: object | None  # OptOut
    entitlement: object | None  # Entitlement of this period, else the latest
    facts: ResidentFacts


def explain(programme, resident, *, on: datetime.date | None = None) -> Explanation:
    """Explain ``programme`` (its current rules) for ``resident`` on ``on`` (today).

    Raises rules.RuleError if the programme's rules no longer parse (e.g. a tag they name was
    deleted)."""
    on = on or timezone.localdate()
    pk = getattr(resident, "pk", resident)
    rules = explain_rules(programme.grant_rule, programme.stop_rule, pk, on)
    grant, stop = rules.grant, rules.stop
    opted_out = OptOut.objects.filter(programme=programme, resident_id=pk).first()
    eligible = grant.holds and not (stop and stop.holds) and opted_out is None
    return Explanation(
        on=on,
        period=period_key(programme.period, on),
        eligible=eligible,
        outcome=_outcome(grant, stop, opted_out),
        grant=grant,
        stop=stop,
        opted_out=opted_out,
        entitlement=_entitlement(programme, pk, on),
        facts=rules.facts,
    )


def _entitlement(programme, pk: int, on: datetime.date):
    mine = Entitlement.objects.filter(programme=programme, resident_id=pk)
    if programme.kind != Kind.RENEWAL:
        current = mine.filter(period=period_key(programme.period, on)).first()
        if current:
            return current
    return mine.order_by("-granted_at", "-id").first()


def _outcome(grant: ExplainedNode, stop: ExplainedNode | None, opted_out) -> str:
    if opted_out is not None:
        return _("Not granted: the resident said no on %(date)s (%(reason)s).") % {
            "date": timezone.localtime(opted_out.created_at).date(),
            "reason": opted_out.get_reason_display(),
        }
    if not grant.holds:
        failed = [c for c in grant.children if not c.holds] if grant.kind == "all" else [grant]
        return _("Not eligible: these conditions are not met: %(conditions)s.") % {
            "conditions": "; ".join(c.text for c in failed)
        }
    if stop is not None and stop.holds:
        return _("Not eligible: the stop rule is met (%(rule)s).") % {"rule": stop.text}
    return _("Eligible: meets the grant rule.")
