"""The messages programmes send: signed by the department (or the programme's signature), a
grant says how and when the money arrives, and no text repeats the programme's own words."""

from __future__ import annotations

from django.utils import translation

from doorstep.notify.models import Message
from doorstep.notify.templates import TEMPLATES, render
from doorstep.proactive import actions
from doorstep.proactive.tests import test_views as shared

world = shared.world


def body(resident, template: str) -> str:
    return Message.objects.filter(resident=resident, template=template).get().body


def test_a_grant_says_how_much_how_and_when_and_who_sends_it(world):
    programme = world.programme
    programme.payment_method = "打入本人社会保障卡"
    programme.payment_timing = "次月15日前"
    programme.signature = "汉阳区民政局"
    programme.save(update_fields=["payment_method", "payment_timing", "signature"])
    actions.do_run_programme(programme)
    text = body(world.old_a, "programme_granted")
    assert "Amount: 50.00 yuan a month, 打入本人社会保障卡, arriving 次月15日前." in text
    assert text.endswith("— 汉阳区民政局")


def test_without_a_signature_the_department_signs(world):
    actions.do_run_programme(world.programme)
    assert body(world.old_a, "programme_granted").endswith(f"— {world.programme.department.name}")


def test_a_reminder_does_not_repeat_the_programme_s_words(world, make_programme):
    remind = make_programme("senior-card", "age >= 80", kind="remind", name="提醒办理老年人优待证")
    actions.do_run_programme(remind)
    message = Message.objects.filter(resident=world.old_a, template="programme_reminder").get()
    assert message.body.count("提醒") == 1 and "reminder about" not in message.body
    assert "提醒" not in message.subject
    # In Chinese too: the programme's name is quoted, not wrapped in 提醒您关注.
    with translation.override("zh-hans"):
        template = str(TEMPLATES["programme_reminder"].body)
    assert "提醒您关注" not in template


def test_every_programme_template_renders_with_its_variables():
    for key, template in TEMPLATES.items():
        if not key.startswith("programme_"):
            continue
        context = {name: f"<{name}>" for name in template.variables}
        subject, text = render(key, context, language="en")
        assert "{{" not in subject + text, key
        assert "<sender>" in text, key
