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

from .choices import HOLDING, EntitlementStatus, Kind, period_key
from .models import Entitlement, OptOut
from .sentences import Sentences, join


@dataclass(frozen=True)
class Shown:
    """A node of a rule tree as the page shows it: the sentence, not the rule's syntax."""

    kind: str
    holds: bool
    sentence: str
    text: str  # the rule's own text, for those who read programmes
    children: tuple[Shown, ...]


def _shown(node: ExplainedNode, say: Sentences) -> Shown:
    children = tuple(_shown(c, say) for c in node.children)
    return Shown(node.kind, node.holds, say.of(node), node.text, children)


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
    grant_shown: Shown | None = None
    stop_shown: Shown | None = None
    # The stop rule is shown only for someone who holds the grant (or whom it keeps out
    # although the grant rule holds): for anyone else it only confuses.
    show_stop: bool = False


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
    say = Sentences(rules.facts, grant, stop)
    entitlement = _entitlement(programme, pk, on)
    held = entitlement is not None and entitlement.status in (*HOLDING, EntitlementStatus.OFFERED)
    return Explanation(
        on=on,
        period=period_key(programme.period, on),
        eligible=eligible,
        outcome=_outcome(grant, stop, opted_out, say),
        grant=grant,
        stop=stop,
        opted_out=opted_out,
        entitlement=entitlement,
        facts=rules.facts,
        grant_shown=_shown(grant, say),
        stop_shown=_shown(stop, say) if stop else None,
        show_stop=stop is not None and (held or (grant.holds and stop.holds)),
    )


def _entitlement(programme, pk: int, on: datetime.date):
    mine = Entitlement.objects.filter(programme=programme, resident_id=pk)
    if programme.kind != Kind.RENEWAL:
        current = mine.filter(period=period_key(programme.period, on)).first()
        if current:
            return current
    return mine.order_by("-granted_at", "-id").first()


def _outcome(grant: ExplainedNode, stop: ExplainedNode | None, opted_out, say) -> str:
    if opted_out is not None:
        return _("Not granted: the resident said no on %(date)s (%(reason)s).") % {
            "date": timezone.localtime(opted_out.created_at).date(),
            "reason": opted_out.get_reason_display(),
        }
    if not grant.holds:
        return _("Not eligible: %(reasons)s.") % {"reasons": join(say.failing(grant))}
    if stop is not None and stop.holds:
        return _("Not eligible any more: %(reasons)s.") % {"reasons": join(say.holding(stop))}
    return _("Eligible: %(reasons)s.") % {"reasons": join(say.holding(grant))}
