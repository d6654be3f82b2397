"""The outbox API: ``queue_message`` in the caller's transaction, ``send_message`` in a task or
sweep.

Delivery is at most once per claim: a worker first moves the row from ``pending`` to ``sending``
with a status-guarded UPDATE, and only the worker whose UPDATE matched sends it, so two workers
(or a task and the ``deliver_messages`` sweep) never both send one message. A worker that dies
mid-send leaves the row ``sending`` until its lease (``LEASE``) runs out; the sweep then puts it
back to ``pending`` — the one case where a message may go out twice, which beats losing it.

Resident preference ``none``: the message is still written (so the event is on record) with
status ``skipped`` and the reason in ``last_error``; nothing is sent. Only an explicit
``channel="log"`` still goes to the log.
"""

from __future__ import annotations

import datetime
import logging
import re
from functools import partial

from django.conf import settings
from django.db import transaction
from django.db.models import Case as Choose
from django.db.models import CharField, Expression, F, Q, QuerySet, TextField, Value, When
from django.db.models.functions import Concat, Left
from django.utils import timezone
from django.utils.translation import gettext as _

from doorstep.people.choices import Preference

from . import channels, templates
from .choices import Channel, Status
from .models import Message

logger = logging.getLogger("doorstep.notify")

LEASE = datetime.timedelta(minutes=10)
MAX_BACKOFF = datetime.timedelta(hours=6)


def _route(resident, phone: str, email: str, channel: str | None) -> tuple[str, str, str]:
    """(channel, address, reason not to send) for a new message."""
    phone = phone or (getattr(resident, "phone", "") or "")
    preference = getattr(resident, "notify_channel", None)
    addresses = {Channel.SMS: phone, Channel.EMAIL: email}
    if channel is None:
        if preference in (Preference.SMS, Preference.EMAIL) and addresses[preference]:
            channel = preference
        else:
            channel = Channel.SMS if phone else Channel.EMAIL if email else Channel.LOG
    channel = Channel(channel)
    address = addresses.get(channel) or phone or email
    if preference == Preference.NONE and channel != Channel.LOG:
        return channel, address, _("The resident chose not to receive notifications.")
    return channel, address, ""


def build_message(
    *,
    template: str,
    context: dict,
    resident=None,
    phone: str = "",
    email: str = "",
    channel: str | None = None,
) -> Message:
    """The message, rendered and routed but not saved and without its key: for a caller that
    prepares it before its transaction and saves it inside (``save_fresh``). The text is
    rendered now, in the recipient's language; see ``queue_message`` for the routing."""
    language = getattr(resident, "language", "") or settings.LANGUAGE_CODE
    subject, body = templates.render(template, context, language=language)
    channel, address, reason = _route(resident, phone, email, channel)
    return Message(
        channel=channel,
        resident=resident,
        address=address,
        template=template,
        language=language,
        subject=subject[:200],
        body=body,
        status=Status.SKIPPED if reason else Status.PENDING,
        last_error=reason,
    )


def save_fresh(message: Message, *, key: str) -> Message:
    """Insert a built message under ``key``, a key that cannot exist yet (its event was created
    in this very transaction: a duplicate fails the transaction), and deliver it after commit."""
    if not key:
        raise ValueError("a message needs an idempotency key")
    message.idempotency_key = key[:200]
    message.save(force_insert=True)
    if message.status == Status.PENDING:
        transaction.on_commit(partial(enqueue_delivery, message.pk))
    return message


def queue_message(
    *,
    key: str,
    template: str,
    context: dict,
    resident=None,
    phone: str = "",
    email: str = "",
    channel: str | None = None,
) -> Message:
    """Write a message to the outbox and deliver it once the caller's transaction commits.

    Call it inside the transaction that records the event, so that a rolled-back event leaves
    no message. ``key`` identifies the event: queueing the same key again returns the first
    message and sends nothing more. The text is rendered now, in the recipient's language.
    The channel is ``channel`` if given, else the resident's preference when there is an
    address for it, else SMS when there is a phone number, email when there is an address,
    and the log otherwise.
    """
    if not key:
        raise ValueError("queue_message needs an idempotency key")
    built = build_message(
        template=template,
        context=context,
        resident=resident,
        phone=phone,
        email=email,
        channel=channel,
    )
    fields = {f.attname: getattr(built, f.attname) for f in Message._meta.concrete_fields}
    for name in ("id", "idempotency_key"):
        fields.pop(name)
    message, created = Message.objects.get_or_create(idempotency_key=key[:200], defaults=fields)
    if created and message.status == Status.PENDING:
        transaction.on_commit(partial(enqueue_delivery, message.pk))
    return message


