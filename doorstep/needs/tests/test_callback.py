"""The callback (回访) on an answered need, recorded as feedback's ``Callback`` on the need's
rated matter (opened when it is answered): basically satisfied or better closes it,
dissatisfied reopens it, not reached or not counted leaves it waiting; bad input and the wrong
person change nothing. And the migration that copied the old callbacks into feedback."""

from __future__ import annotations

import datetime
import json

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from doorstep.feedback.actions import Called
from doorstep.feedback.models import Callback, Subject
from doorstep.needs import actions
from doorstep.needs.models import Need, NeedEvent

from .conftest import NOW

pytestmark = pytest.mark.django_db


@pytest.fixture
def answered(make_need, personas):
    """A need of grid_a's, answered by her at NOW."""

    def make(**kw):
        need = make_need(**kw)
        actions.do_answer(need, actor=personas.grid_a, decision="resolved", answer="已更换灯泡")
        return need

    return make


def _call(need, actor, **kw):
    return actions.do_callback(need, actor=actor, called=Called(**kw))


def test_the_answer_opens_the_rated_matter(make_need, personas, frozen):
    need = make_need()
    assert not Subject.objects.exists()
    actions.do_answer(need, actor=personas.grid_a, decision="resolved", answer="已修好")
    subject = Subject.objects.get(kind="need", object_id=need.pk)
    assert subject.closed_at == NOW and subject.handler == personas.grid_a
    assert subject.reference == f"#{need.pk}" and subject.phone == "13912345678"
    # Reopened and answered again: the same matter, at the new answer's time.
    frozen.shift(datetime.timedelta(hours=2))
    actions.do_reopen(need, actor=personas.grid_a, reason="居民又来电")
    actions.do_answer(need, actor=personas.grid_a, decision="resolved", answer="换了新灯")
    subject = Subject.objects.get(kind="need", object_id=need.pk)
    assert subject.closed_at == NOW + datetime.timedelta(hours=2)


def test_basically_satisfied_closes(answered, personas):
    need = answered()
    done = _call(need, personas.grid_a, reached=True, solved="partly", satisfaction=3)
    assert done.event.to_status == "closed" and need.status == "closed"
    callback = Callback.objects.get()
    assert callback.subject == Subject.objects.get(kind="need", object_id=need.pk)
    assert (callback.reached, callback.solved, callback.satisfaction, callback.valid) == (
        True, "partly", 3, True
    )  # fmt: skip
    assert callback.by == personas.grid_a
    event = need.events.get(kind="callback")
    assert event.data == {"invalid": "", "reached": True, "solved": "partly", "satisfaction": 3}
    # Closing leaves the matter as the answer opened it.
    assert Subject.objects.get().handler == personas.grid_a


def test_dissatisfied_reopens_with_a_note(answered, personas):
    need = answered()
    with pytest.raises(ValidationError) as exc:
        _call(need, personas.grid_a, reached=True, solved="no", satisfaction=2)
    assert exc.value.error_dict["note"][0].code == "reason_required"
    assert not Callback.objects.exists()
    done = _call(
        need, personas.grid_a, reached=True, solved="no", satisfaction=1, note="灯还是不亮"
    )
    assert done.event.to_status == "in_progress" and done.event.reason == "灯还是不亮"
    need.refresh_from_db()
    assert need.status == "in_progress" and need.decision == "" and need.answered_at is None
    assert Callback.objects.get().satisfaction == 1


def test_not_reached_waits(answered, personas):
    need = answered()
    # Whatever else was ticked, a callback that did not reach the resident keeps only its note.
    done = _call(
        need, personas.grid_a, reached=False, solved="yes", satisfaction=5, note="无人接听"
    )
    assert done.event is None
    need.refresh_from_db()
    assert need.status == "answered"
    callback = Callback.objects.get()
    assert (callback.reached, callback.solved, callback.satisfaction) == (False, "", None)
    assert callback.note == "无人接听" and callback.valid


