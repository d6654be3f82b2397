"""Programmes as what ``holds("code")`` asks about (see ``doorstep.rules.holdings``): a resident
holds a programme while an entitlement of its current or previous period is in a holding
status; renewal programmes hold for any period. Registered in ``ProactiveConfig.ready``."""

from __future__ import annotations

import datetime
from collections import defaultdict

from django.db.models import OuterRef, Q, QuerySet

from doorstep.rules.holdings import Held
from doorstep.rules.rules_ast import Holds

from .choices import HOLDING, Kind, period_key, previous_period_key
from .models import Entitlement, Programme


class ProgrammeHoldings:
    def find(self, code: str) -> Held | None:
        row = Programme.objects.filter(code=code).values_list("id", "period", "kind").first()
        return Held(*row) if row else None

    def exists(self, expr: Holds, on: datetime.date) -> QuerySet:
        rows = Entitlement.objects.filter(
            resident_id=OuterRef("pk"), programme_id=expr.programme_id, status__in=HOLDING
        )
        if expr.kind != Kind.RENEWAL:
            keys = [period_key(expr.period, on), previous_period_key(expr.period, on)]
            rows = rows.filter(period__in=[k for k in keys if k])
        return rows

    def reader(self, on: datetime.date) -> _Reader:
        return _Reader(on)


class _Reader:
    def __init__(self, on: datetime.date) -> None:
        programmes = list(Programme.objects.values_list("id", "code", "period", "kind"))
        self.programmes = {pk: code for pk, code, _, _ in programmes}
        self.holding = _holding_q(programmes, on)

    def held(self, where: dict, wanted: set[int]) -> dict[int, list[str]]:
        found = defaultdict(list)
        if self.holding is None:
            return found
        rows = (
            Entitlement.objects.filter(status__in=HOLDING, **where)
            .filter(self.holding)
            .values_list("resident_id", "programme_id")
            .distinct()
        )
        for resident_id, programme_id in rows:
            if resident_id in wanted:
                found[resident_id].append(self.programmes[programme_id])
        return found


def _holding_q(programmes: list[tuple], on: datetime.date) -> Q | None:
    """Entitlements that count for holds("code") on ``on``: the programme's current or previous
    period (renewal programmes: any period)."""
    by_keys: dict[tuple[str, ...], list[int]] = defaultdict(list)
    renewals = []
    for pk, _code, period, kind in programmes:
        if kind == Kind.RENEWAL:
            renewals.append(pk)
        else:
            keys = (period_key(period, on), previous_period_key(period, on))
            by_keys[tuple(k for k in keys if k)].append(pk)
    parts = [Q(programme_id__in=pks, period__in=list(keys)) for keys, pks in by_keys.items()]
    if renewals:
        parts.append(Q(programme_id__in=renewals))
    if not parts:
        return None
    q = parts[0]
    for part in parts[1:]:
        q |= part
    return q
