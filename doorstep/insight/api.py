"""Figures in JSON: every registered metric (``insight.metrics.METRICS``) for one scope, computed
by the same functions the pages and exports use.

Someone who sees no figures at all is 403; an area that does not exist or lies outside the
caller's grants is 404 (the same answer); a reversed period, an unknown service, department or
channel is 400 on the field.
"""

from __future__ import annotations

import datetime
from typing import Literal

from django.http import HttpRequest
from ninja import Field, Query, Router, Schema

from doorstep.core.rest.errors import errors
from doorstep.core.rest.types import QueryId, QueryText
from doorstep.feedback.choices import Channel

from .metrics import Average, Figure, figures, make_scope, min_n

router = Router(tags=["insight"])


class FigureParams(Schema):
    area: QueryText | None = Field(
        None,
        max_length=15,
        pattern=r"^[0-9]+$",
        description="An area code: the district, a street, a community or a compound, and "
        "everything under it.",
    )
    start: datetime.date | None = Field(None, description="First day of the period (local).")
    end: datetime.date | None = Field(None, description="Last day of the period (local).")
    service: QueryId | None = None
    department: QueryId | None = None
    channel: Literal[tuple(Channel.values)] | None = None  # type: ignore[valid-type]


class FigureOut(Schema):
    key: str
    label: str
    kind: Literal["rate", "average"]
    applies: bool = Field(
        description="False when the scope filters by something this metric's records do not "
        "hold (a dispute has no service): every number is then null."
    )
    numerator: float | None
    denominator: int | None = Field(description="The n.")
    value: float | None = Field(description="A rate as a fraction (0.875), or an average.")
    shown: float | None = Field(
        description="The value, or null when n is below min_n: what a page shows and a "
        "ranking sorts by."
    )
    text: str = Field(description='As a page shows it: "87.5%", "2.3" or "—".')


class ScopeOut(Schema):
    area: str | None
    start: datetime.date | None
    end: datetime.date | None
    service: int | None
    department: int | None
    channel: str | None


class FiguresOut(Schema):
    scope: ScopeOut
    min_n: int
    figures: list[FigureOut]


def figure_row(figure: Figure) -> dict:
    value = figure.value
    return {
        "key": figure.key,
        "label": str(figure.label),
        "kind": "average" if figure.metric.measure is Average else "rate",
        "applies": figure.applies,
        "numerator": None if value is None else float(value.numerator),
        "denominator": None if value is None else value.n,
        "value": None if value is None else value.value,
        "shown": None if value is None else value.shown,
        "text": str(figure),
    }


@router.get("/figures/", response={200: FiguresOut, **errors(401, 403, 404)},
            url_name="insight-figures")  # fmt: skip
def figures_view(request: HttpRequest, params: Query[FigureParams]):
    """Every metric for the scope, each with its n: rates as fractions, averages as numbers,
    and `shown` null below the minimum n (`min_n`)."""
    scope = make_scope(
        request.user,
        area=params.area or "",
        start=params.start,
        end=params.end,
        service=params.service,
        department=params.department,
        channel=params.channel or "",
    )
    return {
        "scope": {
            "area": scope.area or None,
            "start": scope.start,
            "end": scope.end,
            "service": scope.service,
            "department": scope.department,
            "channel": scope.channel or None,
        },
        "min_n": min_n(),
        "figures": [figure_row(f) for f in figures(scope)],
    }
