"""Visit rules: how often residents with a tag are visited. Data, changed by holders of
``MANAGE_VISIT_RULES`` (the rule is the same everywhere in the district)."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils.translation import gettext as _

from doorstep.core.errors import field_error
from doorstep.people.models import Tag
from doorstep.staff.roles import MANAGE_VISIT_RULES, can

from ..choices import EventKind
from ..models import VisitEvent, VisitRule

INTERVAL_MAX = 366


def _check(actor) -> None:
    if not can(actor, MANAGE_VISIT_RULES):
        raise PermissionDenied(_("You may not change visit rules."))


def _check_days(field: str, days: int | None) -> None:
    if days is not None and not 1 <= days <= INTERVAL_MAX:
        message = _("Give a number of days between 1 and %(n)d.") % {"n": INTERVAL_MAX}
        raise field_error(field, message, "out_of_range")


@transaction.atomic
def do_set_visit_rule(
    *, actor, tag: Tag, interval_days: int, silence_days: int | None = None
) -> VisitRule:
    """Visit residents with ``tag`` every ``interval_days`` days, and put them on the red list
    after ``silence_days`` without contact (``None``: the default period); creates or changes
    the rule."""
    _check(actor)
    _check_days("interval_days", interval_days)
    _check_days("silence_days", silence_days)
    rule = VisitRule.objects.select_for_update().filter(tag=tag).first()
    before = None if rule is None else [rule.interval_days, rule.silence_days]
    if rule is None:
        rule = VisitRule.objects.create(
            tag=tag, interval_days=interval_days, silence_days=silence_days, updated_by=actor
        )
    else:
        rule.interval_days, rule.silence_days = interval_days, silence_days
        rule.updated_by = actor
        rule.save(update_fields=["interval_days", "silence_days", "updated_by", "updated_at"])
    VisitEvent.objects.create(
        kind=EventKind.RULE_SET,
        actor=actor,
        data={
            "tag": tag.code,
            "interval_days": interval_days,
            "silence_days": silence_days,
            "before": before,
        },
    )
    return rule


@transaction.atomic
def do_remove_visit_rule(rule: VisitRule, *, actor) -> None:
    """Stop visiting residents for this tag (their households leave the due list unless
    another of their tags has a rule)."""
    _check(actor)
    VisitEvent.objects.create(
        kind=EventKind.RULE_REMOVED,
        actor=actor,
        data={"tag": rule.tag.code, "before": rule.interval_days},
    )
    rule.delete()
