"""The live OpenAPI schema, fuzzed with schemathesis: every operation, as real personas (each
with an API key), a bounded number of examples per operation, valid and invalid. No response may
be a server error, and every response must match the schema (status and body)."""

from __future__ import annotations

import pytest
from django.core.cache import caches
from hypothesis import HealthCheck, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    response_schema_conformance,
    status_code_conformance,
)

from doorstep.api.actions import do_create_api_key
from doorstep.cases.tests.conftest import (  # noqa: F401  (fixtures)
    frozen,
    holidays,
    materials,
    resident,
    service,
)
from doorstep.cases.tests.conftest import make_case as make_case

EXAMPLES = 6  # per operation, persona and mode: the whole module stays near a minute
PERSONAS = ["clerk_a", "reviewer", "admin", None]  # None: no key (public operations, and 401)


@pytest.fixture
def schema(db, settings):
    """The schema as the running app serves it; requests go to the WSGI app in this process and
    this test's database transaction (as Django's test client does, the handler must not close
    the connection at the start and end of each request)."""
    import schemathesis
    from django.core import signals
    from django.db import close_old_connections

    from doorstep.wsgi import application

    settings.ALLOWED_HOSTS = ["*"]
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    try:
        yield schemathesis.openapi.from_wsgi("/api/v1/openapi.json", application)
    finally:
        signals.request_started.connect(close_old_connections)
        signals.request_finished.connect(close_old_connections)


@pytest.fixture
def data(personas, make_case, frozen):  # noqa: F811
    """Something for each operation to find: cases in several states, a need handed on."""
    from doorstep.cases.actions import do_transition
    from doorstep.needs.actions import do_hand_on, do_register_need
    from doorstep.needs.models import NeedCategory
    from doorstep.needs.seed import seed_categories
    from doorstep.notify import inbox
    from doorstep.people.models import Resident
    from doorstep.places.models import Building, Household

    seed_categories()
    make_case("notice")
    forwarded = make_case("accept")
    do_transition(forwarded, "forward", actor=personas.clerk_a)
    need = do_register_need(
        actor=personas.clerk_a,
        source="desk",
        kind="help",
        category=NeedCategory.objects.get(code="property"),
        description="楼道灯坏了",
        compound=personas.compound_a,
        raiser_name="张阿姨",
    ).need
    do_hand_on(need, actor=personas.clerk_a, to_kind="user", target=personas.grid_a, reason="网格")
    # An inbox item for each persona, and the case's resident in a household (ids start at 1,
    # where the fuzzer's examples often land).
    users = [personas.clerk_a, personas.reviewer, personas.admin]
    inbox.post(users, kind="fuzz", title="待办", url=f"/cases/{forwarded.pk}/")
    building = Building.objects.create(compound=personas.compound_a, number="1")
    household = Household.objects.create(building=building, room="101")
    Resident.objects.filter(pk=forwarded.resident_id).update(household=household)
    _disputes(personas)
    _reception(personas)
    _feedback(personas, forwarded)


def _disputes(personas) -> None:
    """A registered dispute and one with a written agreement, for the disputes operations."""
    import datetime

    from doorstep.disputes import actions as disputes

    parties = [disputes.PartySpec(name="甲"), disputes.PartySpec(name="乙")]
    for agreed in (False, True):
        dispute = disputes.do_register_dispute(
            actor=personas.mediator_a,
            source="application",
            type="neighbours",
            summary="噪音",
            area=personas.compound_a,
            parties=parties,
        )
        if not agreed:
            continue
        for party in dispute.parties.all():
            disputes.do_acknowledge_notice(dispute, actor=personas.mediator_a, party_id=party.pk)
        disputes.do_add_session(
            dispute,
            actor=personas.mediator_a,
            held_on=datetime.date(2026, 12, 1),
            place="调解室",
            attendees="甲、乙",
            record="记录",
        )
        disputes.do_record_outcome(
            dispute,
            actor=personas.mediator_a,
            outcome="written",
            responsibility="责任",
            terms="条款",
            performance_how="现金",
        )


def _reception(personas) -> None:
    """A reception day today with a matter assigned to the reviewer's department (ids near 1),
    and a coming day that takes bookings, for the reception operations and the public board."""
    import datetime

    from doorstep.catalogue.models import Department
    from doorstep.needs.models import NeedCategory
    from doorstep.reception import actions as reception

    plan = reception.Plan(
        area=personas.area_a, leader=personas.street_lead, leader_title="街道党工委书记",
        date=datetime.date(2026, 12, 1), start=datetime.time(14), end=datetime.time(17),
        venue=personas.compound_a, mode="both",
    )  # fmt: skip
    day = reception.do_plan_days(personas.street_lead, plan)[0]
    later = datetime.date(2026, 12, 8)
    reception.do_plan_days(personas.street_lead, reception.Plan(**{**plan.__dict__, "date": later}))
    raised = reception.Raised(
        compound=personas.compound_a, category=NeedCategory.objects.get(code="property"),
        kind="complaint", description="电梯停运", public_summary="电梯停运", petition=True,
        raiser_name="钱大爷",
    )  # fmt: skip
    matter = reception.do_register_matter(day, actor=personas.street_lead, raised=raised)
    reception.do_assign(matter, actor=personas.street_lead, due_on=later,
                        department=Department.objects.get(code="mz"))  # fmt: skip


