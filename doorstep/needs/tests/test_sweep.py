"""The escalation sweep: overdue needs climb one level, once, with a new deadline; owners and
the leads of the next level are told once; a stopped clock never escalates."""

from __future__ import annotations

import datetime

import pytest
from django.core.management import call_command

from doorstep.needs import actions
from doorstep.needs.actions import do_escalate_needs
from doorstep.needs.metrics import level_history
from doorstep.needs.models import Need, NeedCategory, NeedEvent
from doorstep.notify.models import Message

pytestmark = pytest.mark.django_db


def test_overdue_need_climbs_once(make_need, personas, frozen):
    need = make_need(category="emergency")
    paused = make_need(category="emergency")
    actions.do_transition(paused, "pause", actor=personas.grid_a, reason="等居民")
    assert do_escalate_needs() == 0
    frozen.shift(datetime.timedelta(hours=3))
    assert do_escalate_needs() == 1
    assert do_escalate_needs() == 0  # the new deadline is two hours away
    need.refresh_from_db()
    assert need.level == 2
    assert need.feedback_due_at == need.level_since + datetime.timedelta(hours=2)
    event = NeedEvent.objects.get(need=need, kind="escalated")
    assert event.level == 2
    message = Message.objects.get(template="need_escalated")
    assert message.idempotency_key == f"need:{need.pk}:level:2"
    assert "Property management" in message.body
    assert Need.objects.get(pk=paused.pk).level == 1


def test_ladder_reaches_the_top_and_stops(make_need, personas, frozen):
    need = make_need(category="emergency")
    for _ in range(6):
        frozen.shift(datetime.timedelta(hours=3))
        do_escalate_needs()
    need.refresh_from_db()
    assert need.level == 5
    spells = level_history(need)
    assert [s.level for s in spells] == [1, 2, 3, 4, 5]
    assert spells[0].duration() == datetime.timedelta(hours=3)
    # The street lead hears of needs at the street level or above, once per run.
    digests = Message.objects.filter(template="needs_escalated_digest")
    assert digests.count() >= 1
    owner_messages = Message.objects.filter(template="need_escalated", address="")
    assert owner_messages.exclude(idempotency_key__contains=":user:").count() == 4


def test_command(make_need, frozen, capsys):
    make_need(category="emergency")
    frozen.shift(datetime.timedelta(hours=3))
    call_command("escalate_needs")
    assert "1 need escalated" in capsys.readouterr().out


# ---- the next level is told once ---------------------------------------------------------------


def _climb(frozen, times: int) -> None:
    for _ in range(times):
        frozen.shift(datetime.timedelta(hours=3))
        do_escalate_needs()


def _reviewer(django_user_model, name: str, area, department):
    from doorstep.staff.models import RoleGrant

    user = django_user_model.objects.create_user(name, password="pw", email=f"{name}@gov.cn")
    RoleGrant.objects.create(user=user, role="reviewer", area=area, department=department)
    return user


def test_property_management_told_once_without_resident_data(make_need, body, personas, frozen):
    from doorstep.needs.models import ExternalBody

    # Not told of A's need: another compound's company, an inactive one, a water company.
    ExternalBody.objects.create(name="晴川物业", kind="property", area=personas.compound_b,
                                email="qc@example.cn")  # fmt: skip
    ExternalBody.objects.create(name="旧物业", kind="property", area=personas.area_a,
                                email="old@example.cn", active=False)  # fmt: skip
    ExternalBody.objects.create(name="水务", kind="water", area=personas.compound_a,
                                email="water@example.cn")  # fmt: skip
    need = make_need(category="emergency")
    other = make_need(category="emergency", actor=personas.grid_b)
    _climb(frozen, 4)
    told = Message.objects.filter(idempotency_key__endswith=":property").order_by("pk")
    assert {(m.idempotency_key, m.channel, m.address) for m in told} == {
        (f"need:{need.pk}:level:2:property", "email", "wuye@example.cn"),
        (f"need:{other.pk}:level:2:property", "email", "qc@example.cn"),
    }
    told = told.filter(address="wuye@example.cn")
    text = told[0].subject + told[0].body
    assert f"#{need.pk}" in text and "紧急险情" in text and personas.compound_a.name in text
    assert "张阿姨" not in text and "13912345678" not in text and "楼道灯" not in text
    assert Need.objects.get(pk=need.pk).level == 5


