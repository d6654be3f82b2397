"""Queueing: same transaction, idempotent, routed by the resident's preference."""

from __future__ import annotations

import threading

import pytest
from django.db import connection, transaction
from django_tasks_db.models import DBTaskResult

from doorstep.notify.choices import Channel, Status
from doorstep.notify.models import Message
from doorstep.notify.outbox import queue_message
from doorstep.notify.templates import TEMPLATES, UnknownTemplate
from doorstep.people.choices import Preference


def test_rolled_back_event_leaves_no_message(db, booked):
    with pytest.raises(RuntimeError), transaction.atomic():
        queue_message(key="appt:1:booked", template="appointment_booked", context=booked)
        raise RuntimeError("the booking failed")
    assert not Message.objects.exists()


def test_same_event_twice_is_one_message(db, booked, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks() as callbacks:
        first = queue_message(key="appt:1:booked", template="appointment_booked", context=booked)
        again = queue_message(key="appt:1:booked", template="appointment_booked", context=booked)
    assert first.pk == again.pk
    assert Message.objects.count() == 1
    assert len(callbacks) == 1  # delivery scheduled once


def test_rendered_at_queue_time(db, booked):
    message = queue_message(key="k", template="appointment_booked", context=booked)
    assert message.language == "zh-hans"
    assert "高龄津贴申领" in message.subject
    for value in booked.values():
        assert value in message.body
    assert "{{" not in message.body


def test_templates_use_only_their_variables(db):
    import re

    from django.utils import translation

    for key, template in TEMPLATES.items():
        with translation.override(None):  # the source text, as written in templates.py
            source = f"{template.subject} {template.body}"
        used = set(re.findall(r"{{\s*(\w+)\s*}}", source))
        assert used == set(template.variables), key
        context = {name: f"<{name}>" for name in template.variables}
        message = queue_message(key=f"t:{key}", template=key, context=context)
        for value in context.values():
            assert value in f"{message.subject} {message.body}", (key, value)
        assert "{{" not in message.body


def test_unknown_template_is_refused(db):
    with pytest.raises(UnknownTemplate):
        queue_message(key="x", template="nope", context={})


def test_delivery_is_scheduled_after_commit_with_the_database_backend(
    db, booked, settings, django_capture_on_commit_callbacks
):
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    with django_capture_on_commit_callbacks(execute=True):
        message = queue_message(key="k", template="appointment_booked", context=booked)
    task = DBTaskResult.objects.get()
    assert task.task_path == "doorstep.notify.tasks.deliver_message"
    assert task.args_kwargs["args"] == [message.pk]
    message.refresh_from_db()
    assert message.status == Status.PENDING  # a db_worker will send it


def test_immediate_backend_sends_on_commit(
    db, booked, settings, caplog, django_capture_on_commit_callbacks
):
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
    caplog.set_level("INFO", logger="doorstep.notify")
    with django_capture_on_commit_callbacks(execute=True):
        message = queue_message(key="k", template="appointment_booked", context=booked)
        assert message.status == Status.PENDING
    message.refresh_from_db()
    assert message.status == Status.SENT
    assert "appointment_booked" in caplog.text


@pytest.mark.parametrize(
    ("kwargs", "channel", "address"),
    [
        ({}, Channel.LOG, ""),
        ({"phone": "13800138000"}, Channel.SMS, "13800138000"),
        ({"email": "a@example.com"}, Channel.EMAIL, "a@example.com"),
        ({"phone": "13800138000", "email": "a@example.com"}, Channel.SMS, "13800138000"),
        ({"phone": "13800138000", "channel": "email", "email": "a@b.cn"}, Channel.EMAIL, "a@b.cn"),
        ({"phone": "13800138000", "channel": "log"}, Channel.LOG, "13800138000"),
    ],
)
def test_channel_without_resident(db, booked, kwargs, channel, address):
    message = queue_message(key="k", template="appointment_booked", context=booked, **kwargs)
    assert (message.channel, message.address) == (channel, address)


def test_resident_preference_sms_uses_their_phone(make_resident, booked):
    resident = make_resident(mobile="13912345678")
    message = queue_message(
        key="k", template="appointment_booked", context=booked, resident=resident
    )
    assert (message.channel, message.address) == (Channel.SMS, "13912345678")
    assert message.resident == resident


def test_resident_preference_email(make_resident, booked):
    resident = make_resident(mobile="13912345678")
    resident.notify_channel = Preference.EMAIL
    resident.save(update_fields=["notify_channel"])
    message = queue_message(
        key="k", template="appointment_booked", context=booked, resident=resident, email="z@x.cn"
    )
    assert (message.channel, message.address) == (Channel.EMAIL, "z@x.cn")


def test_resident_who_wants_none_is_recorded_not_sent(
    make_resident, booked, django_capture_on_commit_callbacks
):
    resident = make_resident(mobile="13912345678")
    resident.notify_channel = Preference.NONE
    resident.save(update_fields=["notify_channel"])
    with django_capture_on_commit_callbacks() as callbacks:
        message = queue_message(
            key="k", template="appointment_booked", context=booked, resident=resident
        )
    assert message.status == Status.SKIPPED
    assert message.last_error
    assert callbacks == []


@pytest.mark.skipif(connection.vendor != "postgresql", reason="needs concurrent transactions")
@pytest.mark.django_db(transaction=True)
def test_concurrent_enqueue_is_one_message(booked):
    barrier = threading.Barrier(6)
    errors: list[Exception] = []

    def enqueue() -> None:
        try:
            with transaction.atomic():
                barrier.wait()
                queue_message(key="appt:9:booked", template="appointment_booked", context=booked)
        except Exception as e:  # pragma: no cover - reported below
            errors.append(e)
        finally:
            connection.close()

    threads = [threading.Thread(target=enqueue) for _ in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert Message.objects.filter(idempotency_key="appt:9:booked").count() == 1
