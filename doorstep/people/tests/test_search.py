"""Desk search: name, pinyin, initials, ID tail and phone tail, only within one's areas."""

from __future__ import annotations

import datetime

import pytest
from django.db import connection
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from doorstep.core import idnumber
from doorstep.people.models import Resident
from doorstep.people.search import search_q, search_queryset, search_residents

X_NUMBER = "11010519491231002X"


@pytest.fixture
def people(personas, make_resident):
    a = personas.compound_a
    return {
        "zjl": make_resident("张景林", area=a, mobile="13812345678"),
        "zj": make_resident("张杰", area=a, mobile="13900001234"),
        "lxy": make_resident("李秀英", area=a, id_number=X_NUMBER),
        "oy": make_resident("欧阳娜娜", area=personas.area_a),
        "b_zjl": make_resident("张景林", area=personas.compound_b, mobile="13700005678"),
    }


def names(user, query, **kw) -> list[str]:
    return [r.name for r in search_residents(user, query, **kw)]


def pks(user, query) -> set[int]:
    return {r.pk for r in search_residents(user, query)}


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("张", ["张景林", "张杰"]),
        ("张景", ["张景林"]),
        ("张景林", ["张景林"]),
        (" 张景林 ", ["张景林"]),
        ("欧阳", ["欧阳娜娜"]),
        ("景林", []),  # a prefix, not a substring
        ("zhangjing", ["张景林"]),
        ("ZhangJing", ["张景林"]),
        ("zhang jing lin", ["张景林"]),
        ("zhang", ["张景林", "张杰"]),
        ("zjl", ["张景林"]),
        ("ZJL", ["张景林"]),
        ("zj", ["张景林", "张杰"]),
        ("oyn", ["欧阳娜娜"]),
        ("ouyang", ["欧阳娜娜"]),
        ("lxy", ["李秀英"]),
        ("zz", []),
    ],
)
def test_names_pinyin_and_initials(people, personas, query, expected):
    assert names(personas.clerk_a, query) == expected


def test_id_tails(people, personas):
    zjl = people["zjl"]
    number = zjl.id_number()
    for n in (4, 5, 6):
        assert zjl.pk in pks(personas.clerk_a, number[-n:]), n
    assert pks(personas.clerk_a, number[-6:]) == {zjl.pk}
    assert not pks(personas.clerk_a, number[-7:])  # longer than the indexed tail


@pytest.mark.parametrize("query", ["002X", "002x", " 002 x ", "1002x", "31002X"])
def test_id_tail_ending_in_x(people, personas, query):
    found = [Resident.objects.get(pk=r.pk) for r in search_residents(personas.clerk_a, query)]
    assert people["lxy"] in found
    tail = query.replace(" ", "").upper()
    assert all(r.id_number().endswith(tail) for r in found)
    if len(tail) == 6:
        assert list(found) == [people["lxy"]]


def test_five_or_six_character_tails_use_the_birth_day(personas, make_resident):
    # Same last four, different birth days: the characters before the last four are the day.
    # (One changed digit always changes the check character, so the month differs too.)
    seventh_number = idnumber.make("420105", datetime.date(1950, 3, 7), 5)
    pair = next(
        (seventh_number, b)
        for month in range(1, 13)
        if (b := idnumber.make("420105", datetime.date(1950, month, 17), 5))[-4:]
        == seventh_number[-4:]
    )
    seventh = make_resident("钱七", id_number=pair[0])
    seventeenth = make_resident("钱十七", id_number=pair[1])
    tail = pair[0][-4:]
    assert pks(personas.clerk_a, tail) >= {seventh.pk, seventeenth.pk}
    assert pks(personas.clerk_a, "7" + tail) == {seventh.pk, seventeenth.pk}
    assert pks(personas.clerk_a, "07" + tail) == {seventh.pk}
    assert pks(personas.clerk_a, "17" + tail) == {seventeenth.pk}
    assert pks(personas.clerk_a, "27" + tail) == set()
    assert search_q("00" + tail) is None  # no day 00


def test_no_part_of_the_tail_is_stored_in_plain_text(people):
    row = Resident.objects.filter(pk=people["lxy"].pk).values().get()
    stored = " ".join(str(v) for k, v in row.items() if k != "id_cipher")
    for n in (4, 3):
        assert X_NUMBER[-n:] not in stored and X_NUMBER[-n:][::-1] not in stored
    assert row["id_masked"] == "110105************"


def test_phone_tail(people, personas):
    assert pks(personas.clerk_a, "5678") == {people["zjl"].pk}
    assert pks(personas.clerk_a, "1234") == {people["zj"].pk}
    assert not pks(personas.clerk_a, "45678")  # five phone digits are not a phone tail


def test_four_digits_match_an_id_tail_or_a_phone_tail(personas, make_resident):
    number = idnumber.make("420105", datetime.date(1960, 1, 1), 123)
    by_id = make_resident("赵一", id_number=number)
    by_phone = make_resident("赵二", mobile="1390000" + number[-4:])
    assert pks(personas.clerk_a, number[-4:]) == {by_id.pk, by_phone.pk}


@pytest.mark.parametrize(
    ("persona", "expected"),
    [
        ("clerk_a", {"zjl"}),
        ("grid_a", {"zjl"}),
        ("street_lead", {"zjl"}),
        ("clerk_b", {"b_zjl"}),
        ("district_lead", {"zjl", "b_zjl"}),
        ("admin", {"zjl", "b_zjl"}),
        ("reviewer", set()),
        ("outsider", set()),
    ],
)
def test_results_are_limited_to_the_searchers_areas(people, personas, persona, expected):
    user = getattr(personas, persona)
    want = {people[k].pk for k in expected}
    assert pks(user, "张景林") == want
    assert pks(user, "zjl") == want


