"""Logging out on a shared phone: the browser is told to forget what it keeps of the site."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.django_db


def test_logout_tells_the_browser_to_forget_the_site(client, personas):
    client.force_login(personas.grid_a)
    assert client.get("/logout/").status_code == 405  # a link cannot log anyone out
    response = client.post("/logout/")
    assert response.status_code == 302
    assert response["Clear-Site-Data"] == '"cache", "storage"'
    assert client.get("/visits/").status_code == 302  # logged out
    page = client.get("/login/")
    assert "Clear-Site-Data" not in page
