"""Message templates: key → (subject, body), Django template text inside gettext, so a
translator sees the whole sentence and the ``{{ variables }}`` it must keep.

Rendered with autoescape off: the output is plain text for SMS and email, never HTML.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass

from django.template import Context, Engine
from django.utils import translation
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _


@dataclass(frozen=True)
class MessageTemplate:
    subject: Promise | str
    body: Promise | str
    variables: tuple[str, ...]


TEMPLATES: dict[str, MessageTemplate] = {
    "appointment_booked": MessageTemplate(
        subject=_("Appointment booked: {{ service }}"),
        body=_(
            "{{ name }}, your appointment for {{ service }} at {{ desk }} is booked for "
            "{{ date }} {{ time }}. Booking code: {{ code }}. Please bring the materials on "
            "the checklist."
        ),
        variables=("name", "service", "desk", "date", "time", "code"),
    ),
    "appointment_reminder": MessageTemplate(
        subject=_("Reminder: {{ service }} on {{ date }}"),
        body=_(
            "{{ name }}, a reminder of your appointment for {{ service }} at {{ desk }} on "
            "{{ date }} {{ time }}. Booking code: {{ code }}."
        ),
        variables=("name", "service", "desk", "date", "time", "code"),
    ),
    "appointment_cancelled": MessageTemplate(
        subject=_("Appointment cancelled: {{ service }}"),
        body=_(
            "{{ name }}, your appointment for {{ service }} at {{ desk }} on {{ date }} "
            "{{ time }} (booking code {{ code }}) has been cancelled."
        ),
        variables=("name", "service", "desk", "date", "time", "code"),
    ),
    "case_accepted": MessageTemplate(
        subject=_("Accepted: {{ service }}"),
        body=_(
            "{{ name }}, your matter “{{ service }}” has been accepted (receipt {{ receipt }}). "
            "It will be done by {{ due }}."
        ),
        variables=("name", "service", "receipt", "due"),
    ),
    "case_materials_needed": MessageTemplate(
        subject=_("Materials needed: {{ service }}"),
        body=_(
            "{{ name }}, for your matter “{{ service }}” (receipt {{ receipt }}) please bring: "
            "{{ materials }}."
        ),
        variables=("name", "service", "receipt", "materials"),
    ),
    "case_correction": MessageTemplate(
        subject=_("Correction needed: {{ service }}"),
        body=_(
            "{{ name }}, the department returned your matter “{{ service }}” (receipt "
            "{{ receipt }}) for correction: {{ reason }}"
        ),
        variables=("name", "service", "receipt", "reason"),
    ),
    "case_completed": MessageTemplate(
        subject=_("Done: {{ service }}"),
        body=_("{{ name }}, your matter “{{ service }}” (receipt {{ receipt }}) is done."),
        variables=("name", "service", "receipt"),
    ),
    "case_refused": MessageTemplate(
        subject=_("Not accepted: {{ service }}"),
        body=_(
            "{{ name }}, your matter “{{ service }}” (receipt {{ receipt }}) was not accepted: "
            "{{ reason }}"
        ),
        variables=("name", "service", "receipt", "reason"),
    ),
    "case_overdue": MessageTemplate(
        subject=_("Overdue: case {{ receipt }}"),
        body=_("Case {{ receipt }} ({{ service }}) passed its due date {{ due }} and is not done."),
        variables=("receipt", "service", "due"),
    ),
    "cases_overdue_digest": MessageTemplate(
        subject=_("Cases newly overdue: {{ count }}"),
        body=_(
            "Cases in {{ area }} that passed their due date and are not done "
            "({{ count }}): {{ receipts }}"
        ),
        variables=("count", "area", "receipts"),
    ),
    # Proactive programmes (免申即享, 无感续证). ``amount`` is a whole sentence ("Amount: 50.00
    # yuan. ") or empty; ``link`` is the resident's page to accept, decline or opt out.
    "programme_granted": MessageTemplate(
        subject=_("Granted: {{ programme }}"),
        body=_(
            "{{ name }}, you qualify for {{ programme }}, and it has been granted to you: no "
            "application is needed. {{ amount }}Details, or to opt out: {{ link }}"
        ),
        variables=("name", "programme", "amount", "link"),
    ),
    "programme_offered": MessageTemplate(
        subject=_("For you: {{ programme }}"),
        body=_(
            "{{ name }}, you qualify for {{ programme }}. {{ amount }}To accept it with one tap, "
            "or to decline: {{ link }}"
        ),
        variables=("name", "programme", "amount", "link"),
    ),
    "programme_reminder": MessageTemplate(
        subject=_("Reminder: {{ programme }}"),
        body=_("{{ name }}, a reminder about {{ programme }}. {{ amount }}Details: {{ link }}"),
        variables=("name", "programme", "amount", "link"),
    ),
    "programme_renewal_opened": MessageTemplate(
        subject=_("Renewal started: {{ certificate }}"),
        body=_(
            "{{ name }}, your {{ certificate }} expires on {{ expires }}. We have started its "
            "renewal for you (receipt {{ receipt }}): no application is needed. Details: "
            "{{ link }}"
        ),
        variables=("name", "certificate", "expires", "receipt", "link"),
    ),
    "programme_stopped": MessageTemplate(
        subject=_("Ended: {{ programme }}"),
        body=_(
            "{{ name }}, {{ programme }} has ended for you. If you think this is wrong, ask at "
            "your community desk. Details: {{ link }}"
        ),
        variables=("name", "programme", "link"),
    ),
}

_engine = Engine(autoescape=False)


class UnknownTemplate(KeyError):
    pass


def render(key: str, context: dict, *, language: str) -> tuple[str, str]:
    """The (subject, body) of template ``key`` in ``language``."""
    try:
        template = TEMPLATES[key]
    except KeyError:
        raise UnknownTemplate(key) from None
    with translation.override(language):
        ctx = Context(context, autoescape=False)
        subject = _compiled(str(template.subject)).render(ctx)
        body = _compiled(str(template.body)).render(ctx)
    return " ".join(subject.split()), body.strip()


@functools.lru_cache(maxsize=256)
def _compiled(text: str):
    """Template text (one per template, part and language) compiled once per process."""
    return _engine.from_string(text)