def _feedback(personas, case) -> None:
    """A rated matter with a bad rating (its rectification and an appeal open), ids near 1."""
    from django.utils import timezone

    from doorstep.feedback import actions as feedback

    subject = feedback.do_open_subject(
        "case", case.pk, reference=case.receipt, area_code=case.area_code,
        closed_at=timezone.now(), handler=personas.clerk_a, resident=case.resident,
    )  # fmt: skip
    rating = feedback.do_rate(subject, feedback.Given(level=1), source="message")
    feedback.do_appeal(rating, actor=personas.admin, ground="malicious", grounds="无关")


def _fuzz(schema, headers: dict, mode: GenerationMode) -> list[str]:
    checks = [not_a_server_error, response_schema_conformance]
    if mode == GenerationMode.POSITIVE:
        checks.append(status_code_conformance)
    failures: list[str] = []
    for result in schema.get_all_operations():
        operation = result.ok()

        @given(case=operation.as_strategy(generation_mode=mode))
        @settings(
            max_examples=EXAMPLES,
            deadline=None,
            database=None,
            derandomize=True,
            suppress_health_check=list(HealthCheck),
        )
        def run(case):
            caches["throttle"].clear()  # the tracking throttle: 429 to everything after ten
            response = case.call(headers=headers)
            case.validate_response(response, checks=checks)

        try:
            run()
        except Unsatisfiable:
            # Nothing is invalid about a path of free text (a service code, a token): there is
            # no negative example to make. The positive run covered the operation.
            if mode == GenerationMode.POSITIVE:
                raise
        except Exception as exc:  # one line per failing operation, then fail once
            failures.append(f"{mode.value} {operation.label}: {str(exc)[:2000]}")
    return failures


def test_every_operation_survives_fuzzing(schema, personas, data):
    # One test for all personas: building the place tree and the personas is the slow part.
    failures = []
    for who in PERSONAS:
        headers = {}
        if who is not None:
            _key, secret = do_create_api_key(user=getattr(personas, who), name=f"fuzz {who}")
            headers["X-API-Key"] = secret
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
            failures += [f"{who}: {f}" for f in _fuzz(schema, headers, mode)]
    assert not failures, "\n\n".join(failures)


