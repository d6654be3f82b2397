"""Programmes that pay money: a new programme starts switched off; a second person approves
what it pays and to whom before it runs (maker-checker), again after any change of its rules or
amount; "Run now" asks first with the count and the amount; the recipient list exports."""

from __future__ import annotations

import io

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from openpyxl import load_workbook

from doorstep.proactive import actions
from doorstep.proactive.models import Entitlement, Programme, ProgrammeRun
from doorstep.proactive.tests import test_views as shared
from doorstep.proactive.tests.test_views import form_data, logged_in

world, ran = shared.world, shared.ran


def administrator(django_user_model, username: str, area_code: str = "420105"):
    """Another member of staff with the administrator role over ``area_code``."""
    from doorstep.places.models import Area
    from doorstep.staff.choices import Role
    from doorstep.staff.models import RoleGrant

    user = django_user_model.objects.create_user(username, password="pw", first_name=username)
    RoleGrant.objects.create(
        user=user, role=Role.ADMINISTRATOR, area=Area.objects.get(code=area_code)
    )
    return user


@pytest.fixture
def second(world, django_user_model):
    return administrator(django_user_model, "second")


@pytest.fixture
def made(client, world):
    """A money programme created through the form by the administrator role (the maker)."""
    logged_in(client, world.personas.administrator)
    response = client.post(reverse("proactive:create"), form_data())
    assert response.status_code == 302, response.content.decode()[:2000]
    return Programme.objects.get(code="elderly-90")


def approve(client, programme, user, seen=None):
    logged_in(client, user)
    seen = actions.approval_key(programme) if seen is None else seen
    return client.post(
        reverse("proactive:approve", args=[programme.pk]), {"seen": seen}, follow=True
    )


def test_a_new_programme_starts_off_and_waits_for_a_second_person(client, made, world):
    assert not made.is_active
    assert made.changed_by == world.personas.administrator and made.awaits_approval
    page = client.get(reverse("proactive:detail", args=[made.pk])).content.decode()
    assert 'id="switch-on"' in page and 'id="approve-other"' in page
    assert 'id="approve"' not in page  # the maker is not offered the button
    client.post(reverse("proactive:switch", args=[made.pk]), {"active": "on"})
    made.refresh_from_db()
    assert made.is_active
    with pytest.raises(ValidationError) as refused:
        actions.do_queue_run(made, actor=world.personas.administrator)
    assert refused.value.code == "unapproved"
    # The schedule refuses it too: a failed run that says why, and nothing granted.
    (run,) = actions.run_programmes(codes=["elderly-90"])
    assert run.status == "failed" and "second person" in run.error
    assert not Entitlement.objects.exists()


def test_the_list_says_which_programmes_wait_for_approval(client, made, world):
    text = client.get(reverse("proactive:list")).content.decode()
    row = text[text.index('id="programme-elderly-90"') :]
    assert "Waits for a second person's approval" in row[: row.index("</li>")]


def test_the_maker_cannot_approve(client, made, world):
    response = approve(client, made, world.personas.administrator)
    assert "a second person must approve" in response.content.decode()
    made.refresh_from_db()
    assert made.approved_by is None


def test_a_second_person_approves_and_a_change_clears_it(client, made, world, second):
    response = approve(client, made, second)
    assert "Approved: the programme may now run." in response.content.decode()
    made.refresh_from_db()
    assert made.approved_by == second and made.approved_at is not None
    assert not made.awaits_approval
    # A change of the name or the policy keeps the approval ...
    actions.do_save_programme(made, actor=world.personas.administrator, name="九十岁老人补贴")
    made.refresh_from_db()
    assert made.approved_by == second
    # ... a change of the amount (or the rules) clears it, and the changer is the new maker.
    actions.do_save_programme(made, actor=second, amount="120")
    made.refresh_from_db()
    assert made.approved_by is None and made.changed_by == second and made.awaits_approval
    assert approve(client, made, second).status_code == 200
    made.refresh_from_db()
    assert made.approved_by is None  # second made this change: not theirs to approve
    approve(client, made, world.personas.administrator)
    made.refresh_from_db()
    assert made.approved_by == world.personas.administrator