def test_invalid_is_recorded_and_waits(answered, personas):
    need = answered()
    done = _call(need, personas.grid_a, invalid="wrong_number", reached=True, solved="yes",
                 satisfaction=5)  # fmt: skip
    assert done.event is None
    assert Need.objects.get(pk=need.pk).status == "answered"
    callback = Callback.objects.get()
    assert callback.invalid == "wrong_number" and not callback.valid
    assert (callback.reached, callback.satisfaction) == (False, None)
    # Another callback may follow, and this one counts.
    assert _call(need, personas.grid_a, reached=True, solved="yes", satisfaction=4).event
    assert Callback.objects.count() == 2


@pytest.mark.parametrize(
    "called, field",
    [
        ({"invalid": "busy"}, "invalid"),
        ({"reached": True, "solved": "maybe", "satisfaction": 4}, "solved"),
        ({"reached": True, "satisfaction": 4}, "solved"),
        ({"reached": True, "solved": "yes"}, "satisfaction"),
        ({"reached": True, "solved": "yes", "satisfaction": 7}, "satisfaction"),
        ({"reached": True, "solved": "yes", "satisfaction": 4, "note": "x" * 1001}, "note"),
    ],
)
def test_bad_input_changes_nothing(answered, personas, called, field):
    need = answered()
    revision = Need.objects.get(pk=need.pk).revision
    with pytest.raises(ValidationError) as exc:
        _call(need, personas.grid_a, **called)
    assert field in exc.value.error_dict
    assert not Callback.objects.exists()
    assert not NeedEvent.objects.filter(kind="callback").exists()
    assert Need.objects.get(pk=need.pk, status="answered").revision == revision


def test_only_an_answered_need_and_the_page_read_are_called_back(answered, make_need, personas):
    with pytest.raises(ValidationError) as exc:
        _call(make_need(), personas.grid_a, reached=True, solved="yes", satisfaction=5)
    assert exc.value.code == "invalid_transition"
    need = answered()
    with pytest.raises(ValidationError) as exc:
        actions.do_callback(need, actor=personas.grid_a, revision=need.revision - 1,
                            called=Called(reached=True, solved="yes", satisfaction=5))  # fmt: skip
    assert exc.value.code == "changed"
    assert not Callback.objects.exists()


@pytest.mark.parametrize("who", ["grid_b", "clerk_a", "street_lead", "outsider"])
def test_only_the_owner_side_calls_back(answered, personas, who):
    need = answered()
    with pytest.raises(PermissionDenied):
        _call(need, getattr(personas, who), reached=True, solved="yes", satisfaction=5)
    assert not Callback.objects.exists()
    assert Need.objects.get(pk=need.pk).status == "answered"


def test_the_page_records_and_lists_callbacks(client, answered, personas):
    need = answered()
    client.force_login(personas.grid_a)
    page = client.get(reverse("needs-detail", args=[need.pk])).content.decode()
    assert 'id="act-callback"' in page and 'id="id_cb_satisfaction"' in page
    bad = client.post(reverse("needs-callback", args=[need.pk]),
                      {"reached": "on", "solved": "no", "satisfaction": "2"},
                      follow=True)  # fmt: skip
    assert "Say why the resident is dissatisfied." in bad.content.decode()
    client.post(reverse("needs-callback", args=[need.pk]),
                {"reached": "", "note": "无人接听"})  # fmt: skip
    client.post(reverse("needs-callback", args=[need.pk]),
                {"reached": "on", "solved": "yes", "satisfaction": "4"})  # fmt: skip
    assert Need.objects.get(pk=need.pk).status == "closed"
    page = client.get(reverse("needs-detail", args=[need.pk])).content.decode()
    assert 'id="callbacks"' in page and "not reached" in page and "Satisfied (满意)" in page


@pytest.mark.parametrize("who, status", [("grid_b", 404), ("outsider", 404), ("clerk_a", 403)])
def test_the_wrong_person_gets_nothing(client, answered, personas, who, status):
    need = answered()
    client.force_login(getattr(personas, who))
    form = {"reached": "on", "solved": "yes", "satisfaction": "5"}
    assert client.post(reverse("needs-callback", args=[need.pk]), form).status_code == status
    api = client.post(reverse("api:need-callback", args=[need.pk]),
                      json.dumps({"reached": True, "solved": "yes", "satisfaction": 5}),
                      "application/json")  # fmt: skip
    assert api.status_code == status
    assert not Callback.objects.exists()
    assert Need.objects.get(pk=need.pk).status == "answered"


