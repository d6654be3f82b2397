"""The monthly league table on a hand-built October and November 2026: communities of the district
ranked by the composite score, the unit with too few callbacks listed unranked as "—", and the
one in the bottom quarter both months flagged as lagging two months running."""

from __future__ import annotations

import pytest

from doorstep.feedback.models import Callback, Subject
from doorstep.insight.league import bottom_quarter, ranks
from doorstep.insight.metrics import Rate
from doorstep.places.models import Area

from .conftest import at

URL = "/dashboard/league/"
# Per community (in code order), per month: how many of its two callbacks were solved and
# satisfied. Composite of a callback: reached 10 + solved 50 + very satisfied 40 = 100, or
# reached only = 10. Two callbacks each (the minimum n is 2 here).
#            A  B  C  D  E   (the sixth community has one callback: unranked)
NOVEMBER = [2, 2, 1, 0, 0]  # D and E are the bottom quarter (ranks 4, 4 of 5)
OCTOBER = [2, 1, 2, 2, 0]  # B and E are the bottom quarter (ranks 4 and 5)


@pytest.fixture
def communities(personas) -> list[Area]:
    found = list(Area.objects.filter(kind="community").order_by("code")[:6])
    assert len(found) == 6
    return found


def _callbacks(personas, community: Area, month: int, good: int, n: int = 2) -> None:
    compound = community.children.order_by("code").first()
    subject = Subject.objects.create(
        kind="case", object_id=month * 100000 + community.pk,
        reference=f"L{month}{community.code}", channel="offline",
        area_code=compound.code, closed_at=at(month, 1),
    )  # fmt: skip
    for i in range(n):
        solved = i < good
        Callback.objects.create(
            subject=subject, at=at(month, 10 + i), by=personas.clerk_a, reached=True,
            solved="yes" if solved else "no", satisfaction=5 if solved else 1,
        )  # fmt: skip


@pytest.fixture
def season(personas, communities, settings, frozen):
    settings.DOORSTEP_METRIC_MIN_N = 2
    for month, goods in ((10, OCTOBER), (11, NOVEMBER)):
        for community, good in zip(communities, goods, strict=False):
            _callbacks(personas, community, month, good)
        _callbacks(personas, communities[5], month, 1, n=1)


@pytest.mark.usefixtures("_english", "season")
def test_ranks_and_flags_a_unit_lagging_two_months(client, personas, communities):
    client.force_login(personas.district_lead)
    response = client.get(URL, {"month": "2026-11", "level": "community"})
    assert response.status_code == 200
    league = response.context["league"]
    assert league.metric.key == "composite"
    rows = {row.unit.code: row for row in league.rows}
    a, b, c, d, e, f = (rows[x.code] for x in communities)
    assert [a.rank, b.rank, c.rank, d.rank, e.rank] == [1, 1, 3, 4, 4]
    assert [str(a.value), str(c.value), str(d.value)] == ["100.0%", "55.0%", "10.0%"]
    assert [a.previous_rank, b.previous_rank, e.previous_rank] == [1, 4, 5]
    assert (d.bottom, d.lagging) == (True, False)  # bottom in November only
    assert (b.bottom, b.lagging) == (False, False)  # bottom in October only
    assert (e.bottom, e.lagging) == (True, True)
    assert [row.unit for row in league.rows if row.lagging] == [communities[4]]
    # too few callbacks: listed after the ranked, no rank, "—", never flagged
    assert (f.rank, f.shown, f.value.n, f.lagging) == (None, "—", 1, False)
    assert league.rows.index(f) > max(league.rows.index(row) for row in (a, b, c, d, e))
    html = response.content.decode()
    assert html.count("Lagging two months running") == 1
    assert "Ranked by Composite score, 2026-11" in html
    e_url = dict((row.unit.code, url) for row, url in response.context["rows"])[e.unit.code]
    assert e_url == f"/dashboard/?area={e.unit.code}&start=2026-11-01&end=2026-11-30"
    assert client.get(e_url).status_code == 200
    assert f'data-unit="{communities[4].code}" class="lagging"' in html
    # the district's own figure over the eleven ranked and unranked callbacks
    assert league.whole.n == 11


@pytest.mark.usefixtures("season")
def test_streets_and_departments(client, personas, communities):
    client.force_login(personas.district_lead)
    response = client.get(URL, {"month": "2026-11", "level": "street"})
    rows = {row.unit.code: row for row in response.context["league"].rows}
    expected: dict[str, int] = {}
    for community, n in zip(communities, [2, 2, 2, 2, 2, 1], strict=True):
        expected[community.code[:9]] = expected.get(community.code[:9], 0) + n
    assert {code: row.value.n for code, row in rows.items() if row.value.n} == expected
    response = client.get(URL, {"month": "2026-11", "level": "department"})
    assert response.status_code == 200  # the subjects here name no department: all unranked
    assert all(row.rank is None for row in response.context["league"].rows)
    row, url = response.context["rows"][0]
    assert f"department={row.unit.pk}" in url and "area=420105&" in url


def test_a_clerk_sees_the_league_of_their_own_area(client, personas, frozen):
    client.force_login(personas.clerk_a)
    response = client.get(URL, {"level": "community"})
    assert response.status_code == 200
    assert [row.unit for row in response.context["league"].rows] == [personas.area_a]
    assert response.context["month"].isoformat() == "2026-11-01"  # the last whole month


def test_ranking_rules():
    shown = {k: Rate(v, 10) for k, v in {"a": 9, "b": 7, "c": 7, "d": 5, "e": 1}.items()}
    assert ranks(shown | {"x": Rate(1, 2), "y": None}) == {"a": 1, "b": 2, "c": 2, "d": 4, "e": 5}
    assert bottom_quarter(ranks(shown)) == {"d", "e"}  # ⌈5 ÷ 4⌉ = 2 places
    assert bottom_quarter({"a": 1, "b": 2, "c": 3}) == set()  # fewer than four ranked
    assert bottom_quarter({"a": 1, "b": 2, "c": 2, "d": 2}) == set()  # all tied above the line
