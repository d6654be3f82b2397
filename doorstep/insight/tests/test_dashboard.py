"""The dashboard page: the figures of ``figures(scope)`` for the same scope, each with its n; the
drill-down from the district to a compound; a figure's "items behind it" listing exactly the rows
it counts; the charts' data island; who gets what; bad input as 400 on the form's field; and the
lead's home panel."""

from __future__ import annotations

import json

import pytest
from django.urls import reverse

from doorstep.cases.models import Case
from doorstep.feedback.models import Callback
from doorstep.insight.metrics import figures, figures_by, make_scope
from doorstep.places.models import Area

from .conftest import END, START, at
from .test_metrics import callbacks, cases, disputes, needs, ratings  # noqa: F401  (fixtures)

URL = "/dashboard/"
NOVEMBER = {"start": START.isoformat(), "end": END.isoformat()}
DISTRICT = "420105"


def _shown(response) -> dict[str, tuple[str, str]]:
    """metric key -> (value text, n text) as the page's figures table shows them."""
    html = response.content.decode()
    rows = {}
    for figure, _behind in response.context["figures"]:
        rows[figure.key] = (str(figure), str(figure.value.n) if figure.applies else "—")
        assert f'data-metric="{figure.key}"' in html
    return rows


@pytest.mark.usefixtures("_english")
def test_the_page_shows_figures_of_the_same_scope(client, personas, cases, callbacks):  # noqa: F811
    client.force_login(personas.district_lead)
    response = client.get(URL, NOVEMBER)
    assert response.status_code == 200
    scope = make_scope(personas.district_lead, area=DISTRICT, start=START, end=END)
    expected = {f.key: (str(f), str(f.value.n) if f.applies else "—") for f in figures(scope)}
    assert _shown(response) == expected
    # the n is on the page beside each value: on-time has 5 closed cases in the district
    html = response.content.decode()
    assert expected["on_time_rate"] == ("—", "5")  # below the minimum n of 10
    assert '<td class="num figure-n">5</td>' in html


def test_defaults_are_the_widest_area_and_this_month(client, personas, frozen):
    client.force_login(personas.street_lead)
    response = client.get(URL)
    assert response.status_code == 200
    scope = response.context["scope"]
    assert scope.area == "420105006"
    assert (scope.start.isoformat(), scope.end.isoformat()) == ("2026-12-01", "2026-12-31")


@pytest.mark.usefixtures("cases", "callbacks", "min_n_one", "_english")
def test_the_child_areas_figures_equal_each_childs_own(client, personas):
    client.force_login(personas.district_lead)
    response = client.get(URL, {**NOVEMBER, "area": "420105006"})
    children = response.context["children"]
    below = Area.objects.filter(parent__code="420105006").order_by("code")
    assert [c.area.code for c in children] == list(below.values_list("code", flat=True))
    for child in children[:3]:
        own = make_scope(personas.district_lead, area=child.area.code, start=START, end=END)
        expected = {f.key: str(f) for f in figures(own)}
        assert {f.key: str(f) for f in child.figures} == {
            f.key: expected[f.key] for f in child.figures
        }
    assert '<th scope="col" class="num">Satisfaction rate</th>' in response.content.decode()
    a = next(c for c in children if c.area == personas.area_a)
    assert str(next(f for f in a.figures if f.key == "on_time_rate")) == "50.0%"


def test_grouped_figures_match_figures_for_every_metric(personas, cases, callbacks, min_n_one):  # noqa: F811
    scope = make_scope(personas.district_lead, area=DISTRICT, start=START, end=END)
    codes = ["420105001", "420105006"]
    grouped = figures_by(scope, codes)
    for code in codes:
        own = figures(make_scope(personas.district_lead, area=code, start=START, end=END))
        for mine, theirs in zip(grouped[code], own, strict=True):
            if mine.value is not None:  # own-query metrics are not grouped
                assert (mine.value.n, mine.value.value) == (theirs.value.n, theirs.value.value)


def test_figures_by_department_match_figures_of_each(personas, cases, min_n_one):  # noqa: F811
    from doorstep.catalogue.models import Department

    scope = make_scope(personas.district_lead, area=DISTRICT, start=START, end=END)
    ids = list(Department.objects.values_list("pk", flat=True))
    grouped = figures_by(scope, ids, by="department")
    counted = 0
    for pk in ids:
        own = figures(make_scope(personas.district_lead, area=DISTRICT, start=START, end=END,
                                 department=pk))  # fmt: skip
        for mine, theirs in zip(grouped[pk], own, strict=True):
            if mine.value is not None and theirs.value is not None:
                assert (mine.value.n, mine.value.value) == (theirs.value.n, theirs.value.value)
                counted += mine.value.n
            elif mine.value is not None:  # a need or dispute has no department: not grouped
                pytest.fail(mine.key)
    assert counted > 0


