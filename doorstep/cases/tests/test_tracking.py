"""The public tracking page: receipt number and the last 4 digits of the resident's mobile, no
login. It shows the status, what is still needed and the due date, and of the person only
their initials; a wrong receipt and wrong digits look the same; guessing is throttled."""

from __future__ import annotations

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
    assert 'id="initials">ZJL<' in body
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
