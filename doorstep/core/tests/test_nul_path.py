"""A NUL in a page's address is a 404 on every database (PostgreSQL refuses it in a query)."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    "path",
    [
        "/desks/compound/%00/",
        "/desks/compound/420105%00/poster/",
        "/desks/confirm/AB%00CD/",
        "/needs/x/%00abc/",
        "/programmes/r/%00/",
        "/reception/board/4201%0005/",
    ],
)
def test_a_nul_in_the_address_is_not_found(client, path):
    assert client.get(path).status_code == 404


def test_the_api_keeps_its_own_error_shape(client):
    response = client.get("/api/v1/reception/board/%00/")
    assert response.status_code in (400, 404) and response.json()["code"]