def test_drill_down_from_the_district_to_a_compound(client, personas, cases):  # noqa: F811
    client.force_login(personas.district_lead)
    response = client.get(URL, NOVEMBER)
    path = [personas.area_a.code[:9], personas.area_a.code, personas.compound_a.code]
    for code in path:
        child = next(c for c in response.context["children"] if c.area.code == code)
        assert f'href="{child.url.replace("&", "&amp;")}"' in response.content.decode()
        assert "start=2026-11-01" in child.url  # the period goes down with it
        response = client.get(child.url)
        assert response.status_code == 200
        assert response.context["area"].code == code
    crumbs = [c.area.code for c in response.context["crumbs"]]
    assert crumbs == [DISTRICT, *path]
    assert all(c.url for c in response.context["crumbs"])
    assert response.context["children"] == []  # a compound has no areas below


def test_a_clerks_breadcrumbs_link_only_inside_their_grant(client, personas, frozen):
    client.force_login(personas.clerk_a)
    response = client.get(URL, {"area": personas.compound_a.code})
    crumbs = {c.area.code: c.url for c in response.context["crumbs"]}
    assert crumbs[DISTRICT] is None and crumbs["420105006"] is None
    assert crumbs[personas.area_a.code] and crumbs[personas.compound_a.code]


@pytest.mark.parametrize(
    "key", ["closed_of_due", "on_time_rate", "trips_per_case", "first_trip_rate", "working_days"]
)
@pytest.mark.usefixtures("cases", "min_n_one")
def test_the_items_behind_a_figure_are_the_rows_it_counts(client, personas, key):
    client.force_login(personas.clerk_a)
    response = client.get(URL, {**NOVEMBER, "area": personas.compound_a.code})
    figure, behind = next((f, b) for f, b in response.context["figures"] if f.key == key)
    assert behind and behind.url.startswith(reverse("cases-list"))
    listed = client.get(behind.url)
    assert listed.status_code == 200
    rows = {c.pk for c in listed.context["page"].paginator.object_list}
    assert len(rows) == figure.value.n > 0
    if key == "closed_of_due":  # by hand: accepted, due in November, in compound A
        due = Case.objects.filter(
            area_code__startswith=personas.compound_a.code,
            accepted_on__isnull=False, due_on__range=(START, END),
        )  # fmt: skip
        assert rows == set(due.values_list("pk", flat=True))


@pytest.mark.usefixtures("callbacks", "ratings", "min_n_one", "_english")
def test_the_matters_behind_callback_and_bad_rating_figures(client, personas):
    client.force_login(personas.clerk_a)
    response = client.get(URL, {**NOVEMBER, "area": personas.compound_a.code})
    behind = {f.key: (f, b) for f, b in response.context["figures"]}

    figure, link = behind["response_rate"]
    listed = client.get(link.url)
    assert listed.status_code == 200
    matters = {s.pk for s in listed.context["page"].paginator.object_list}
    counted = Callback.objects.filter(
        subject__area_code__startswith=personas.compound_a.code, invalid="",
        at__gte=at(11, 1, 0), at__lt=at(12, 1, 0),
    )  # fmt: skip
    assert figure.value.n == counted.count() == 4  # callbacks, of these two matters
    assert matters == set(counted.values_list("subject_id", flat=True)) and len(matters) == 2

    figure, link = behind["bad_rectified"]
    listed = client.get(link.url)
    matters = {s.reference for s in listed.context["page"].paginator.object_list}
    assert matters == {"R13", "R14"}  # R15's was removed by appeal, R17's was in October
    assert figure.value.n == 3  # R14 was rated badly twice
    html = listed.content.decode()
    assert 'name="bad_after" value="2026-11-01"' in html
    assert "Narrowed by the dashboard" in html and "Rated badly, from: 2026-11-01" in html


