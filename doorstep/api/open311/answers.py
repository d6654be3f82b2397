"""The answers a request carries to its service's questions: ``attribute[code]=v`` and, for a
list of several, ``attribute[code][]=v`` repeated. Each is checked against the definition."""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation

from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _

from ..models import Datatype, Open311Attribute
from .render import Open311Error

KEY = re.compile(r"^attribute\[([^\[\]]+)\](\[\])?$")
LIMITS = {Datatype.STRING: 200, Datatype.TEXT: 4000}
NUMBER_MAX = Decimal("1e12")


def given(data) -> dict[str, list[str]]:
    """Every ``attribute[...]`` field of the request, by code."""
    found: dict[str, list[str]] = {}
    for key in data:
        match = KEY.match(key)
        if match:
            found.setdefault(match.group(1), []).extend(data.getlist(key))
    return found


def _bad(a: Open311Attribute, why: str) -> Open311Error:
    return Open311Error(400, f"attribute[{a.code}]: {why}")


def _number(a: Open311Attribute, value: str) -> str:
    try:
        number = Decimal(value.strip())
    except InvalidOperation:
        raise _bad(a, _("not a number.")) from None
    if not number.is_finite() or abs(number) > NUMBER_MAX:
        raise _bad(a, _("not a number we can take."))
    return str(number)


def _datetime(a: Open311Attribute, value: str) -> str:
    try:
        moment = parse_datetime(value.strip())
    except ValueError:
        moment = None
    if moment is None:
        raise _bad(a, _("not a date and time (ISO 8601, such as 2026-12-06T09:30:00+08:00)."))
    if timezone.is_naive(moment):
        moment = timezone.make_aware(moment)
    return timezone.localtime(moment).isoformat(timespec="seconds")


def _one(a: Open311Attribute, values: list[str]) -> str | list[str]:
    if a.datatype == Datatype.MULTI:
        unknown = [v for v in values if v not in a.choice_keys()]
        if unknown:
            raise _bad(a, _("not one of the choices: %(v)s") % {"v": ", ".join(unknown)[:100]})
        return list(dict.fromkeys(values))
    if len(values) != 1:
        raise _bad(a, _("give one value."))
    value = values[0]
    if a.datatype == Datatype.SINGLE:
        if value not in a.choice_keys():
            raise _bad(a, _("not one of the choices."))
        return value
    if a.datatype == Datatype.NUMBER:
        return _number(a, value)
    if a.datatype == Datatype.DATETIME:
        return _datetime(a, value)
    if len(value) > LIMITS[a.datatype]:
        raise _bad(a, _("at most %(n)d characters.") % {"n": LIMITS[a.datatype]})
    return value.strip()


def read(data, attributes: list[Open311Attribute]) -> dict[str, str | list[str]]:
    """The checked answers by code; a 400 naming the first one missing or wrong. Codes the
    definition does not ask (a client's own extras, the listed materials) are ignored."""
    sent = given(data)
    answers: dict[str, str | list[str]] = {}
    for a in attributes:
        values = [v for v in sent.get(a.code, []) if v.strip()]
        if not values:
            if a.required:
                raise _bad(a, _("required (%(question)s).") % {"question": a.description})
            continue
        answers[a.code] = _one(a, values)
    return answers


def readable(answers: dict, attributes: list[Open311Attribute]) -> dict[str, str]:
    """The answers as a clerk reads them: each question, with its answer (choice names)."""
    shown = {}
    for a in attributes:
        if a.code not in answers:
            continue
        names = dict(a.values)
        value = answers[a.code]
        values = value if isinstance(value, list) else [value]
        shown[a.description] = "、".join(names.get(v, v) for v in values)
    return shown
