"""The log channel keeps personal data out of the log (DESIGN.md §6): the mobile number is
masked and the codes, receipts, links and names a message carries are replaced."""

from __future__ import annotations

import pytest

from doorstep.notify.channels import masked_address
from doorstep.notify.choices import Status
from doorstep.notify.outbox import queue_message, send_message
from doorstep.notify.templates import REDACTED, TEMPLATES, redact, render

PHONE = "13581234567"


@pytest.fixture
def log_only(settings, caplog):
    settings.DOORSTEP_SMS_URL = ""
    settings.DOORSTEP_NOTIFY_LOG_ONLY = True
    caplog.set_level("INFO", logger="doorstep.notify")
    return caplog


def deliver(template: str, context: dict, **kwargs) -> str:
    message = queue_message(key=f"t:{template}", template=template, context=context, **kwargs)
    assert send_message(message.pk) == Status.SENT
    return message.body


def test_sms_delivery_logs_a_masked_number(db, booked, log_only):
    deliver("appointment_booked", booked, phone=PHONE)
    assert PHONE not in log_only.text
    assert "135****4567" in log_only.text
    assert "appointment_booked" in log_only.text


@pytest.mark.parametrize("language", ["zh-hans", "zh-hant", "en"])
def test_booking_code_is_not_logged(db, booked, log_only, language, settings):
    settings.LANGUAGE_CODE = language
    body = deliver("appointment_booked", booked, phone=PHONE)
    assert "K7Q2" in body  # the resident gets it
    assert "K7Q2" not in log_only.text
    assert PHONE not in log_only.text
    assert REDACTED in log_only.text
    assert "二印小区服务台" in log_only.text  # what is not secret stays readable


def test_one_time_code_is_not_logged(db, log_only):
    context = {"otp": "835261", "minutes": 10, "service": "高龄津贴"}
    context |= {"date": "2025-03-04", "time": "09:30"}
    body = deliver("appointment_otp", context, phone=PHONE)
    assert "835261" in body
    assert "835261" not in log_only.text
    assert PHONE not in log_only.text


def test_tracking_receipt_and_name_are_not_logged(db, log_only):
    # The receipt with the mobile's last four (left by the mask) would open the tracking page.
    context = {"name": "龚建国", "service": "高龄津贴", "receipt": "2503-000042", "due": "3月20日"}
    deliver("case_accepted", context, phone=PHONE)
    assert "2503-000042" not in log_only.text
    assert "龚建国" not in log_only.text
    assert PHONE not in log_only.text


def test_rating_link_is_not_logged(db, log_only):
    link = "https://example.cn/r/AbCdEf123456/"
    deliver("rating_invite", {"reference": "2503-000042", "link": link}, phone=PHONE)
    assert "AbCdEf123456" not in log_only.text


def test_every_template_with_a_secret_redacts_it():
    for key, template in TEMPLATES.items():
        context = {name: f"SECRET{i}value" for i, name in enumerate(template.variables)}
        for language in ("zh-hans", "zh-hant", "en"):
            subject, body = render(key, context, language=language)
            for part, text in (("subject", subject), ("body", body)):
                logged = redact(key, text, part=part, language=language)
                for i, name in enumerate(template.variables):
                    if name in {"otp", "code", "receipt", "link", "name"}:
                        assert f"SECRET{i}value" not in logged, (key, language, part)


def test_text_that_does_not_match_its_template_is_withheld():
    assert redact("appointment_otp", "code 123456", part="body", language="en") == REDACTED
    assert redact("no_such_template", "code 123456", part="body", language="en") == REDACTED


@pytest.mark.parametrize(
    ("address", "logged"),
    [
        ("", "-"),
        ("13800138000", "138****8000"),
        ("+86 138 0013 8000", "138****8000"),
        ("zhang.san@example.cn", "z***@example.cn"),
        ("12345", "***"),
    ],
)
def test_masked_address(address, logged):
    assert masked_address(address) == logged
