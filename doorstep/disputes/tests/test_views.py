"""The dispute pages: the list (filters, scoping, pinned query count), registration, the
dispute page and its forms, and the wrong personas getting nothing."""

from __future__ import annotations

import datetime

import pytest
from django.urls import reverse

from doorstep.disputes.models import Dispute, MediationSession

from .conftest import TODAY, WRITTEN

pytestmark = pytest.mark.django_db


def login(client, user):
    client.force_login(user)
    return client


def test_list_shows_the_mediators_disputes_only(client, make_dispute, personas):
    mine = make_dispute()
    login(client, personas.mediator_a)
    response = client.get(reverse("disputes-list"))
    assert response.status_code == 200
    assert mine.number in response.content.decode()
    for who in ("mediator_b",):
        login(client, getattr(personas, who))
        response = client.get(reverse("disputes-list"))
        assert response.status_code == 200
        assert mine.number not in response.content.decode()
    for who in ("outsider", "reviewer", "grid_a", "clerk_a"):
        login(client, getattr(personas, who))
        assert client.get(reverse("disputes-list")).status_code == 403


def test_leads_see_every_dispute_in_their_area(client, make_dispute, personas):
    dispute = make_dispute()
    for who in ("street_lead", "district_lead", "admin"):
        login(client, getattr(personas, who))
        assert dispute.number in client.get(reverse("disputes-list")).content.decode()
        assert client.get(reverse("disputes-detail", args=[dispute.pk])).status_code == 200


def test_the_list_filters(client, make_dispute, mediated, personas, frozen):
    waiting = make_dispute(type="family")
    busy = mediated()
    login(client, personas.mediator_a)
    url = reverse("disputes-list")
    body = client.get(url, {"status": "in_mediation"}).content.decode()
    assert busy.number in body and waiting.number not in body
    body = client.get(url, {"type": "family"}).content.decode()
    assert waiting.number in body and busy.number not in body
    assert waiting.number not in client.get(url, {"overdue": "on"}).content.decode()
    frozen.move_to(datetime.datetime(2027, 1, 5, 10, 0, tzinfo=datetime.UTC))
    login(client, personas.mediator_a)  # the idle timeout signed her out
    body = client.get(url, {"overdue": "on"}).content.decode()
    assert waiting.number in body and busy.number in body


def test_list_query_count_is_pinned(client, make_dispute, personas, django_assert_num_queries):
    for _ in range(3):
        make_dispute()
    login(client, personas.mediator_a)
    client.get(reverse("disputes-list"))  # warm the session
    # session, user, grants, count, page, parties prefetch, header profile, inbox badge
    with django_assert_num_queries(8):
        response = client.get(reverse("disputes-list"))
    assert response.status_code == 200
    for _ in range(5):
        make_dispute()
    with django_assert_num_queries(8):
        client.get(reverse("disputes-list"))


def test_wrong_personas_get_404_on_the_page_and_every_action(client, mediated, personas):
    dispute = mediated()
    party = dispute.parties.first()
    urls = [
        reverse("disputes-detail", args=[dispute.pk]),
        reverse("disputes-agreement-pdf", args=[dispute.pk]),
    ]
    posts = [
        reverse("disputes-add-party", args=[dispute.pk]),
        reverse("disputes-notice", args=[dispute.pk, party.pk]),
        reverse("disputes-session", args=[dispute.pk]),
        reverse("disputes-risk", args=[dispute.pk]),
        reverse("disputes-outcome", args=[dispute.pk]),
        reverse("disputes-extend", args=[dispute.pk]),
        reverse("disputes-callback", args=[dispute.pk]),
        reverse("disputes-close", args=[dispute.pk, "withdraw"]),
        reverse("disputes-request-mediator", args=[dispute.pk]),
        reverse("disputes-decide-mediator", args=[dispute.pk]),
        reverse("disputes-attach", args=[dispute.pk]),
    ]
    for who in ("mediator_b", "outsider", "reviewer", "grid_a", "clerk_a"):
        login(client, getattr(personas, who))
        for url in urls:
            assert client.get(url).status_code == 404, (who, url)
        for url in posts:
            assert client.post(url, {"reason": "x"}).status_code == 404, (who, url)
    # The street lead sees the file but may not act on it.
    login(client, personas.street_lead)
    for url in posts:
        assert client.post(url, {"reason": "x"}).status_code == 403, url
    assert Dispute.objects.get().status == "in_mediation"


def test_register_through_the_form(client, personas, party_resident, frozen):
    login(client, personas.mediator_a)
    assert client.get(reverse("disputes-register")).status_code == 200
    data = {
        "source": "application",
        "type": "neighbours",
        "summary": "噪音纠纷",
        "area": personas.compound_a.pk,
        "p1-name": "甲",
        "p1-phone": "13900001111",
        "p2-name": "乙",
    }
    response = client.post(reverse("disputes-register"), data)
    dispute = Dispute.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("disputes-detail", args=[dispute.pk])
    assert [p.name for p in dispute.parties.all()] == ["甲", "乙"]