def test_clerk_b_never_sees_clerk_a_residents(people, personas):
    mine = {people["b_zjl"].pk}
    for r in people.values():
        if r.pk in mine:
            continue
        for query in (r.name, r.name_pinyin, r.name_initials, r.id_number()[-6:], r.phone[-4:]):
            if query:
                assert pks(personas.clerk_b, query) <= mine, query


@pytest.mark.parametrize(
    "query",
    [
        "",
        "   ",
        "1",
        "12",
        "123",
        "x",
        "%",
        "_",
        "%%%%",
        "____",
        "' OR 1=1 --",
        "'; DROP TABLE people_resident; --",
        "张%",
        "z%",
        "12_4",
        "\\",
        "!!!",
        "，。",
        "1234567",
        "\x00",
        "١٢٣٤",  # Arabic-Indic digits
    ],
)
def test_garbage_finds_nothing_and_does_not_fail(people, personas, query):
    assert list(search_residents(personas.admin, query)) == []
    assert Resident.objects.count() == 5


def test_full_width_input_is_folded(people, personas):
    assert pks(personas.clerk_a, "５６７８") == {people["zjl"].pk}
    assert pks(personas.clerk_a, "ｚｊｌ") == {people["zjl"].pk}
    assert pks(personas.clerk_a, "００２ｘ") >= {people["lxy"].pk}


def test_single_latin_letter_is_an_initial(people, personas):
    # Not garbage: "z" is the start of 张's initials.
    assert set(names(personas.clerk_a, "z")) == {"张景林", "张杰"}


def test_limit(personas, make_resident):
    for i in range(7):
        make_resident("张三", birth=datetime.date(1950, 1, 1 + i))
    assert len(search_residents(personas.clerk_a, "zs", limit=5)) == 5
    assert len(search_residents(personas.clerk_a, "张三")) == 7
    assert len(search_residents(personas.clerk_a, "张", limit=3)) == 3


def test_one_query_with_the_area_loaded(people, personas, django_assert_num_queries):
    with django_assert_num_queries(2):  # the grants, then the search
        results = list(search_residents(personas.clerk_a, "zjl"))
        assert [r.area_name for r in results] == ["二印小区"]


@pytest.mark.skipif(connection.vendor != "sqlite", reason="SQLite query plans only")
@pytest.mark.parametrize(
    ("query", "indexes"),
    [
        ("zjl", ["name_initials", "name_pinyin"]),
        ("zhangjing", ["name_initials", "name_pinyin"]),
        ("张景", ["name_"]),
        ("5678", ["id_tail_hash", "phone_tail"]),
        ("002x", ["id_tail_hash"]),
        ("31002x", ["id_tail_hash"]),
    ],
)
@pytest.mark.parametrize("persona", ["clerk_a", "district_lead", "admin"])
def test_search_is_answered_from_its_own_index(people, personas, query, indexes, persona):
    qs = search_queryset(getattr(personas, persona), query)
    sql, params = qs.query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute(f"EXPLAIN QUERY PLAN {sql}", params)
        plan = [row[-1] for row in cursor.fetchall()]
    steps = [step for step in plan if "people_resident" in step]
    assert steps and all(step.startswith("SEARCH people_resident USING") for step in steps), plan
    for index in indexes:
        assert any(f"INDEX people_resident_{index}" in step for step in steps), plan
    # Regression: SQLite used to walk the area_code index, i.e. the district lead's whole
    # district, because without statistics it rates every range alike.
    assert not any("area_code" in step for step in steps), plan


def test_search_q_shapes():
    assert search_q("") is None
    assert search_q("%") is None
    assert search_q("12") is None
    assert search_q("zjl") is not None
    assert search_q("002x") is not None
    assert search_q("张") is not None


@pytest.mark.parametrize("query", ["张\x00", "张\x00景林", "zj\x00l", "00\x002x"])
def test_nul_characters_do_not_reach_the_database(people, personas, query):
    # PostgreSQL refuses NUL in a text parameter; the search must not turn that into a 500.
    list(search_residents(personas.admin, query))


@settings(
    max_examples=150,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(query=st.text(max_size=12))
def test_any_input_is_answered_without_error(people, personas, query):
    for user in (personas.clerk_a, personas.admin):
        found = list(search_residents(user, query))
        assert len(found) <= 20


def test_whole_id_number_or_mobile_finds_the_resident(personas, make_resident):
    from doorstep.core import idnumber
    from doorstep.people.search import search_residents

    number = idnumber.make("420105", __import__("datetime").date(1941, 5, 2), 7)
    mine = make_resident("欧阳娜", id_number=number, mobile="13912345678")
    assert pks(personas.clerk_a, number) == {mine.pk}
    assert pks(personas.clerk_a, "139 1234 5678") == {mine.pk}
    assert pks(personas.clerk_a, "欧阳 娜") == {mine.pk}
    # Nobody else's whole number finds anything, and the wrong clerk finds nothing.
    assert list(search_residents(personas.clerk_b, number)) == []
    assert list(search_residents(personas.clerk_a, "13912345679")) == []


def test_wildcards_in_a_name_are_literal_through_the_statement_cache(personas, make_resident):
    # The statement for a name search is compiled once; later values are bound into it,
    # LIKE-escaped on PostgreSQL. "张_" must not match 张伟 (``_`` is LIKE's any-character).
    odd = make_resident("张_三")
    make_resident("张伟")
    make_resident("张%五")
    assert names(personas.clerk_a, "张伟") == ["张伟"]  # compiles the name shape
    assert pks(personas.clerk_a, "张_") == {odd.pk}
    assert names(personas.clerk_a, "张%") == ["张%五"]
    assert sorted(names(personas.clerk_a, "张")) == sorted(["张_三", "张伟", "张%五"])
