"""``{{ run.period|period_label }}``: a period key as a person reads it. A one-off programme's
only period is stored as the code "once"; pages show the Period label (一次性) instead."""

from __future__ import annotations

from django import template

from doorstep.proactive.choices import period_label

register = template.Library()
register.filter("period_label", period_label)