@pytest.mark.parametrize(
    ("key", "listed_at"),
    [
        ("found_first", "needs-list"),
        ("reopened_rate", "needs-list"),
        ("extended_rate", "needs-list"),
        ("disputes_settled", "disputes-list"),
    ],
)
@pytest.mark.usefixtures("needs", "disputes", "min_n_one")
def test_the_needs_and_disputes_behind_a_figure(client, personas, key, listed_at):
    client.force_login(personas.district_lead)
    response = client.get(URL, {**NOVEMBER, "area": personas.area_a.code})
    figure, link = next((f, b) for f, b in response.context["figures"] if f.key == key)
    assert link.url.startswith(reverse(listed_at))
    listed = client.get(link.url)
    assert listed.status_code == 200
    assert listed.context["page"].paginator.count == figure.value.n > 0


def test_no_items_link_when_the_list_cannot_filter_so(client, personas, cases):  # noqa: F811
    from doorstep.catalogue.models import Department

    client.force_login(personas.district_lead)
    dept = Department.objects.first()
    response = client.get(URL, {**NOVEMBER, "department": dept.pk})
    assert response.status_code == 200
    assert all(behind is None for _f, behind in response.context["figures"])
    response = client.get(URL, {**NOVEMBER, "channel": "online"})
    assert all(behind is None for _f, behind in response.context["figures"])


def test_the_case_list_narrowed_by_area_and_period(client, personas, cases):  # noqa: F811
    client.force_login(personas.district_lead)
    listed = client.get(reverse("cases-list"), {"area": personas.area_b.code})
    assert {c.area_code[:12] for c in listed.context["page"].object_list} == {personas.area_b.code}
    listed = client.get(
        reverse("cases-list"), {"closed_from": "2026-11-20", "closed_to": "2026-11-20"}
    )
    assert listed.context["page"].paginator.count == 2  # late, and refused 00:30 on the 20th
    # the narrowing rides along when the page's own form is sent again
    assert 'name="closed_from" value="2026-11-20"' in listed.content.decode()
    api = client.get("/api/v1/cases/", {"area": "42x"})
    assert api.status_code == 400


def test_the_charts_data_island(client, personas, cases, callbacks, min_n_one):  # noqa: F811
    client.force_login(personas.district_lead)
    response = client.get(URL, NOVEMBER)
    html = response.content.decode()
    assert 'id="dashboard-data"' in html and "<script>" not in html  # no inline script
    assert "insight/vendor/echarts.min.js" in html and "insight/dashboard.js" in html
    marker = 'id="dashboard-data" type="application/json">'
    start = html.index(marker) + len(marker)
    data = json.loads(html[start : html.index("</script>", start)])
    assert data["trend"]["months"][0] == "2025-12" and data["trend"]["months"][-1] == "2026-11"
    on_time = next(s for s in data["trend"]["series"] if s["name"] == "Closed on time")
    assert on_time["data"][-1] == pytest.approx(60.0)  # 3 of 5 in the district
    assert len(data["children"]["areas"]) == len(response.context["children"])


# ---- who gets what -------------------------------------------------------------------------


def test_anonymous_is_sent_to_log_in(client, db):
    response = client.get(URL)
    assert response.status_code == 302 and response["Location"].startswith("/login/")
    response = client.get(URL + "league/")
    assert response.status_code == 302


def test_someone_without_figures_is_403(client, personas):
    client.force_login(personas.outsider)
    assert client.get(URL).status_code == 403
    assert client.get(URL + "league/").status_code == 403
    client.force_login(personas.administrator)  # programmes only
    assert client.get(URL).status_code == 403


def test_a_clerk_of_b_gets_404_for_community_a(client, personas, frozen):
    client.force_login(personas.clerk_b)
    assert client.get(URL, {"area": personas.area_a.code}).status_code == 404
    assert client.get(URL, {"area": personas.compound_a.code}).status_code == 404
    assert client.get(URL, {"area": "420105"}).status_code == 404
    assert client.get(URL, {"area": "999999999"}).status_code == 404
    assert client.get(URL + "league/", {"area": personas.area_a.code}).status_code == 404
    assert client.get(URL, {"area": personas.area_b.code}).status_code == 200


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"start": "2026-12-01", "end": "2026-11-01"}, "end"),
        ({"start": "1 November"}, "start"),
        ({"start": "0001-01-01"}, "start"),
        ({"channel": "fax"}, "channel"),
        ({"service": "999999"}, "service"),
        ({"department": "abc"}, "department"),
        ({"area": "42010x"}, "area"),
        ({"start": "2999-12-31", "end": "3000-01-01"}, "end"),
    ],
)
def test_bad_input_is_400_with_the_error_on_the_field(client, personas, frozen, params, field):
    client.force_login(personas.district_lead)
    response = client.get(URL, params)
    assert response.status_code == 400
    assert response.context["form"].errors[field]
    assert 'role="alert"' in response.content.decode()


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"month": "2026-13"}, "month"),
        ({"month": "Nov"}, "month"),
        ({"month": "0001-01"}, "month"),
        ({"month": "1900-01"}, "month"),  # its month before is out of range
        ({"month": "9999-12"}, "month"),
        ({"level": "planet"}, "level"),
        ({"area": "4201x"}, "area"),
    ],
)
def test_bad_league_input_is_400(client, personas, frozen, params, field):
    client.force_login(personas.district_lead)
    response = client.get(URL + "league/", params)
    assert response.status_code == 400
    assert response.context["form"].errors[field]