def test_bad_registration_shows_errors_and_writes_nothing(client, personas, frozen):
    login(client, personas.mediator_a)
    data = {
        "source": "police",
        "type": "neighbours",
        "summary": "x",
        "area": personas.compound_a.pk,
        "p1-name": "甲",
        "p2-name": "乙",
        "p2-phone": "12345",
    }
    response = client.post(reverse("disputes-register"), data)
    assert response.status_code == 400
    assert "referring body" in response.content.decode() or "Name the body" in (
        response.content.decode()
    )
    assert not Dispute.objects.exists()
    data["referred_by"] = "琴断口派出所"
    response = client.post(reverse("disputes-register"), data)
    assert response.status_code == 400
    assert "not a mainland mobile number" in response.content.decode()
    assert not Dispute.objects.exists()


def test_the_other_community_is_not_offered(client, personas):
    login(client, personas.mediator_a)
    body = client.get(reverse("disputes-register")).content.decode()
    assert personas.compound_a.name in body and personas.compound_b.name not in body


def test_session_refused_until_notices_then_recorded(client, make_dispute, personas):
    dispute = make_dispute()
    login(client, personas.mediator_a)
    page = client.get(reverse("disputes-detail", args=[dispute.pk])).content.decode()
    assert 'id="session-blocked"' in page
    session = {"held_on": TODAY.isoformat(), "place": "调解室", "attendees": "双方", "record": "r"}
    response = client.post(reverse("disputes-session", args=[dispute.pk]), session, follow=True)
    assert "acknowledge the notice" in response.content.decode()
    assert not MediationSession.objects.exists()
    for party in dispute.parties.all():
        client.post(reverse("disputes-notice", args=[dispute.pk, party.pk]), {"signed_by": ""})
    client.post(reverse("disputes-session", args=[dispute.pk]), session)
    assert Dispute.objects.get().status == "in_mediation"


def test_outcome_callback_and_close_through_the_page(client, mediated, personas):
    dispute = mediated()
    login(client, personas.mediator_a)
    data = {k: (v.isoformat() if isinstance(v, datetime.date) else v) for k, v in WRITTEN.items()}
    data["effective_on"] = TODAY.isoformat()
    client.post(reverse("disputes-outcome", args=[dispute.pk]), data)
    assert Dispute.objects.get().status == "agreement"
    page = client.get(reverse("disputes-detail", args=[dispute.pk])).content.decode()
    assert 'id="agreement-pdf"' in page and 'id="act-callback"' in page
    client.post(
        reverse("disputes-callback", args=[dispute.pk]),
        {"on": TODAY.isoformat(), "reached": "on", "performance": "kept", "satisfaction": "4"},
    )
    client.post(reverse("disputes-close", args=[dispute.pk, "close"]), {"close-reason": ""})
    assert Dispute.objects.get().status == "closed"


def test_checklist_on_the_page(client, agreed, personas):
    dispute = agreed()
    login(client, personas.mediator_a)
    page = client.get(reverse("disputes-detail", args=[dispute.pk])).content.decode()
    assert 'data-item="notice" data-state="in"' in page
    assert 'data-item="sessions" data-state="in"' in page
    assert 'data-item="application" data-state="missing"' in page
    assert 'data-item="callback" data-state="missing"' in page


def test_home_worklist(client, agreed, make_dispute, personas):
    waiting = make_dispute()
    agreement = agreed()
    login(client, personas.mediator_a)
    body = client.get(reverse("home")).content.decode()
    assert 'id="disputes-worklist"' in body
    assert waiting.number in body and agreement.number in body
    assert 'id="worklist-callbacks"' in body and 'id="worklist-confirmations"' in body
    login(client, personas.mediator_b)
    body = client.get(reverse("home")).content.decode()
    assert waiting.number not in body
    login(client, personas.clerk_a)
    assert 'id="disputes-worklist"' not in client.get(reverse("home")).content.decode()


def test_another_mediator_requested_and_decided_on_the_page(
    client, make_dispute, personas, django_user_model
):
    from doorstep.staff.models import RoleGrant

    lead = django_user_model.objects.create_user("lead_a", password="pw")
    RoleGrant.objects.create(user=lead, role="community_lead", area=personas.area_a)
    other = django_user_model.objects.create_user("mediator_a2", password="pw")
    RoleGrant.objects.create(user=other, role="mediator", area=personas.area_a)
    dispute = make_dispute()
    party = dispute.parties.last()
    login(client, personas.mediator_a)
    client.post(
        reverse("disputes-request-mediator", args=[dispute.pk]),
        {"party": party.pk, "reason": "与对方相识"},
    )
    page = client.get(reverse("disputes-detail", args=[dispute.pk])).content.decode()
    assert "与对方相识" in page and 'id="act-decide"' not in page
    login(client, lead)
    page = client.get(reverse("disputes-detail", args=[dispute.pk])).content.decode()
    assert 'id="act-decide"' in page
    client.post(
        reverse("disputes-decide-mediator", args=[dispute.pk]), {"grant": "1", "mediator": other.pk}
    )
    assert Dispute.objects.get().mediator == other


def test_refusals_read_in_chinese(client, make_dispute, personas, settings):
    settings.LANGUAGE_CODE = "zh-hans"
    dispute = make_dispute()
    login(client, personas.mediator_a)
    session = {"held_on": TODAY.isoformat(), "place": "调解室", "attendees": "双方", "record": "r"}
    response = client.post(reverse("disputes-session", args=[dispute.pk]), session, follow=True)
    assert "各方当事人须先签收权利义务告知书" in response.content.decode()
    assert not MediationSession.objects.exists()
