"""Delivery: each channel, sending once, retries with backoff, and the sweep."""

from __future__ import annotations

import datetime
import threading

import pytest
import time_machine
from django.core import mail
from django.core.management import call_command
from django.db import connection
from django.utils import timezone

from doorstep.notify.choices import Status
from doorstep.notify.models import Message
from doorstep.notify.outbox import LEASE, queue_message, retry_messages, send_message

START = datetime.datetime(2025, 3, 3, 9, 0, tzinfo=datetime.UTC)


def queue(booked, key="appt:1:booked", **kwargs) -> Message:
    return queue_message(key=key, template="appointment_booked", context=booked, **kwargs)


def test_log_channel(db, booked, caplog):
    caplog.set_level("INFO", logger="doorstep.notify")
    message = queue(booked)
    assert send_message(message.pk) == Status.SENT
    message.refresh_from_db()
    assert (message.status, message.attempts) == (Status.SENT, 1)
    assert message.sent_at is not None
    assert "appointment_booked" in caplog.text
    assert "K7Q2" not in caplog.text  # a booking code never goes into the log


def test_email_channel(db, booked):
    message = queue(booked, email="resident@example.com")
    assert send_message(message.pk) == Status.SENT
    [email] = mail.outbox
    assert email.to == ["resident@example.com"]
    assert email.subject == message.subject
    assert "K7Q2" in email.body


def test_sent_once_even_when_delivered_twice(db, booked):
    message = queue(booked, email="resident@example.com")
    assert send_message(message.pk) == Status.SENT
    assert send_message(message.pk) == Status.SENT
    assert len(mail.outbox) == 1


def test_missing_message(db):
    assert send_message(999999) == "missing"