def test_the_edges_of_the_calendar_do_not_crash(client, personas, frozen):
    client.force_login(personas.district_lead)
    for period in ({"start": "1900-01-01", "end": "1900-01-31"}, {"end": "2999-12-31"}):
        assert client.get(URL, period).status_code == 200
    assert client.get(URL + "league/", {"month": "2999-12"}).status_code == 200
    assert client.get(URL + "league/", {"month": "1900-02"}).status_code == 200


def test_the_nav_links_the_dashboard_for_those_who_see_figures(client, personas, frozen):
    client.force_login(personas.clerk_a)
    assert f'href="{URL}"' in client.get("/").content.decode()
    client.force_login(personas.administrator)
    assert f'href="{URL}"' not in client.get("/").content.decode()


# ---- the lead's home panel -----------------------------------------------------------------


@pytest.mark.usefixtures("_english")
def test_the_home_panel_compares_this_month_with_last(client, personas, cases, callbacks, frozen):  # noqa: F811
    # 2026-12-01: this month is one day old; last month is November
    client.force_login(personas.district_lead)
    panel = client.get("/").context["panels"]["figures"]
    assert [line.now.key for line in panel.lines] == [
        "satisfaction_rate", "on_time_rate", "response_rate", "bad_rectified",
    ]  # fmt: skip
    on_time = next(line for line in panel.lines if line.now.key == "on_time_rate")
    assert on_time.before.value.n == 5
    assert on_time.now.value.n == 1  # completed 07:00 on 1 December
    assert on_time.change is None  # below the minimum n on both sides
    client.force_login(personas.clerk_a)
    assert client.get("/").context["panels"]["figures"] is None  # a clerk, not a lead


# ---- what a page costs -----------------------------------------------------------------------

# The dashboard: session, user, grants, the area (checked, then read), its ancestors, its
# children; the figures (one aggregate per table: cases, callbacks, ratings, needs, disputes;
# working days' own query); the children's key figures (one grouped query per table: callbacks,
# cases, ratings); the trend (24: twelve months of two tables); the form's service and
# department choices; the header's profile and inbox; the rollups' tallies (one query for the
# figures, one for the children's, one for each month of the trend). Pinned: a child area or a
# month that costs a query more fails.
DASHBOARD_QUERIES = 61


@pytest.mark.parametrize("code", ["420105", "420105006", "420105006001001"])
@pytest.mark.usefixtures("cases")
def test_the_dashboard_costs_a_pinned_number_of_queries_at_every_level(
    client, personas, code, django_assert_max_num_queries
):
    client.force_login(personas.district_lead)
    with django_assert_max_num_queries(DASHBOARD_QUERIES):
        assert client.get(URL, {**NOVEMBER, "area": code}).status_code == 200


@pytest.mark.usefixtures("cases", "callbacks")
def test_in_chinese_the_pages_render_and_bad_input_is_on_the_field(client, personas, settings):
    settings.LANGUAGE_CODE = "zh-hans"
    client.force_login(personas.district_lead)
    chinese = {"HTTP_ACCEPT_LANGUAGE": "zh-hans"}
    assert client.get(URL, NOVEMBER, **chinese).status_code == 200
    assert client.get(URL + "league/", {"month": "2026-11"}, **chinese).status_code == 200
    assert client.get("/", **chinese).status_code == 200
    response = client.get(URL, {"start": "2026-12-01", "end": "2026-11-01"}, **chinese)
    assert response.status_code == 400 and response.context["form"].errors["end"]
