"""The live OpenAPI schema, fuzzed with schemathesis: every operation, as real personas (each
with an API key), a bounded number of examples per operation, valid and invalid. No response may
be a server error, and every response must match the schema (status and body)."""

from __future__ import annotations

import pytest
from django.core.cache import cache
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
    """Something for each operation to find: cases in several states."""
    from doorstep.cases.actions import do_transition

    make_case("notice")
    forwarded = make_case("accept")
    do_transition(forwarded, "forward", actor=personas.clerk_a)


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
            cache.clear()  # the tracking throttle would answer 429 to everything after ten
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
        ("POST", "/api/v1/desks/appointments/{code}/cancel/"),
        ("GET", "/api/v1/programmes/"),
        ("POST", "/api/v1/programmes/"),
        ("GET", "/api/v1/programmes/{pk}/"),
        ("PATCH", "/api/v1/programmes/{pk}/"),
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
        ("POST", "/api/v1/cases/{pk}/attachments/"),
    }
    assert operations == expected