@pytest.mark.skipif(connection.vendor != "postgresql", reason="needs concurrent transactions")
@pytest.mark.django_db(transaction=True)
def test_concurrent_workers_send_once(booked):
    message = queue(booked, email="resident@example.com")
    barrier = threading.Barrier(8)
    results: list[str] = []

    def work() -> None:
        try:
            barrier.wait()
            results.append(send_message(message.pk))
        finally:
            connection.close()

    threads = [threading.Thread(target=work) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(mail.outbox) == 1
    assert len(results) == 8
    message.refresh_from_db()
    assert (message.status, message.attempts) == (Status.SENT, 1)


def test_sms_channel(db, booked, gateway):
    message = queue(booked, phone="13800138000")
    assert send_message(message.pk) == Status.SENT
    [request] = gateway.received
    assert request["json"] == {"phone": "13800138000", "text": "【家门口】" + message.body}
    assert request["headers"]["Authorization"] == "Bearer test-token"


def test_sms_template_is_json_escaped(db, gateway, settings):
    settings.DOORSTEP_SMS_TEMPLATE = (
        '{"to": "{phone}", "msg": {"text": "{body}"}, "sign": "家门口"}'
    )
    context = {"service": 'Quote "me" \\ now', "desk": "d"}
    message = queue_message(key="k", template="appointment_booked", context=context, phone="1")
    assert send_message(message.pk) == Status.SENT
    assert 'Quote "me" \\ now' in gateway.received[0]["json"]["msg"]["text"]


def test_sms_200_then_500_retries_with_backoff_then_dead(db, booked, gateway, settings):
    settings.DOORSTEP_NOTIFY_MAX_ATTEMPTS = 3
    settings.DOORSTEP_NOTIFY_BACKOFF = 60
    gateway.codes = [200, 500, 500, 500]
    with time_machine.travel(START, tick=False) as traveller:
        first = queue(booked, key="a", phone="13800138000")
        assert send_message(first.pk) == Status.SENT

        second = queue(booked, key="b", phone="13800138000")
        assert send_message(second.pk) == Status.PENDING
        second.refresh_from_db()
        assert second.attempts == 1
        assert second.next_attempt_at == START + datetime.timedelta(seconds=60)
        assert "500" in second.last_error

        assert send_message(second.pk) == Status.PENDING  # not due yet: nothing sent
        assert len(gateway.received) == 2

        traveller.shift(datetime.timedelta(seconds=60))
        assert send_message(second.pk) == Status.PENDING
        second.refresh_from_db()
        assert second.next_attempt_at == timezone.now() + datetime.timedelta(seconds=120)

        traveller.shift(datetime.timedelta(seconds=120))
        assert send_message(second.pk) == Status.DEAD
        second.refresh_from_db()
        assert (second.status, second.attempts) == (Status.DEAD, 3)
    assert len(gateway.received) == 4


def test_gateway_unreachable_is_retried(db, booked, settings):
    settings.DOORSTEP_SMS_URL = "http://127.0.0.1:9/unreachable"  # discard port: refused
    settings.DOORSTEP_SMS_TIMEOUT = 2
    message = queue(booked, phone="13800138000")
    assert send_message(message.pk) == Status.PENDING
    message.refresh_from_db()
    assert message.last_error


def test_gateway_refusal_is_permanent(db, booked, gateway):
    gateway.codes = [400]
    message = queue(booked, phone="13800138000")
    assert send_message(message.pk) == Status.FAILED
    message.refresh_from_db()
    assert "400" in message.last_error


def test_sms_not_configured_fails_clearly(db, booked, settings):
    settings.DOORSTEP_SMS_URL = ""
    message = queue(booked, phone="13800138000")
    assert send_message(message.pk) == Status.FAILED
    message.refresh_from_db()
    assert message.status == Status.FAILED
    assert "DOORSTEP_SMS_URL" in message.last_error


def test_log_only_setting_sends_nothing_out(db, booked, settings, caplog):
    settings.DOORSTEP_SMS_URL = ""
    settings.DOORSTEP_NOTIFY_LOG_ONLY = True
    caplog.set_level("INFO", logger="doorstep.notify")
    message = queue(booked, phone="13800138000")
    assert send_message(message.pk) == Status.SENT
    assert "138****8000" in caplog.text
    assert "13800138000" not in caplog.text


def test_retry_puts_failed_back(db, booked, settings, gateway):
    settings.DOORSTEP_SMS_URL = ""
    message = queue(booked, phone="13800138000")
    send_message(message.pk)
    settings.DOORSTEP_SMS_URL = gateway.url
    assert retry_messages(Message.objects.all()) == 1
    assert send_message(message.pk) == Status.SENT


def test_sweep_sends_due_messages_and_reclaims_expired_leases(db, booked, capsys):
    with time_machine.travel(START, tick=False) as traveller:
        queue(booked, key="due", email="a@example.com")
        later = queue(booked, key="later", email="b@example.com")
        Message.objects.filter(pk=later.pk).update(
            next_attempt_at=START + datetime.timedelta(hours=1)
        )
        stuck = queue(booked, key="stuck", email="c@example.com")
        Message.objects.filter(pk=stuck.pk).update(
            status=Status.SENDING, next_attempt_at=START + LEASE
        )
        call_command("deliver_messages")
        assert [m.to for m in mail.outbox] == [["a@example.com"]]
        assert "sent: 1" in capsys.readouterr().out

        traveller.shift(LEASE)
        call_command("deliver_messages")
        assert sorted(m.to[0] for m in mail.outbox) == ["a@example.com", "c@example.com"]
    statuses = dict(Message.objects.values_list("idempotency_key", "status"))
    assert statuses == {"due": "sent", "later": "pending", "stuck": "sent"}


def test_outbox_admin_is_for_superusers(db, booked, client, django_user_model, settings):
    settings.DOORSTEP_SMS_URL = ""
    message = queue(booked, phone="13800138000")
    send_message(message.pk)
    staff = django_user_model.objects.create_user("staff", password="pw", is_staff=True)
    client.force_login(staff)
    assert client.get("/admin/notify/message/").status_code == 403
    root = django_user_model.objects.create_superuser("root", password="pw")
    client.force_login(root)
    assert client.get("/admin/notify/message/").status_code == 200
    assert client.get(f"/admin/notify/message/{message.pk}/change/").status_code == 200
    assert client.get("/admin/notify/message/add/").status_code == 403
    response = client.post(
        "/admin/notify/message/",
        {"action": "retry", "_selected_action": [message.pk]},
    )
    assert response.status_code == 302
    message.refresh_from_db()
    assert (message.status, message.attempts) == (Status.PENDING, 0)


@pytest.mark.parametrize("setting", ["【汉阳区】", "汉阳区", " [汉阳区] "])
def test_every_sms_carries_exactly_one_signature(db, gateway, settings, setting):
    settings.DOORSTEP_SMS_SIGNATURE = setting
    context = {"service": "【假冒】高龄津贴", "desk": "d", "date": "", "time": "", "code": "C"}
    message = queue_message(key="k", template="appointment_booked", context=context, phone="1")
    assert send_message(message.pk) == Status.SENT
    text = gateway.received[0]["json"]["text"]
    assert text.startswith("【汉阳区】")
    assert text.count("【") == 1 and text.count("】") == 1


def test_the_default_signature_is_the_products(db, gateway):
    context = {"service": "s", "desk": "d", "date": "", "time": "", "code": "C"}
    message = queue_message(key="k", template="appointment_booked", context=context, phone="1")
    send_message(message.pk)
    assert gateway.received[0]["json"]["text"].startswith("【家门口】")
