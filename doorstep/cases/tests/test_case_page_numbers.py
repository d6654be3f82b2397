"""The case page shows no full phone number: the proxy's (代办人) phone is masked, as in the API."""

from __future__ import annotations

from django.urls import reverse


def test_the_case_page_masks_the_agents_phone(client, personas, make_case, frozen):
    case = make_case("accept", agent_kind="family", agent_name="张小林",
                     agent_phone="13800001234", consent=True)  # fmt: skip
    client.force_login(personas.clerk_a)
    body = client.get(reverse("cases-detail", args=[case.pk])).content.decode()
    assert "张小林" in body and "138****1234" in body
    assert "13800001234" not in body


def test_the_wrong_persona_sees_no_case_page(client, personas, make_case, frozen):
    case = make_case("accept", agent_kind="family", agent_name="张小林",
                     agent_phone="13800001234", consent=True)  # fmt: skip
    client.force_login(personas.clerk_b)
    response = client.get(reverse("cases-detail", args=[case.pk]))
    assert response.status_code == 404 and "张小林" not in response.content.decode()
