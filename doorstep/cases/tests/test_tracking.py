"""The public tracking page: receipt number and the last 4 digits of the resident's mobile, no
login. It shows the status, what is still needed and the due date, and of the person only
their surname (张**); a wrong receipt and wrong digits look the same; guessing is throttled."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from doorstep.cases.actions import do_add_note, do_transition

URL = "/cases/track/"


@pytest.fixture(autouse=True)
def _frozen(frozen):
    """Every test here at the suite's frozen time (the throttle's counts, in the database
    cache table, roll back with each test)."""


@pytest.fixture
def phoned(make_resident):
    return make_resident("张景林", mobile="13812345678")


@pytest.fixture
def tracked(make_case, phoned):
    return make_case("notice", resident=phoned)


def look_up(client, receipt: str, digits: str, ip: str = "198.51.100.7"):
    return client.post(URL, {"receipt": receipt, "digits": digits}, REMOTE_ADDR=ip)


def test_the_url_is_the_one_printed_on_the_papers():
    assert reverse("cases-track") == URL


def test_the_form_is_prefilled_from_the_qr_code(client, db):
    response = client.get(URL, {"receipt": "20261201-K7QXMP"})
    assert response.status_code == 200
    assert 'value="20261201-K7QXMP"' in response.content.decode()


def test_the_resident_sees_the_status_and_what_is_still_needed(client, tracked, phoned):
    response = look_up(client, tracked.receipt, "5678")
    assert response.status_code == 200
    body = response.content.decode()
    assert tracked.receipt in body
    assert "Awaiting materials" in body and "Taken in" in body
    assert "困难残疾人生活补贴" in body
    assert 'id="applicant">张**<' in body
    assert ">ZJL<" not in body and "张景林" not in body
    needed = body[body.index('id="still-needed"') :]
    assert "残疾人证" in needed and "申请表" in needed
    assert "居民身份证" not in needed.split("</ul>")[0]  # it was brought


def test_no_personal_data_on_the_page(client, tracked, phoned, personas):
    do_add_note(tracked, actor=personas.clerk_a, text="张景林的儿子来电 13812345678")
    body = look_up(client, tracked.receipt, "5678").content.decode()
    for private in (
        phoned.name,
        phoned.phone,
        phoned.phone_masked,
        phoned.id_masked,
        phoned.id_number(),
        personas.clerk_a.get_full_name(),
        "来电",
    ):
        assert private not in body, private


def test_a_lower_case_receipt_with_spaces_is_fine(client, tracked):
    response = look_up(client, f"  {tracked.receipt.lower()} ", "5678")
    assert response.status_code == 200 and tracked.receipt in response.content.decode()


def test_wrong_digits_and_wrong_receipt_look_the_same(client, tracked):
    wrong_digits = look_up(client, tracked.receipt, "1234")
    wrong_receipt = look_up(client, "20261201-AAAAAA", "5678")
    assert wrong_digits.status_code == wrong_receipt.status_code == 404
    for response in (wrong_digits, wrong_receipt):
        body = response.content.decode()
        assert 'id="track-not-found"' in body
        assert "Awaiting materials" not in body and "困难残疾人生活补贴" not in body


def test_a_resident_without_a_mobile_cannot_be_guessed(client, make_case, resident):
    case = make_case("notice", resident=resident)  # no phone on file
    assert look_up(client, case.receipt, "0000").status_code == 404
    assert look_up(client, case.receipt, "").status_code == 400


@pytest.mark.parametrize("digits", ["", "567", "56789", "5a78"])
def test_digits_must_be_four_digits(client, tracked, digits):
    response = look_up(client, tracked.receipt, digits)
    assert response.status_code == 400
    assert "Awaiting materials" not in response.content.decode()


def test_the_due_date_and_a_completed_case(client, make_case, phoned, personas):
    case = make_case("accept", resident=phoned)
    body = look_up(client, case.receipt, "5678").content.decode()
    assert "2026-12-15" in body and "Accepted" in body
    do_transition(case, "forward", actor=personas.clerk_a)
    do_transition(case, "approve", actor=personas.reviewer)
    do_transition(case, "complete", actor=personas.clerk_a)
    body = look_up(client, case.receipt, "5678").content.decode()
    assert "Completed" in body and "Forwarded to department" in body
    assert "still-needed" not in body


def test_refusal_and_correction_reasons_are_shown_other_reasons_not(
    client, make_case, phoned, personas
):
    refused = make_case("refuse", resident=phoned, reason="不属于本事项办理范围")
    body = look_up(client, refused.receipt, "5678").content.decode()
    assert "Refused" in body and "不属于本事项办理范围" in body

    returned = make_case("accept", resident=phoned)
    do_transition(returned, "forward", actor=personas.clerk_a, reason="请尽快审核（内部）")
    do_transition(returned, "return", actor=personas.reviewer, reason="申请表缺少本人签名")
    body = look_up(client, returned.receipt, "5678").content.decode()
    assert "申请表缺少本人签名" in body and "Returned for correction" in body
    assert "请尽快审核" not in body

    withdrawn = make_case("accept", resident=phoned)
    do_transition(withdrawn, "withdraw", actor=personas.clerk_a, reason="家属王某说不办了")
    body = look_up(client, withdrawn.receipt, "5678").content.decode()
    assert "Withdrawn" in body and "王某" not in body


def test_guessing_is_throttled_per_address(client, tracked):
    for n in range(10):
        assert look_up(client, tracked.receipt, f"{n:04d}").status_code == 404
    throttled = look_up(client, tracked.receipt, "5678")  # even the right digits, now
    assert throttled.status_code == 429
    assert 'id="track-throttled"' in throttled.content.decode()
    assert "Awaiting materials" not in throttled.content.decode()
    # Another connection is not held up by this one.
    assert look_up(client, tracked.receipt, "5678", ip="203.0.113.9").status_code == 200


def test_successful_look_ups_are_not_counted(client, tracked):
    for _ in range(12):
        assert look_up(client, tracked.receipt, "5678").status_code == 200
    for n in range(9):
        look_up(client, tracked.receipt, f"{n:04d}")
    assert look_up(client, tracked.receipt, "5678").status_code == 200


def test_the_throttle_wears_off(client, tracked, frozen):
    import datetime

    for n in range(10):
        look_up(client, tracked.receipt, f"{n:04d}")
    assert look_up(client, tracked.receipt, "5678").status_code == 429
    frozen.shift(datetime.timedelta(minutes=11))
    assert look_up(client, tracked.receipt, "5678").status_code == 200


def test_the_public_navigation_links_to_tracking(client, db):
    assert URL in client.get(reverse("catalogue-index")).content.decode()


# ---- residents without a mobile ----------------------------------------------------------------


@pytest.fixture
def phoneless(make_case, resident):
    """A case of 张景林, who has no mobile on record."""
    assert not resident.phone
    return make_case("notice", resident=resident)


def test_without_a_mobile_the_id_tail_finds_the_case(client, phoneless, resident):
    tail = resident.id_number()[-4:]
    response = look_up(client, phoneless.receipt, tail.lower())
    assert response.status_code == 200
    assert phoneless.receipt in response.content.decode()


def test_without_a_mobile_the_applicants_name_finds_the_case(client, phoneless):
    response = look_up(client, phoneless.receipt, " 张 景林 ")
    assert response.status_code == 200
    body = response.content.decode()
    assert phoneless.receipt in body and "张景林" not in body  # 张** only, as ever


def test_the_applicant_is_named_the_chinese_way(client, make_case, make_resident):
    """The surname and a star per other character (龚*), as the message answer page names the
    recipient: never the full name, never the pinyin initials."""
    gong = make_resident("龚健", mobile="13812345678")
    case = make_case("notice", resident=gong)
    body = look_up(client, case.receipt, "5678").content.decode()
    assert 'id="applicant">龚*<' in body
    assert "龚健" not in body and 'id="initials"' not in body
    assert not re.search(r">\s*GJ\s*<", body, re.IGNORECASE)  # the pinyin initials


def test_someone_elses_name_or_tail_finds_nothing(client, phoneless, make_resident):
    other = make_resident("李秀英")
    assert look_up(client, phoneless.receipt, "李秀英").status_code == 404
    assert look_up(client, phoneless.receipt, other.id_number()[-4:]).status_code == 404


def test_the_id_tail_works_for_a_resident_with_a_mobile_too(client, tracked, phoned):
    assert look_up(client, tracked.receipt, phoned.id_number()[-4:]).status_code == 200


@pytest.mark.parametrize("shape", ["nodash", "lower", "lower-nodash", "fullwidth"])
def test_the_receipt_with_or_without_its_dash_in_any_case(client, tracked, shape):
    receipt = tracked.receipt
    typed = {
        "nodash": receipt.replace("-", ""),
        "lower": receipt.lower(),
        "lower-nodash": receipt.replace("-", "").lower(),
        "fullwidth": "".join(chr(ord(c) + 0xFEE0) for c in receipt.replace("-", "")),
    }[shape]
    response = look_up(client, typed, "5678")
    assert response.status_code == 200 and receipt in response.content.decode()


@pytest.mark.parametrize("answer", ["", "a", "12345", "ab12", "<script>", "张"])
def test_a_check_that_is_neither_a_tail_nor_a_name_is_refused(client, phoneless, answer):
    response = look_up(client, phoneless.receipt, answer)
    assert response.status_code == 400
    body = response.content.decode()
    assert "Awaiting materials" not in body and "your full name" in body


def test_wrong_names_are_throttled_like_wrong_digits(client, phoneless):
    for name in ["王一", "王二", "王三", "王四", "王五", "王六", "王七", "王八", "王九", "王十"]:
        assert look_up(client, phoneless.receipt, name).status_code == 404
    assert look_up(client, phoneless.receipt, "张景林").status_code == 429


def test_the_api_tracks_without_a_mobile(client, phoneless, resident):
    url = reverse("api:cases-track")
    by_tail = client.get(url, {"receipt": phoneless.receipt.replace("-", "").lower(),
                               "id_last4": resident.id_number()[-4:]})  # fmt: skip
    assert by_tail.status_code == 200 and by_tail.json()["receipt"] == phoneless.receipt
    by_name = client.get(url, {"receipt": phoneless.receipt, "name": "张景林"})
    assert by_name.status_code == 200
    wrong = client.get(url, {"receipt": phoneless.receipt, "name": "王五"})
    assert wrong.status_code == 404 and wrong.json()["code"] == "not_found"
    bad = client.get(url, {"receipt": phoneless.receipt, "name": "<b>"})
    assert bad.status_code == 400