def test_the_schema_lists_every_json_operation(schema):
    operations = {(op.ok().method.upper(), op.ok().path) for op in schema.get_all_operations()}
    expected = {
        ("GET", "/api/v1/services/"),
        ("GET", "/api/v1/services/{code}/"),
        ("GET", "/api/v1/desks/compounds/{code}/sessions/"),
        ("POST", "/api/v1/desks/appointments/"),
        ("POST", "/api/v1/desks/appointments/{code}/confirm/"),
        ("POST", "/api/v1/desks/appointments/{code}/cancel/"),
        ("POST", "/api/v1/desks/sessions/{pk}/appointments/"),
        ("POST", "/api/v1/desks/sessions/{pk}/cancel/"),
        ("POST", "/api/v1/desks/sessions/{pk}/call-next/"),
        ("GET", "/api/v1/desks/sessions/{pk}/board/"),
        ("GET", "/api/v1/programmes/"),
        ("POST", "/api/v1/programmes/"),
        ("GET", "/api/v1/programmes/{pk}/"),
        ("PATCH", "/api/v1/programmes/{pk}/"),
        ("POST", "/api/v1/programmes/{pk}/approval/"),
        ("GET", "/api/v1/programmes/{pk}/preview/"),
        ("POST", "/api/v1/programmes/{pk}/runs/"),
        ("GET", "/api/v1/programmes/{pk}/runs/"),
        ("GET", "/api/v1/programmes/{pk}/why/{resident_pk}/"),
        ("POST", "/api/v1/rules/check/"),
        ("GET", "/api/v1/runs/{pk}/"),
        ("GET", "/api/v1/answers/{token}/"),
        ("POST", "/api/v1/answers/{token}/"),
        ("GET", "/api/v1/cases/"),
        ("POST", "/api/v1/cases/"),
        ("GET", "/api/v1/cases/track/"),
        ("GET", "/api/v1/cases/checklist/"),
        ("GET", "/api/v1/cases/{pk}/"),
        ("POST", "/api/v1/cases/{pk}/transitions/"),
        ("POST", "/api/v1/cases/{pk}/materials/"),
        ("POST", "/api/v1/cases/{pk}/accept/"),
        ("POST", "/api/v1/cases/{pk}/notice/"),
        ("POST", "/api/v1/cases/{pk}/extensions/"),
        ("POST", "/api/v1/cases/{pk}/extensions/{extension}/decision/"),
        ("POST", "/api/v1/cases/{pk}/supervision/"),
        ("POST", "/api/v1/cases/{pk}/attachments/"),
        ("GET", "/api/v1/disputes/"),
        ("POST", "/api/v1/disputes/"),
        ("GET", "/api/v1/disputes/{pk}/"),
        ("POST", "/api/v1/disputes/{pk}/parties/"),
        ("POST", "/api/v1/disputes/{pk}/parties/{party_pk}/notice/"),
        ("POST", "/api/v1/disputes/{pk}/sessions/"),
        ("POST", "/api/v1/disputes/{pk}/risk/"),
        ("POST", "/api/v1/disputes/{pk}/outcome/"),
        ("POST", "/api/v1/disputes/{pk}/extensions/"),
        ("POST", "/api/v1/disputes/{pk}/callback/"),
        ("POST", "/api/v1/disputes/{pk}/close/"),
        ("POST", "/api/v1/disputes/{pk}/mediator-requests/"),
        ("POST", "/api/v1/disputes/{pk}/mediator-requests/decision/"),
        ("POST", "/api/v1/disputes/{pk}/attachments/"),
        ("GET", "/api/v1/disputes/{pk}/agreement.pdf"),
        ("GET", "/api/v1/needs/"),
        ("POST", "/api/v1/needs/"),
        ("GET", "/api/v1/needs/categories/"),
        ("GET", "/api/v1/needs/{pk}/"),
        ("POST", "/api/v1/needs/{pk}/handoff/"),
        ("POST", "/api/v1/needs/{pk}/handoff/accept/"),
        ("POST", "/api/v1/needs/{pk}/handoff/refuse/"),
        ("POST", "/api/v1/needs/{pk}/transitions/"),
        ("POST", "/api/v1/needs/{pk}/extension/"),
        ("POST", "/api/v1/needs/{pk}/extension/decision/"),
        ("POST", "/api/v1/needs/{pk}/answer/"),
        ("POST", "/api/v1/needs/{pk}/callback/"),
        ("POST", "/api/v1/needs/{pk}/reopen/"),
        ("POST", "/api/v1/needs/{pk}/flag/"),
        ("POST", "/api/v1/needs/{pk}/photos/"),
        ("GET", "/api/v1/inbox/"),
        ("POST", "/api/v1/inbox/read/"),
        ("GET", "/api/v1/inbox/{pk}/"),
        ("POST", "/api/v1/inbox/{pk}/read/"),
        ("GET", "/api/v1/households/{pk}/timeline/"),
        ("POST", "/api/v1/visits/"),
        ("GET", "/api/v1/visits/"),
        ("GET", "/api/v1/visits/{pk}/"),
        ("POST", "/api/v1/visits/{pk}/photos/"),
        ("GET", "/api/v1/visits/due/"),
        ("GET", "/api/v1/visits/coverage/"),
        ("GET", "/api/v1/visits/silent/"),
        ("GET", "/api/v1/visits/rules/"),
        ("POST", "/api/v1/visits/rules/"),
        ("DELETE", "/api/v1/visits/rules/{tag}/"),
        ("GET", "/api/v1/reception/days/"),
        ("POST", "/api/v1/reception/days/"),
        ("GET", "/api/v1/reception/days/{pk}/"),
        ("POST", "/api/v1/reception/days/{pk}/cancel/"),
        ("GET", "/api/v1/reception/days/{pk}/brief/"),
        ("POST", "/api/v1/reception/days/{pk}/matters/"),
        ("GET", "/api/v1/reception/matters/"),
        ("GET", "/api/v1/reception/matters/{pk}/"),
        ("POST", "/api/v1/reception/matters/{pk}/assign/"),
        ("POST", "/api/v1/reception/matters/{pk}/report/"),
        ("POST", "/api/v1/reception/matters/{pk}/notice/"),
        ("POST", "/api/v1/reception/matters/{pk}/extend/"),
        ("GET", "/api/v1/reception/board/{code}/"),
        ("GET", "/api/v1/feedback/rate/{key}/"),
        ("POST", "/api/v1/feedback/rate/{key}/"),
        ("GET", "/api/v1/feedback/subjects/"),
        ("GET", "/api/v1/feedback/subjects/{pk}/"),
        ("POST", "/api/v1/feedback/subjects/{pk}/callbacks/"),
        ("POST", "/api/v1/feedback/subjects/{pk}/appeal/"),
        ("POST", "/api/v1/feedback/appeals/{pk}/decide/"),
        ("GET", "/api/v1/feedback/rectifications/"),
        ("GET", "/api/v1/feedback/rectifications/{pk}/"),
        ("POST", "/api/v1/feedback/rectifications/{pk}/settle/"),
        ("GET", "/api/v1/insight/figures/"),
        ("GET", "/api/v1/staff/"),
        ("POST", "/api/v1/staff/"),
        ("POST", "/api/v1/staff/{pk}/grants/"),
        ("DELETE", "/api/v1/staff/{pk}/grants/{grant_pk}/"),
        ("POST", "/api/v1/staff/{pk}/active/"),
        ("POST", "/api/v1/staff/{pk}/password/"),
    }
    assert operations == expected