def test_property_company_nearest_first_and_by_phone(make_need, personas, frozen):
    from doorstep.needs.models import ExternalBody

    ExternalBody.objects.create(name="社区物业", kind="property", area=personas.area_a,
                                email="community@example.cn")  # fmt: skip
    ExternalBody.objects.create(name="小区物业", kind="property", area=personas.compound_a,
                                phone="13800001111")  # fmt: skip
    need = make_need(category="emergency")
    _climb(frozen, 1)
    message = Message.objects.get(idempotency_key=f"need:{need.pk}:level:2:property")
    assert (message.channel, message.address) == ("sms", "13800001111")


def test_department_reviewers_told_once(make_need, personas, frozen, client, django_user_model):
    from doorstep.catalogue.models import Department
    from doorstep.notify.models import InboxItem

    mz = Department.objects.get(code="mz")
    other = Department.objects.create(code="rs", name="人社")
    NeedCategory.objects.filter(code="emergency").update(department=mz)
    elsewhere = _reviewer(django_user_model, "mz_b", personas.area_b, mz)  # not over compound A
    wrong = _reviewer(django_user_model, "rs_all", personas.area_a.parent, other)
    need = make_need(category="emergency")
    _climb(frozen, 3)
    assert not InboxItem.objects.filter(kind="need_escalated").exists()  # level 4: not yet
    client.force_login(personas.reviewer)
    assert client.get(f"/needs/{need.pk}/").status_code == 404  # not the department's yet
    _climb(frozen, 3)  # level 5, then the top: nothing more
    item = InboxItem.objects.get(kind="need_escalated")
    assert (item.recipient, item.key) == (personas.reviewer, f"need:{need.pk}:level:5")
    assert item.url == f"/needs/{need.pk}/" or item.url.endswith(f"/{need.pk}/")
    assert "张阿姨" not in item.title + item.body
    key = f"need:{need.pk}:level:5:user:{personas.reviewer.pk}"
    assert Message.objects.filter(idempotency_key__contains=":level:5:").count() == 1
    assert Message.objects.get(idempotency_key=key).address == personas.reviewer.email
    # The reviewer can open the need the notice links to; the wrong reviewers cannot.
    client.force_login(personas.reviewer)
    assert client.get(item.url).status_code == 200
    for user in (elsewhere, wrong):
        client.force_login(user)
        assert client.get(item.url).status_code == 404
    assert not InboxItem.objects.filter(recipient__in=[elsewhere, wrong]).exists()


def test_no_department_tells_the_district_leads(make_need, personas, frozen):
    from doorstep.notify.models import InboxItem

    need = make_need(category="emergency")
    other = make_need(category="emergency", actor=personas.grid_b)
    _climb(frozen, 5)
    items = InboxItem.objects.filter(kind="need_escalated").order_by("key")
    assert {(i.recipient, i.key) for i in items} == {
        (personas.district_lead, f"need:{need.pk}:level:5"),
        (personas.district_lead, f"need:{other.pk}:level:5"),
    }
    keys = set(
        Message.objects.filter(idempotency_key__contains=":level:5:").values_list(
            "idempotency_key", flat=True
        )
    )
    lead = personas.district_lead.pk
    assert keys == {f"need:{need.pk}:level:5:user:{lead}", f"need:{other.pk}:level:5:user:{lead}"}


def test_category_department_in_api_and_admin(client, personas, categories):
    from doorstep.catalogue.models import Department

    mz = Department.objects.get(code="mz")
    category = NeedCategory.objects.get(code="emergency")
    client.force_login(personas.admin)
    url = f"/admin/needs/needcategory/{category.pk}/change/"
    form = {"code": category.code, "name": category.name, "limit": 2, "unit": "hours",
            "position": category.position, "active": "on", "department": mz.pk}  # fmt: skip
    assert client.post(url, form).status_code == 302
    bad = client.post(url, {**form, "department": 99999})  # no such department: nothing saved
    assert bad.status_code == 200
    category.refresh_from_db()
    assert category.department == mz
    client.force_login(personas.grid_a)
    rows = {c["code"]: c for c in client.get("/api/v1/needs/categories/").json()}
    assert rows["emergency"]["department"] == "mz" and rows["property"]["department"] is None
    client.force_login(personas.outsider)
    assert client.get("/api/v1/needs/categories/").json() == []