@pytest.mark.parametrize(
    "body, field",
    [
        ({"reached": True, "solved": "yes", "satisfaction": "5"}, "satisfaction"),
        ({"reached": True, "solved": "yes", "satisfaction": 6}, "satisfaction"),
        ({"reached": True, "solved": "sort of", "satisfaction": 5}, "solved"),
        ({"invalid": "busy"}, "invalid"),
        ({"reached": True, "solved": "no", "satisfaction": 2}, "note"),
        ({"reached": True, "solved": "yes"}, "satisfaction"),
    ],
)
def test_the_api_answers_bad_input_with_the_field(client, answered, personas, body, field):
    need = answered()
    client.force_login(personas.grid_a)
    response = client.post(reverse("api:need-callback", args=[need.pk]), json.dumps(body),
                           "application/json")  # fmt: skip
    assert response.status_code == 400, response.content
    assert response.json()["field"] == field
    assert set(response.json()) == {"code", "message", "field"}
    assert not Callback.objects.exists()


def test_the_migration_copies_the_old_callbacks(answered, make_need, personas):
    from importlib import import_module

    migration = import_module("doorstep.needs.migrations.0006_callbacks_to_feedback")
    fields = migration.callback_fields
    assert fields(True, True, True) == {"reached": True, "solved": "yes", "satisfaction": 4}
    assert fields(True, False, False) == {"reached": True, "solved": "no", "satisfaction": 2}
    assert fields(False, True, True) == {"reached": False, "solved": "", "satisfaction": None}


@pytest.mark.django_db(transaction=True)
def test_the_migration_runs_on_old_rows(make_need, personas, frozen):
    """Back to the schema with ``NeedCallback``, old rows written, forward again."""
    from django.db import connection
    from django.db.migrations.executor import MigrationExecutor

    before = [("needs", "0005_category_department"), ("feedback", "0001_initial")]
    after = [("needs", "0006_callbacks_to_feedback")]
    answered_need = make_need()
    actions.do_answer(answered_need, actor=personas.grid_a, decision="resolved", answer="已修好")
    reopened = make_need(category="emergency")
    Subject.objects.all().delete()  # answered before the answer opened a rated matter
    executor = MigrationExecutor(connection)
    executor.migrate(before)
    old = executor.loader.project_state(before).apps
    NeedCallback = old.get_model("needs", "NeedCallback")
    at = NOW - datetime.timedelta(hours=1)
    NeedCallback.objects.create(
        need_id=reopened.pk,
        by_id=personas.grid_a.pk,
        at=at,
        reached=True,
        solved=False,
        satisfied=False,
        note="还是坏的",
    )
    NeedCallback.objects.create(need_id=answered_need.pk, by_id=personas.grid_a.pk, at=at,
                                reached=False, solved=False, satisfied=False)  # fmt: skip
    executor = MigrationExecutor(connection)
    executor.migrate(after)

    subjects = {s.object_id: s for s in Subject.objects.filter(kind="need")}
    assert set(subjects) == {answered_need.pk, reopened.pk}
    assert subjects[answered_need.pk].closed_at == NOW  # its answer
    assert subjects[reopened.pk].closed_at == at  # neither answered nor closed: the callback
    unhappy = Callback.objects.get(subject=subjects[reopened.pk])
    assert (unhappy.reached, unhappy.solved, unhappy.satisfaction, unhappy.note) == (
        True, "no", 2, "还是坏的"
    )  # fmt: skip
    missed = Callback.objects.get(subject=subjects[answered_need.pk])
    assert (missed.reached, missed.solved, missed.satisfaction) == (False, "", None)
    executor = MigrationExecutor(connection)  # a fresh one knows what is applied now
    executor.migrate(executor.loader.graph.leaf_nodes())  # the later tests' schema