def test_an_approval_covers_what_the_approver_read(client, made, world, second):
    stale = actions.approval_key(made)
    actions.do_save_programme(made, actor=world.personas.administrator, grant_rule="age >= 95")
    made.refresh_from_db()
    response = approve(client, made, second, seen=stale)
    assert "changed since you opened it" in response.content.decode()
    made.refresh_from_db()
    assert made.approved_by is None
    assert "changed since" in approve(client, made, second, seen="").content.decode()


def test_an_approver_of_another_area_gets_nothing(client, made, world, django_user_model):
    street = administrator(django_user_model, "street-admin", "420105006")
    logged_in(client, street)
    url = reverse("proactive:approve", args=[made.pk])
    assert client.post(url, {"seen": actions.approval_key(made)}).status_code == 403
    with pytest.raises(PermissionDenied):
        actions.do_approve_programme(made, actor=street, seen=actions.approval_key(made))
    for who in ("clerk_a", "district_lead", "outsider"):
        logged_in(client, getattr(world.personas, who))
        assert client.post(url, {"seen": actions.approval_key(made)}).status_code == 403
    client.logout()
    assert client.post(url, {"seen": actions.approval_key(made)}).status_code == 302  # log in
    made.refresh_from_db()
    assert made.approved_by is None


def test_a_programme_that_pays_nothing_needs_no_approval(world, second):
    programme = actions.do_save_programme(
        None, actor=world.personas.administrator, **{**_fields(), "amount": None}
    )
    assert not programme.pays_money and not programme.awaits_approval
    with pytest.raises(ValidationError) as refused:
        actions.do_approve_programme(programme, actor=second, seen=actions.approval_key(programme))
    assert refused.value.code == "not_needed"


def _fields() -> dict:
    from doorstep.catalogue.models import Department

    return {
        "code": "visit-90",
        "name": "九十岁探访",
        "department": Department.objects.get(code="mz"),
        "kind": "grant",
        "period": "once",
        "grant_rule": "age >= 90",
    }


def test_switch_refuses_bad_input_and_the_wrong_person(client, world):
    url = reverse("proactive:switch", args=[world.programme.pk])
    logged_in(client, world.personas.administrator)
    response = client.post(url, {"active": "maybe"}, follow=True)
    assert "Please press one of the buttons." in response.content.decode()
    logged_in(client, world.personas.district_lead)
    assert client.post(url, {"active": "off"}).status_code == 403
    assert Programme.objects.get(pk=world.programme.pk).is_active


def test_run_now_asks_with_the_count_and_the_amount(client, world):
    logged_in(client, world.personas.administrator)
    url = reverse("proactive:run-now", args=[world.programme.pk])
    page = client.get(url).content.decode()
    assert 'id="confirm-granted">2<' in page
    assert 'id="confirm-total">100.00 yuan<' in page
    assert "grant 2 residents, paying 100.00 yuan in all for period 2026-12" in page
    assert not ProgrammeRun.objects.exists()
    response = client.post(url, {"confirm": "yes"})
    assert response.status_code == 302 and ProgrammeRun.objects.count() == 1


def test_run_now_of_an_unapproved_programme_says_so(client, world):
    Programme.objects.filter(pk=world.programme.pk).update(approved_by=None, approved_at=None)
    logged_in(client, world.personas.administrator)
    url = reverse("proactive:run-now", args=[world.programme.pk])
    page = client.get(url).content.decode()
    assert 'id="run-refused"' in page and 'id="confirm-run"' not in page
    response = client.post(url, {"confirm": "yes"}, follow=True)
    assert "a second person must approve it" in response.content.decode()
    assert not ProgrammeRun.objects.exists()


def _rows(content: bytes) -> list[tuple]:
    book = load_workbook(io.BytesIO(content), read_only=True)
    return [tuple(row) for row in book.active.iter_rows(values_only=True)]


