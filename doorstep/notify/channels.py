"""The ways a message leaves the building. Each ``send_*`` returns normally when the message
was accepted, raises ``PermanentError`` when retrying cannot help (bad configuration, a
rejected address) and any other exception for a failure worth retrying."""

from __future__ import annotations

import json
import logging
import urllib.error
import urllib.request

from django.conf import settings
from django.core.mail import send_mail
from django.utils.translation import gettext as _

from doorstep.core import phone

from . import templates
from .choices import Channel
from .models import Message

logger = logging.getLogger("doorstep.notify")


class PermanentError(Exception):
    """Retrying will not help; an administrator must fix something."""


def masked_address(address: str) -> str:
    """An address fit for a log: a mobile as 138****5678, an email as z***@example.cn,
    anything else not at all (DESIGN.md §6: full numbers never go into logs)."""
    if not address:
        return "-"
    if "@" in address:
        local, _at, domain = address.rpartition("@")
        return f"{local[:1]}***@{domain}"
    number = phone.normalize(address)
    return phone.mask(number) if len(number) == 11 and number.isdigit() else "***"


def send_log(message: Message) -> None:
    """Write the message to the log, without what the log must not hold: the address is
    masked and codes, receipts, links and names are replaced (``templates.redact``)."""
    logger.info(
        "notify %s to %s [%s] %s: %s %s",
        message.channel,
        masked_address(message.address),
        message.idempotency_key,
        message.template,
        templates.redact(
            message.template, message.subject, part="subject", language=message.language
        ),
        templates.redact(message.template, message.body, part="body", language=message.language),
    )


def send_email(message: Message) -> None:
    if not message.address:
        raise PermanentError(_("No email address for this message."))
    send_mail(message.subject, message.body, None, [message.address])


def _json_escape(value: str) -> str:
    return json.dumps(value, ensure_ascii=False)[1:-1]


def signature() -> str:
    """The sender's signature 【…】 that Chinese SMS rules require at the head of a message."""
    name = settings.DOORSTEP_SMS_SIGNATURE.strip().strip("【】[]").strip() or "家门口"
    return f"【{name}】"


def signed(body: str) -> str:
    """``body`` with the signature in front, and no other 【…】 in it: a gateway must not be
    able to read a second signature out of a service's name or a reason."""
    return signature() + body.replace("【", "[").replace("】", "]")


def sms_request(message: Message) -> urllib.request.Request:
    url = settings.DOORSTEP_SMS_URL
    if not url:
        raise PermanentError(_("SMS is not configured: set DOORSTEP_SMS_URL."))
    if not url.startswith(("http://", "https://")):
        raise PermanentError(_("DOORSTEP_SMS_URL must be an http or https address."))
    if not message.address:
        raise PermanentError(_("No mobile number for this message."))
    payload = settings.DOORSTEP_SMS_TEMPLATE.replace(
        "{phone}", _json_escape(message.address)
    ).replace("{body}", _json_escape(signed(message.body)))
    try:
        json.loads(payload)
    except ValueError as e:
        raise PermanentError(_("DOORSTEP_SMS_TEMPLATE is not valid JSON: %s") % e) from e
    headers = {"Content-Type": "application/json; charset=utf-8"}
    if auth := settings.DOORSTEP_SMS_AUTH_HEADER:
        name, _sep, value = auth.partition(":")
        headers[name.strip()] = value.strip()
    return urllib.request.Request(url, data=payload.encode(), headers=headers, method="POST")


def send_sms(message: Message) -> None:
    request = sms_request(message)
    try:
        with urllib.request.urlopen(request, timeout=settings.DOORSTEP_SMS_TIMEOUT) as response:
            response.read(1024)
    except urllib.error.HTTPError as e:
        # 4xx other than timeout/throttling means the gateway refuses this request as it is.
        if 400 <= e.code < 500 and e.code not in (408, 429):
            raise PermanentError(_("The SMS gateway refused the message: HTTP %s") % e.code) from e
        raise RuntimeError(f"SMS gateway answered HTTP {e.code}") from e


SENDERS = {Channel.LOG: send_log, Channel.EMAIL: send_email, Channel.SMS: send_sms}


def send(message: Message) -> None:
    if settings.DOORSTEP_NOTIFY_LOG_ONLY:
        send_log(message)
    else:
        SENDERS[Channel(message.channel)](message)
