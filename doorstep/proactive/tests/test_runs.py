"""Runs: who is granted, the counts, the messages, the preview, the versions and bad input.

The world: four residents aged 86, 80, 66 and 96 (the last deceased) on the fixed test day
2026-12-01, and the 80+ allowance, monthly, 50 yuan, granted and notified.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from doorstep.notify.models import Message
from doorstep.proactive import actions
from doorstep.proactive.choices import EntitlementStatus, RunPhase, RunStatus, Trigger
from doorstep.proactive.models import Entitlement, OptOut, Programme, ProgrammeRun, RuleVersion
from doorstep.proactive.tests.conftest import TODAY

S = EntitlementStatus
GRANT = 'age >= 80 && status == "active"'
STOP = 'status == "deceased" || status == "moved_out"'


@dataclass
class World:
    personas: object
    programme: Programme
    old_a: object  # 86, compound A, has a phone
    old_b: object  # 80 today, compound B, no phone
    young: object  # 66
    dead: object  # 96, deceased


def build_world(personas, make_resident, make_programme) -> World:
    """The world of these tests (the other run test modules build it too)."""
    from doorstep.people.models import Resident

    old_a = make_resident("王秀英", birth=datetime.date(1940, 5, 1), mobile="13800000001")
    old_b = make_resident("李建国", area=personas.compound_b, birth=datetime.date(1946, 12, 1))
    young = make_resident("赵小明", birth=datetime.date(1960, 1, 1), mobile="13800000003")
    dead = make_resident("孙德", birth=datetime.date(1930, 1, 1), mobile="13800000004")
    Resident.objects.filter(pk=dead.pk).update(status="deceased")
    programme = make_programme(
        "elderly-80", GRANT, STOP, name="高龄津贴", period="monthly", amount=Decimal("50.00")
    )
    return World(personas, programme, old_a, old_b, young, dead)


@pytest.fixture
def world(personas, make_resident, make_programme, frozen) -> World:
    return build_world(personas, make_resident, make_programme)


def holders(programme, period=None) -> set[int]:
    found = Entitlement.objects.filter(programme=programme)
    if period:
        found = found.filter(period=period)
    return set(found.values_list("resident_id", flat=True))


def messages_of(resident) -> list[Message]:
    return list(Message.objects.filter(resident=resident).order_by("pk"))


def test_a_run_grants_the_eligible_and_notifies_each_once(world):
    run = actions.do_run_programme(world.programme)
    assert run.status == RunStatus.DONE, run.error
    assert run.phase == RunPhase.FINISHED
    assert (run.granted, run.stopped, run.unchanged, run.notified) == (2, 0, 0, 2)
    assert run.period == "2026-12" and run.scan_date == TODAY
    assert run.rule_version.number == 1 and run.rule_version.grant_rule == GRANT
    assert run.seconds >= 0 and run.finished_at is not None
    assert holders(world.programme, "2026-12") == {world.old_a.pk, world.old_b.pk}
    e = Entitlement.objects.get(resident=world.old_a)
    assert e.status == S.GRANTED and e.amount == Decimal("50.00") and e.run == run
    assert len(e.token) == 32 and int(e.token, 16) >= 0
    assert e.token != Entitlement.objects.get(resident=world.old_b).token

    (sms,) = messages_of(world.old_a)
    assert sms.channel == "sms" and sms.address == "13800000001" and sms.status == "pending"
    assert sms.idempotency_key == f"entitlement:{e.pk}:granted"
    assert sms.template == "programme_granted"
    assert "王秀英" in sms.body and "高龄津贴" in sms.body and "50.00" in sms.body
    assert f"/programmes/r/{e.token}/" in sms.body
    (logged,) = messages_of(world.old_b)  # no phone: to the log
    assert logged.channel == "log" and logged.status == "pending"
    assert not messages_of(world.young) and not messages_of(world.dead)


def test_the_link_starts_with_the_public_url(world, settings):
    settings.DOORSTEP_PUBLIC_URL = "https://doorstep.example.cn"
    actions.do_run_programme(world.programme)
    e = Entitlement.objects.get(resident=world.old_a)
    body = messages_of(world.old_a)[0].body
    assert f"https://doorstep.example.cn/programmes/r/{e.token}/" in body


def test_a_resident_who_wants_no_notifications_is_written_as_skipped(world):
    from doorstep.people.models import Resident

    Resident.objects.filter(pk=world.old_a.pk).update(notify_channel="none")
    run = actions.do_run_programme(world.programme)
    (message,) = messages_of(world.old_a)
    assert message.status == "skipped" and "chose not to receive" in message.last_error
    assert run.notified == 2


def test_a_second_run_grants_and_notifies_nothing_new(world):
    first = actions.do_run_programme(world.programme)
    second = actions.do_run_programme(world.programme)
    assert second.status == RunStatus.DONE
    assert (second.granted, second.stopped, second.unchanged, second.notified) == (0, 0, 2, 0)
    assert Entitlement.objects.count() == 2 and Message.objects.count() == 2
    assert first.pk != second.pk


def test_offer_mode_offers_and_uses_the_offer_template(world, make_programme):
    offer = make_programme("offer-80", GRANT, mode="offer", name="助餐补贴")
    run = actions.do_run_programme(offer)
    assert run.granted == 2
    assert set(Entitlement.objects.filter(programme=offer).values_list("status", flat=True)) == {
        S.OFFERED
    }
    templates = set(
        Message.objects.filter(idempotency_key__contains=":offered").values_list(
            "template", flat=True
        )
    )
    assert templates == {"programme_offered"}


def test_remind_kind_reminds(world, make_programme):
    remind = make_programme("remind-80", GRANT, kind="remind", period="yearly", name="体检")
    run = actions.do_run_programme(remind)
    assert run.granted == 2 and run.period == "2026"
    assert set(Entitlement.objects.filter(programme=remind).values_list("status", flat=True)) == {
        S.REMINDED
    }
    assert Message.objects.filter(template="programme_reminder").count() == 2


def test_a_once_programme_grants_once_ever(world, make_programme, frozen):
    once = make_programme("once-80", GRANT, name="一次性慰问")
    assert actions.do_run_programme(once).granted == 2
    frozen.move_to(datetime.datetime(2027, 3, 1, 10, 0))
    again = actions.do_run_programme(once)
    assert (again.granted, again.unchanged, again.period) == (0, 2, "once")


def test_opted_out_residents_are_not_granted(world):
    OptOut.objects.create(programme=world.programme, resident=world.old_a, reason="opted_out")
    result = actions.preview(world.programme)
    assert (result.granted, result.opted_out) == (1, 1)
    run = actions.do_run_programme(world.programme)
    assert run.granted == 1 and holders(world.programme) == {world.old_b.pk}


# ---- preview ---------------------------------------------------------------------------------


def _snapshot():
    return (
        Entitlement.objects.count(),
        ProgrammeRun.objects.count(),
        Message.objects.count(),
        OptOut.objects.count(),
        RuleVersion.objects.count(),
    )


def test_preview_writes_nothing_and_counts_what_the_run_does(world):
    before = _snapshot()
    result = actions.preview(world.programme, sample=1)
    assert _snapshot() == before
    assert (result.period, result.granted, result.stopped, result.unchanged) == ("2026-12", 2, 0, 0)
    assert len(result.samples["granted"]) == 1 and result.samples["stopped"] == []
    assert result.granted_sample[0].pk in {world.old_a.pk, world.old_b.pk}
    run = actions.do_run_programme(world.programme)
    assert (run.granted, run.stopped, run.unchanged) == (2, 0, 0)


def test_preview_of_stops_equals_the_run(world, frozen):
    from doorstep.people.models import Resident

    actions.do_run_programme(world.programme)
    Resident.objects.filter(pk=world.old_a.pk).update(status="moved_out")
    frozen.move_to(datetime.datetime(2027, 1, 5, 10, 0))
    result = actions.preview(world.programme)
    assert (result.period, result.granted, result.stopped, result.unchanged) == ("2027-01", 1, 1, 0)
    assert [r.pk for r in result.samples["stopped"]] == [world.old_a.pk]
    before = _snapshot()
    run = actions.do_run_programme(world.programme)
    assert (run.granted, run.stopped, run.unchanged) == (1, 1, 0)
    assert _snapshot() != before


def test_preview_on_another_day(world):
    result = actions.preview(world.programme, on=datetime.date(2026, 11, 30))
    assert result.period == "2026-11" and result.granted == 1  # 李建国 turns 80 on 12-01


# ---- saving programmes and rule versions -------------------------------------------------------


def _fields(department, **kw):
    return {
        "code": "elderly-90",
        "name": "九十岁津贴",
        "department": department,
        "period": "monthly",
        "grant_rule": "age >= 90",
        "stop_rule": STOP,
        **kw,
    }


def test_save_a_new_programme_writes_version_one(world, department):
    admin = world.personas.admin
    programme = actions.do_save_programme(None, actor=admin, **_fields(department))
    assert programme.pk and programme.version == 1
    (version,) = programme.versions.all()
    assert (version.number, version.grant_rule, version.created_by) == (1, "age >= 90", admin)


def test_changing_a_rule_writes_a_new_version_and_the_run_records_it(world, department):
    admin = world.personas.admin
    programme = actions.do_save_programme(None, actor=admin, **_fields(department))
    actions.do_save_programme(programme, actor=admin, name="九十岁以上津贴")
    assert programme.version == 1 and programme.versions.count() == 1
    actions.do_save_programme(programme, actor=admin, grant_rule="age >= 85")
    assert programme.version == 2
    assert list(programme.versions.values_list("number", "grant_rule")) == [
        (2, "age >= 85"),
        (1, "age >= 90"),
    ]
    run = actions.do_run_programme(programme)
    assert run.rule_version.number == 2 and run.granted == 1  # only the 86-year-old


@pytest.mark.parametrize(
    "rule",
    ["age >= ", "age + 1 >= 80", "unknown_fact == 1", 'age == "eighty"', ""],
)
def test_an_invalid_grant_rule_is_refused_with_its_position_and_nothing_is_written(
    world, department, rule
):
    before = _snapshot(), Programme.objects.count()
    with pytest.raises(ValidationError) as caught:
        actions.do_save_programme(
            None, actor=world.personas.admin, **_fields(department, grant_rule=rule)
        )
    errors = caught.value.message_dict
    assert list(errors) == ["grant_rule"]
    if rule:
        assert errors["grant_rule"][0].startswith("Line 1, column ")
    assert (_snapshot(), Programme.objects.count()) == before


def test_an_invalid_stop_rule_on_a_change_changes_nothing(world):
    programme = world.programme
    with pytest.raises(ValidationError) as caught:
        actions.do_save_programme(
            programme, actor=world.personas.admin, name="改名", stop_rule="status = 'x'"
        )
    assert "stop_rule" in caught.value.message_dict
    programme.refresh_from_db()
    assert (programme.name, programme.version, programme.stop_rule) == ("高龄津贴", 1, STOP)


def test_renewal_and_offer_constraints_are_said_per_field(world, department):
    with pytest.raises(ValidationError) as caught:
        actions.do_save_programme(
            None, actor=world.personas.admin, **_fields(department, kind="renewal")
        )
    assert {"certificate_type", "service", "handler"} <= set(caught.value.message_dict)
    with pytest.raises(ValidationError) as caught:
        actions.do_save_programme(
            None, actor=world.personas.admin, **_fields(department, kind="remind", mode="offer")
        )
    assert "mode" in caught.value.message_dict


def test_a_duplicate_code_is_refused(world, department):
    with pytest.raises(ValidationError) as caught:
        actions.do_save_programme(
            None, actor=world.personas.admin, **_fields(department, code="elderly-80")
        )
    assert "code" in caught.value.message_dict


def test_only_administrators_save_and_run(world, department):
    with pytest.raises(PermissionDenied):
        actions.do_save_programme(None, actor=world.personas.clerk_a, **_fields(department))
    with pytest.raises(PermissionDenied):
        actions.do_queue_run(world.programme, actor=world.personas.clerk_a, trigger=Trigger.UI)
    assert not ProgrammeRun.objects.exists()


# ---- queued runs and tasks ----------------------------------------------------------------------


def test_queue_a_run_then_a_worker_runs_it(world, django_capture_on_commit_callbacks, settings):
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}}
    admin = world.personas.admin
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        run = actions.do_queue_run(world.programme, actor=admin, trigger=Trigger.UI)
    assert len(callbacks) == 1
    assert (run.status, run.phase, run.started_by, run.trigger) == (
        "queued",
        "waiting",
        admin,
        "ui",
    )
    # A second click while it waits: the same run.
    assert actions.do_queue_run(world.programme, actor=admin, trigger=Trigger.UI) == run

    from doorstep.proactive.tasks import run_programme

    assert run_programme.call(run.pk) == RunStatus.DONE
    run.refresh_from_db()
    assert (run.status, run.granted, run.notified, run.started_by) == ("done", 2, 2, admin)
    # The task delivered twice: the run is taken once.
    assert run_programme.call(run.pk) == RunStatus.DONE
    assert ProgrammeRun.objects.count() == 1 and Entitlement.objects.count() == 2
    assert run_programme.call(999999) == "missing"


def test_an_inactive_programme_is_not_queued(world):
    Programme.objects.filter(pk=world.programme.pk).update(is_active=False)
    world.programme.refresh_from_db()
    with pytest.raises(ValidationError):
        actions.do_queue_run(world.programme, actor=world.personas.admin, trigger=Trigger.UI)


def test_the_run_programmes_task_runs_every_active_programme(world, make_programme):
    from doorstep.proactive.tasks import run_programmes

    make_programme("idle", "age >= 1", is_active=False)
    result = run_programmes.call()
    assert [(r["programme"], r["status"], r["granted"]) for r in result] == [
        ("elderly-80", "done", 2)
    ]


def test_programmes_run_after_those_their_rules_hold(world, make_programme):
    make_programme("a-after", 'holds("elderly-80")', name="随高龄")
    runs = actions.run_programmes()
    assert [r.programme.code for r in runs] == ["elderly-80", "a-after"]
    assert runs[1].granted == 2


def test_unknown_codes_are_refused(world):
    with pytest.raises(actions.UnknownProgrammes, match="nope"):
        actions.run_programmes(codes=["elderly-80", "nope"])
    assert not ProgrammeRun.objects.exists()


def test_a_rule_that_no_longer_compiles_fails_the_run(world, make_programme):
    broken = make_programme("broken", '"no-such-tag" in tags')
    run = actions.do_run_programme(broken)
    assert run.status == RunStatus.FAILED and "rules" in run.error
    assert not Entitlement.objects.filter(programme=broken).exists()


def test_progress_is_written_between_steps(world, monkeypatch):
    """Another connection following the run sees its phase and the counts so far."""
    from doorstep.proactive import runs

    seen = []
    real = runs._notify

    def notify(plan, run, now):
        stored = ProgrammeRun.objects.get(pk=run.pk)
        seen.append((stored.status, stored.phase, stored.granted, stored.notified))
        return real(plan, run, now)

    monkeypatch.setattr(runs, "_notify", notify)
    actions.do_run_programme(world.programme)
    assert seen == [("running", "notifying", 2, 0)]


def test_a_programme_without_an_amount_says_none(world, make_programme):
    free = make_programme("checkup", GRANT, name="免费体检")
    actions.do_run_programme(free)
    body = Message.objects.filter(resident=world.old_a, template="programme_granted").get().body
    assert "免费体检" in body and "Amount" not in body and "yuan" not in body