def template_expression(text: str, placeholders: dict[str, Expression]) -> Expression:
    """The SQL expression for ``text`` in which each key of ``placeholders`` (a sentinel
    string) stands for its expression: the constant pieces as values, concatenated."""
    if not placeholders:
        return Value(text, output_field=TextField())
    pattern = re.compile("|".join(re.escape(s) for s in placeholders))
    parts: list[Expression] = []
    position = 0
    for match in pattern.finditer(text):
        if match.start() > position:
            parts.append(Value(text[position : match.start()]))
        parts.append(placeholders[match.group()])
        position = match.end()
    if position < len(text):
        parts.append(Value(text[position:]))
    if len(parts) == 1:
        parts.append(Value(""))
    return Concat(*parts, output_field=TextField())


def sentinel(n: int) -> str:
    # Private-use characters: never in a translation, untouched by the template engine and by
    # render()'s whitespace folding.
    return f"\ue000{n}\ue001"


def queue_from_queryset(
    queryset: QuerySet,
    *,
    key: Expression,
    template: str,
    context: dict[str, Expression],
    channel: Expression,
    address: Expression,
    language: str | None = None,
    resident: Expression | None = None,
    status: Expression | None = None,
    last_error: Expression | None = None,
) -> int:
    """Write one outbox message per row of ``queryset`` in one ``INSERT … SELECT``; returns
    how many were written. The set-based twin of ``queue_message``, for sweeps that notify
    thousands of staff members at once (their address and channel are columns, so resident
    preferences do not apply: for residents use ``queue_message``).

    ``key``, ``channel``, ``address`` and each variable of ``context`` are expressions over
    ``queryset``'s model (``F("handler__email")``, ``Concat(…)``; give text, cast dates and
    numbers). The template is rendered once, in ``language`` (default: the site's), with a
    sentinel in place of each variable; the text around the sentinels becomes constant
    values concatenated with the variables' expressions, so the database writes each
    message's text. A key already in the outbox is skipped (``ON CONFLICT DO NOTHING``), so a
    repeated run writes nothing twice.

    The messages are left ``pending`` and due now: the ``deliver_messages`` sweep sends them
    (no task per message is enqueued; a sweep that writes 50,000 messages should not queue
    50,000 tasks in the same transaction).

    For messages to residents, ``resident``, ``status`` and ``last_error`` (expressions too)
    link each message to its resident and mark those who chose no notifications as skipped:
    ``resident_route("resident__")`` gives all five routing arguments.
    """
    from doorstep.core.bulk import insert_from

    language = language or settings.LANGUAGE_CODE
    spec = templates.TEMPLATES.get(template)
    if spec is None:
        raise templates.UnknownTemplate(template)
    if set(context) != set(spec.variables):
        raise ValueError(f"template {template} takes {spec.variables}, not {sorted(context)}")
    sentinels = {name: sentinel(n) for n, name in enumerate(spec.variables)}
    subject, body = templates.render(template, sentinels, language=language)
    placeholders = {sentinels[name]: context[name] for name in spec.variables}
    now = timezone.now()
    columns = {
        "channel": channel,
        "address": address,
        "template": Value(template),
        "language": Value(language),
        "subject": Left(template_expression(subject, placeholders), 200),
        "body": template_expression(body, placeholders),
        "idempotency_key": Left(key, 200),
        "status": Value(Status.PENDING.value) if status is None else status,
        "attempts": Value(0),
        "next_attempt_at": Value(now),
        "last_error": Value("") if last_error is None else last_error,
        "created_at": Value(now),
    }
    if resident is not None:
        columns["resident"] = resident
    rows = queryset.values(**{f"outbox_{name}": expr for name, expr in columns.items()})
    return insert_from(Message, list(columns), rows, ignore_conflicts=True)


