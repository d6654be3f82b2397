"""Message templates: key → (subject, body), Django template text inside gettext, so a
translator sees the whole sentence and the ``{{ variables }}`` it must keep.

Rendered with autoescape off: the output is plain text for SMS and email, never HTML.

Text typed by the public (a booker's name) never goes into a template: anyone could otherwise
send their own words to any number. Only what the system composes does (the SMS channel adds
the sender's signature).
"""

from __future__ import annotations

import functools
import re
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
            "Your appointment for {{ service }} at {{ desk }} is booked for {{ date }} "
            "{{ time }}. Booking code: {{ code }}. Please bring the materials on the checklist."
        ),
        variables=("service", "desk", "date", "time", "code"),
    ),
    "appointment_reminder": MessageTemplate(
        subject=_("Reminder: {{ service }} on {{ date }}"),
        body=_(
            "A reminder of your appointment for {{ service }} at {{ desk }} on {{ date }} "
            "{{ time }}. Booking code: {{ code }}."
        ),
        variables=("service", "desk", "date", "time", "code"),
    ),
    "appointment_cancelled": MessageTemplate(
        subject=_("Appointment cancelled: {{ service }}"),
        body=_(
            "Your appointment for {{ service }} at {{ desk }} on {{ date }} {{ time }} "
            "(booking code {{ code }}) has been cancelled."
        ),
        variables=("service", "desk", "date", "time", "code"),
    ),
    # A clerk called a desk day off: the reason is the clerk's words, never the public's.
    "session_cancelled": MessageTemplate(
        subject=_("Desk session cancelled: {{ date }}"),
        body=_(
            "The desk session at {{ desk }} on {{ date }} has been cancelled: {{ reason }}. "
            "Your appointment for {{ service }} at {{ time }} (booking code {{ code }}) is "
            "cancelled; please book another time."
        ),
        variables=("service", "desk", "date", "time", "code", "reason"),
    ),
    "appointment_otp": MessageTemplate(
        subject=_("Confirmation code: {{ otp }}"),
        body=_(
            "Your confirmation code is {{ otp }}: enter it within {{ minutes }} minutes to "
            "confirm your appointment for {{ service }} on {{ date }} {{ time }}. If you did "
            "not book, ignore this message."
        ),
        variables=("otp", "minutes", "service", "date", "time"),
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
        body=_(
            "{{ name }}, your matter “{{ service }}” (receipt {{ receipt }}) is done. "
            "Tell us how we did: {{ link }}"
        ),
        variables=("name", "service", "receipt", "link"),
    ),
    "case_refused": MessageTemplate(
        subject=_("Not accepted: {{ service }}"),
        body=_(
            "{{ name }}, your matter “{{ service }}” (receipt {{ receipt }}) was not accepted: "
            "{{ reason }}"
        ),
        variables=("name", "service", "receipt", "reason"),
    ),
    # Changes to a running case's time limit (延期, 中止 and its end), signed (``sender``) by
    # the unit carrying the case: the department it was forwarded to, else the community.
    "case_extended": MessageTemplate(
        subject=_("More time: {{ service }}"),
        body=_(
            "{{ name }}, the time limit of your matter “{{ service }}” (receipt {{ receipt }}) "
            "has been extended: it will now be done by {{ due }}. Why: {{ reason }} "
            "— {{ sender }}"
        ),
        variables=("name", "service", "receipt", "due", "reason", "sender"),
    ),
    "case_suspended": MessageTemplate(
        subject=_("Suspended: {{ service }}"),
        body=_(
            "{{ name }}, your matter “{{ service }}” (receipt {{ receipt }}) is suspended, and "
            "its time limit has stopped counting until it resumes. Why: {{ reason }} "
            "— {{ sender }}"
        ),
        variables=("name", "service", "receipt", "reason", "sender"),
    ),
    "case_resumed": MessageTemplate(
        subject=_("Resumed: {{ service }}"),
        body=_(
            "{{ name }}, your matter “{{ service }}” (receipt {{ receipt }}) has resumed, and "
            "its time limit counts again: it will now be done by {{ due }}. — {{ sender }}"
        ),
        variables=("name", "service", "receipt", "due", "sender"),
    ),
    # A matter that another system (Open311) filed for the applicant, declined by the community
    # before intake: the reason is the clerk's words; nothing the other system sent is quoted.
    "application_declined": MessageTemplate(
        subject=_("Not taken in: {{ service }}"),
        body=_(
            "Your application for “{{ service }}”, sent on {{ date }} through another service, "
            "was not taken in: {{ reason }} — {{ sender }}"
        ),
        variables=("service", "date", "reason", "sender"),
    ),
    "rating_invite": MessageTemplate(
        subject=_("How did we do? {{ reference }}"),
        body=_(
            "Your matter {{ reference }} was finished a few days ago. Please tell us how "
            "satisfied you are: {{ link }}"
        ),
        variables=("reference", "link"),
    ),
    "case_overdue": MessageTemplate(
        subject=_("Overdue: case {{ receipt }}"),
        body=_("Case {{ receipt }} ({{ service }}) passed its due date {{ due }} and is not done."),
        variables=("receipt", "service", "due"),
    ),
    # 容缺: materials accepted to follow, before their deadline (resident and handler) and after.
    "case_followup_reminder": MessageTemplate(
        subject=_("Please bring: {{ service }}"),
        body=_(
            "{{ name }}, for your matter “{{ service }}” (receipt {{ receipt }}) please bring "
            "{{ materials }} by {{ deadline }}, as agreed when it was accepted."
        ),
        variables=("name", "service", "receipt", "materials", "deadline"),
    ),
    "case_followup_due": MessageTemplate(
        subject=_("Materials to follow by {{ deadline }}: case {{ receipt }}"),
        body=_(
            "Case {{ receipt }} ({{ service }}): {{ materials }} must follow by {{ deadline }}. "
            "The resident has been reminded."
        ),
        variables=("receipt", "service", "materials", "deadline"),
    ),
    "case_followup_late": MessageTemplate(
        subject=_("Materials to follow are late: case {{ receipt }}"),
        body=_(
            "Case {{ receipt }} ({{ service }}): {{ materials }} did not follow by "
            "{{ deadline }}. It cannot be approved or completed until they do."
        ),
        variables=("receipt", "service", "materials", "deadline"),
    ),
    "cases_overdue_digest": MessageTemplate(
        subject=_("Cases newly overdue: {{ count }}"),
        body=_(
            "Cases in {{ area }} that passed their due date and are not done "
            "({{ count }}): {{ receipts }}"
        ),
        variables=("count", "area", "receipts"),
    ),
    # Needs (急难愁盼): handed on to a member of staff or a department, to an outside body (with
    # its link; no login), escalated one level, and the leads' digest of escalated needs.
    "need_handed_to_staff": MessageTemplate(
        subject=_("Need #{{ number }} handed to you"),
        body=_(
            "Need #{{ number }} ({{ category }}, {{ compound }}) was handed to you. Accept or "
            "refuse it, with a reason, on its page."
        ),
        variables=("number", "category", "compound"),
    ),
    "need_handed_to_body": MessageTemplate(
        subject=_("Need #{{ number }} handed to you by the community"),
        body=_(
            "The community handed you need #{{ number }} ({{ category }}, {{ compound }}). "
            "Open {{ link }} to accept or refuse it, report progress and answer when it is "
            "resolved."
        ),
        variables=("number", "category", "compound", "link"),
    ),
    "need_escalated": MessageTemplate(
        subject=_("Escalated: need #{{ number }}"),
        body=_(
            "Need #{{ number }} ({{ category }}, {{ compound }}) passed its feedback deadline "
            "and now sits with: {{ level }}."
        ),
        variables=("number", "category", "compound", "level"),
    ),
    "needs_escalated_digest": MessageTemplate(
        subject=_("Needs escalated to you: {{ count }}"),
        body=_(
            "Needs in {{ area }} that passed their feedback deadline and were escalated to "
            "your level ({{ count }}): {{ numbers }}"
        ),
        variables=("count", "area", "numbers"),
    ),
    # Proactive programmes (免申即享, 无感续证). ``amount`` is a whole sentence (the amount, how
    # it is paid and when it arrives: "Amount: 50.00 yuan a month, …. ") or empty; ``link`` is
    # the resident's page to accept, decline or opt out; ``sender`` is the department (or the
    # programme's configured signature) that signs the message. A programme's name is often a
    # phrase of its own ("提醒办理老年人优待证"): the texts quote it, never wrap it in a verb
    # that repeats it.
    "programme_granted": MessageTemplate(
        subject=_("Granted: {{ programme }}"),
        body=_(
            "{{ name }}, you qualify for {{ programme }}, and it has been granted to you: no "
            "application is needed. {{ amount }}Details, or to opt out: {{ link }} "
            "— {{ sender }}"
        ),
        variables=("name", "programme", "amount", "link", "sender"),
    ),
    "programme_offered": MessageTemplate(
        subject=_("For you: {{ programme }}"),
        body=_(
            "{{ name }}, you qualify for {{ programme }}. {{ amount }}To accept it with one tap, "
            "or to decline: {{ link }} — {{ sender }}"
        ),
        variables=("name", "programme", "amount", "link", "sender"),
    ),
    "programme_reminder": MessageTemplate(
        subject=_("A message from {{ sender }}"),
        body=_("{{ name }}: “{{ programme }}”. {{ amount }}Details: {{ link }} — {{ sender }}"),
        variables=("name", "programme", "amount", "link", "sender"),
    ),
    "programme_renewal_opened": MessageTemplate(
        subject=_("Renewal started: {{ certificate }}"),
        body=_(
            "{{ name }}, your {{ certificate }} expires on {{ expires }}. We have started its "
            "renewal for you (receipt {{ receipt }}): no application is needed. Details: "
            "{{ link }} — {{ sender }}"
        ),
        variables=("name", "certificate", "expires", "receipt", "link", "sender"),
    ),
    "programme_stopped": MessageTemplate(
        subject=_("Ended: {{ programme }}"),
        body=_(
            "{{ name }}, {{ programme }} has ended for you. If you think this is wrong, ask at "
            "your community desk. Details: {{ link }} — {{ sender }}"
        ),
        variables=("name", "programme", "link", "sender"),
    ),
    # The resident's own answer on their page, confirmed (``amount`` as above).
    "programme_accepted": MessageTemplate(
        subject=_("You accepted: {{ programme }}"),
        body=_(
            "{{ name }}, we have received your acceptance of {{ programme }}. {{ amount }}"
            "To change your mind: {{ link }} — {{ sender }}"
        ),
        variables=("name", "programme", "amount", "link", "sender"),
    ),
    "programme_declined": MessageTemplate(
        subject=_("You declined: {{ programme }}"),
        body=_(
            "{{ name }}, we have received your answer: you declined {{ programme }}, and it "
            "will not be offered to you again. To opt back in: {{ link }} — {{ sender }}"
        ),
        variables=("name", "programme", "link", "sender"),
    ),
    "programme_opted_out": MessageTemplate(
        subject=_("You opted out: {{ programme }}"),
        body=_(
            "{{ name }}, you have opted out of {{ programme }}: you will receive nothing more "
            "from it. To opt back in: {{ link }} — {{ sender }}"
        ),
        variables=("name", "programme", "link", "sender"),
    ),
    "programme_opted_in": MessageTemplate(
        subject=_("You opted back in: {{ programme }}"),
        body=_(
            "{{ name }}, you have opted back in to {{ programme }}: the next check includes you "
            "again if you qualify. Details: {{ link }} — {{ sender }}"
        ),
        variables=("name", "programme", "link", "sender"),
    ),
    # ---- disputes (人民调解) ----
    "dispute_risk": MessageTemplate(
        subject=_("Dispute may escalate: {{ number }}"),
        body=_(
            "Dispute {{ number }} in {{ area }} is flagged “{{ level }}”: {{ reason }} "
            "Please contact the mediation committee."
        ),
        variables=("number", "level", "area", "reason"),
    ),
    "dispute_overdue": MessageTemplate(
        subject=_("Dispute past its one-month target: {{ number }}"),
        body=_(
            "Dispute {{ number }} was to be mediated by {{ due }}. Record the outcome, or extend "
            "the target with every party's consent."
        ),
        variables=("number", "due"),
    ),
    "dispute_confirmation_due": MessageTemplate(
        subject=_("Court confirmation deadline near: {{ number }}"),
        body=_(
            "The parties to the written agreement of dispute {{ number }} may apply for court "
            "confirmation (司法确认) until {{ due }}. Remind them if they wish to apply."
        ),
        variables=("number", "due"),
    ),
}

