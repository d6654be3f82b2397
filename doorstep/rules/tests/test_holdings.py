"""holds("code") asks whatever app registered the holdings (proactive: its programmes); the
language alone knows no programme."""

from __future__ import annotations

import pytest

from doorstep.rules import holdings
from doorstep.rules.rules import check, parse

pytestmark = pytest.mark.usefixtures("places")


def test_the_programmes_are_what_holds_asks_about(make_programme):
    from doorstep.proactive.holdings import ProgrammeHoldings

    programme = make_programme("elderly-80", "age >= 80", period="monthly")
    assert isinstance(holdings.holdings(), ProgrammeHoldings)
    assert holdings.holdings().find("elderly-80") == (programme.pk, "monthly", programme.kind)
    assert holdings.holdings().find("nope") is None


def test_without_registered_holdings_holds_names_nothing(make_programme, monkeypatch):
    make_programme("elderly-80", "age >= 80")
    monkeypatch.setattr(holdings, "_registered", [holdings._Nothing()])
    (problem,) = check('holds("elderly-80")')
    assert problem.message == "No programme “elderly-80”."
    assert parse("age >= 80").q  # the rest of the language does not need them