def resident_route(prefix: str = "") -> dict[str, Expression]:
    """``channel``, ``address``, ``resident``, ``status`` and ``last_error`` expressions for
    ``queue_from_queryset`` over rows that lead to a resident through ``prefix``
    (``"resident__"`` from an entitlement, ``""`` over residents): the set-based twin of
    ``queue_message``'s routing. Residents have a phone number and no email address, so a
    message goes by SMS when there is a number and to the log otherwise; a resident whose
    preference is "none" gets the message written as ``skipped``, with the reason."""
    phone = F(f"{prefix}phone")
    has_phone = ~Q(**{f"{prefix}phone": ""})
    silent = Q(has_phone, **{f"{prefix}notify_channel": Preference.NONE.value})
    reason = _("The resident chose not to receive notifications.")
    return {
        "channel": Choose(
            When(has_phone, then=Value(Channel.SMS.value)),
            default=Value(Channel.LOG.value),
            output_field=CharField(),
        ),
        "address": phone,
        "resident": F(f"{prefix}id" if prefix else "pk"),
        "status": Choose(
            When(silent, then=Value(Status.SKIPPED.value)),
            default=Value(Status.PENDING.value),
            output_field=CharField(),
        ),
        "last_error": Choose(
            When(silent, then=Value(reason)), default=Value(""), output_field=TextField()
        ),
    }


def enqueue_delivery(message_id: int, run_after: datetime.datetime | None = None) -> None:
    """Hand a message to the task backend. A failure here loses nothing: the row stays
    pending and the ``deliver_messages`` sweep sends it."""
    from .tasks import deliver_message

    try:
        task = deliver_message
        if run_after is not None:
            if not task.get_backend().supports_defer:
                return  # the sweep will pick it up when it is due
            task = task.using(run_after=run_after)
        task.enqueue(message_id)
    except Exception:
        logger.exception("Could not enqueue delivery of message %s", message_id)


def _claim(message_id: int) -> Message | None:
    now = timezone.now()
    claimed = Message.objects.filter(
        pk=message_id, status=Status.PENDING, next_attempt_at__lte=now
    ).update(status=Status.SENDING, attempts=F("attempts") + 1, next_attempt_at=now + LEASE)
    return Message.objects.get(pk=message_id) if claimed else None


def _backoff(attempts: int) -> datetime.timedelta:
    delay = datetime.timedelta(seconds=settings.DOORSTEP_NOTIFY_BACKOFF * 2 ** (attempts - 1))
    return min(delay, MAX_BACKOFF)


def _finish(message: Message, **fields) -> None:
    Message.objects.filter(pk=message.pk, status=Status.SENDING).update(**fields)


def send_message(message_id: int) -> str:
    """Send one message if it is due and not held by another worker; returns its status."""
    message = _claim(message_id)
    if message is None:
        current = Message.objects.filter(pk=message_id).values_list("status", flat=True).first()
        return current or "missing"
    try:
        channels.send(message)
    except channels.PermanentError as e:
        _finish(message, status=Status.FAILED, last_error=str(e))
        logger.warning("Message %s failed: %s", message.pk, e)
        return Status.FAILED
    except Exception as e:
        error = f"{type(e).__name__}: {e}"[:2000]
        if message.attempts >= settings.DOORSTEP_NOTIFY_MAX_ATTEMPTS:
            _finish(message, status=Status.DEAD, last_error=error)
            logger.error("Message %s dead after %s attempts: %s", message.pk, message.attempts, e)
            return Status.DEAD
        due = timezone.now() + _backoff(message.attempts)
        _finish(message, status=Status.PENDING, next_attempt_at=due, last_error=error)
        enqueue_delivery(message.pk, run_after=due)
        return Status.PENDING
    _finish(message, status=Status.SENT, sent_at=timezone.now(), last_error="")
    return Status.SENT


def deliver_due(*, limit: int = 500) -> dict[str, int]:
    """The sweep: take back expired leases, then send the due pending messages (oldest due
    first). Safe to run in several processes at once: each message is claimed before sending."""
    now = timezone.now()
    reclaimed = Message.objects.filter(status=Status.SENDING, next_attempt_at__lte=now).update(
        status=Status.PENDING
    )
    due = list(
        Message.objects.filter(status=Status.PENDING, next_attempt_at__lte=now)
        .order_by("next_attempt_at", "id")
        .values_list("pk", flat=True)[:limit]
    )
    counts = {"reclaimed": reclaimed}
    for pk in due:
        status = send_message(pk)
        counts[status] = counts.get(status, 0) + 1
    return counts


@transaction.atomic
def retry_messages(messages: QuerySet[Message]) -> int:
    """Put failed and dead messages back in the queue, with a fresh count of attempts."""
    ids = list(
        messages.filter(status__in=[Status.FAILED, Status.DEAD]).values_list("pk", flat=True)
    )
    Message.objects.filter(pk__in=ids).update(
        status=Status.PENDING, attempts=0, next_attempt_at=timezone.now()
    )
    for pk in ids:
        transaction.on_commit(partial(enqueue_delivery, pk))
    return len(ids)