def test_the_preview_exports_every_recipient_with_the_total(client, world):
    from doorstep.proactive.export import CONTENT_TYPE

    logged_in(client, world.personas.administrator)
    response = client.get(reverse("proactive:preview-export", args=[world.programme.pk]))
    assert response.status_code == 200 and response["Content-Type"] == CONTENT_TYPE
    rows = _rows(response.content)
    assert rows[0] == ("Name", "ID number", "Area code", "Amount (yuan)")
    # The administrator role sees no residents' records: surnames only.
    assert sorted(r[0] for r in rows[1:3]) == ["王**", "赵**"]
    assert rows[4][:2] == ("Recipients", 2) and float(rows[4][3]) == 100.0
    assert rows[5][0].startswith("Exported by 孙丽 at")
    logged_in(client, world.personas.admin)
    rows = _rows(client.get(reverse("proactive:preview-export", args=[world.programme.pk])).content)
    assert sorted(r[0] for r in rows[1:3]) == ["王老太", "赵奶奶"]
    assert not Entitlement.objects.exists()  # nothing written


def test_a_run_exports_what_it_granted(client, world, ran):
    logged_in(client, world.personas.administrator)
    page = client.get(reverse("proactive:run", args=[ran.pk])).content.decode()
    assert "Total granted by this run: 100.00 yuan" in page
    rows = _rows(client.get(reverse("proactive:run-export", args=[ran.pk])).content)
    assert sorted(r[0] for r in rows[1:3]) == ["王**", "赵**"]
    assert rows[4][:2] == ("Recipients", 2) and float(rows[4][3]) == 100.0
    logged_in(client, world.personas.district_lead)  # reads runs, does not run them
    assert client.get(reverse("proactive:run-export", args=[ran.pk])).status_code == 403


def test_the_export_refuses_a_bad_date(client, world):
    logged_in(client, world.personas.administrator)
    url = reverse("proactive:preview-export", args=[world.programme.pk])
    assert client.get(url, {"on": "2026-13-45"}).status_code == 400
    assert client.get(url, {"on": "1800-01-01"}).status_code == 400


def test_the_api_approves_and_refuses_with_a_code(client, made, world, second, django_user_model):
    import json

    url = reverse("api:programme-approval", args=[made.pk])
    detail = reverse("api:programme", args=[made.pk])
    logged_in(client, world.personas.administrator)
    body = client.get(detail).json()["programme"]
    assert body["awaits_approval"] and body["changed_by"] == "programmes"
    seen = json.dumps({"seen": body["approval_key"]})
    refused = client.post(url, seen, "application/json")
    assert refused.status_code == 409 and refused.json()["code"] == "same_person"
    runs = client.post(reverse("api:programme-runs", args=[made.pk]), "{}", "application/json")
    assert runs.status_code == 409 and runs.json()["code"] in ("inactive", "unapproved")
    street = administrator(django_user_model, "street-admin", "420105006")
    logged_in(client, street)
    assert client.post(url, seen, "application/json").status_code == 403
    logged_in(client, second)
    stale = client.post(url, json.dumps({"seen": "0" * 16}), "application/json")
    assert stale.status_code == 409 and stale.json()["code"] == "changed"
    assert Programme.objects.get(pk=made.pk).approved_by is None
    done = client.post(url, seen, "application/json")
    assert done.status_code == 200 and done.json()["programme"]["approved_by"] == "second"


def test_a_programme_created_through_the_api_starts_off(client, world):
    import json

    logged_in(client, world.personas.administrator)
    data = {
        "code": "api-90",
        "name": "九十岁补贴",
        "department": "mz",
        "amount": "100",
        "grant_rule": "age >= 90",
    }
    response = client.post(reverse("api:programmes"), json.dumps(data), "application/json")
    assert response.status_code == 201, response.content
    body = response.json()["programme"]
    assert body["is_active"] is False and body["awaits_approval"] is True
