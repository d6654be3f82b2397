from __future__ import annotations

import pytest


@pytest.fixture
def staff_url():
    """A GET that needs a logged-in (or keyed) caller."""
    return "/api/v1/programmes/"


@pytest.fixture
def write_url():
    return "/api/v1/rules/check/"