_engine = Engine(autoescape=False)

# Values that must never reach a log (DESIGN.md §6): one-time and booking codes; receipt
# numbers, which with the mobile's last four (left visible by the mask) open the public
# tracking page; links, which carry a bearer key (rating, answer and hand-off pages); names.
SECRET_VARIABLES = frozenset({"otp", "code", "receipt", "link", "name"})
REDACTED = "[…]"
_VARIABLE = re.compile(r"\{\{\s*(\w+)\s*\}\}")


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


def redact(key: str, text: str, *, part: str, language: str) -> str:
    """``text``, the rendered ``part`` ("subject" or "body") of template ``key``, with the
    value of every secret variable replaced by ``REDACTED``; only ``REDACTED`` when the text
    cannot be matched against the template (unknown template, changed translation)."""
    template = TEMPLATES.get(key)
    if template is None:
        return REDACTED
    if not SECRET_VARIABLES.intersection(template.variables):
        return text
    with translation.override(language):
        pattern, names = _pattern(str(getattr(template, part)))
    flat = " ".join(text.split())
    match = pattern.fullmatch(flat)
    if match is None:
        return REDACTED
    for index in reversed(range(len(names))):
        if names[index] in SECRET_VARIABLES:
            start, end = match.span(index + 1)
            flat = flat[:start] + REDACTED + flat[end:]
    return flat


@functools.lru_cache(maxsize=256)
def _pattern(source: str) -> tuple[re.Pattern, tuple[str, ...]]:
    """A regular expression that matches the text rendered from ``source`` (whitespace folded),
    one group per variable in order of appearance, and the variables' names. A secret's group
    is greedy, so that an ambiguous split hides more, not less."""
    pieces = _VARIABLE.split(" ".join(source.split()))
    regex, names = [], []
    for i, piece in enumerate(pieces):
        if i % 2 == 0:
            regex.append(re.escape(piece))
        else:
            names.append(piece)
            regex.append("(.*)" if piece in SECRET_VARIABLES else "(.*?)")
    return re.compile("".join(regex), re.DOTALL), tuple(names)


@functools.lru_cache(maxsize=256)
def _compiled(text: str):
    """Template text (one per template, part and language) compiled once per process."""
    return _engine.from_string(text)
