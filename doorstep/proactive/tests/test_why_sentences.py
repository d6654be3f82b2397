"""Why / why not as sentences a clerk can say to a resident, not the rule's syntax; the stop rule
only for someone who holds the grant."""

from __future__ import annotations

import datetime

from django.urls import reverse

from doorstep.proactive.models import Entitlement
from doorstep.proactive.tests import test_views as shared
from doorstep.proactive.tests.test_views import logged_in
from doorstep.proactive.why import explain

world, ran = shared.world, shared.ran

RULE = 'age >= 80 && status == "active" && "低保" in tags && area.startsWith("420105001")'


def test_every_failed_condition_is_a_sentence(world, make_programme):
    programme = make_programme("dibao-80", RULE)
    why = explain(programme, world.young_a)  # 79, community A (七里一村), no tag
    assert why.outcome.startswith("Not eligible: aged 79, not yet 80; ")
    assert "does not have the “低保” mark" in why.outcome
    assert "household not registered in 晴川街道 (registered in 二印小区)" in why.outcome
    for raw in ("age >", ">=", "status", "in tags", "startsWith", '"'):
        assert raw not in why.outcome


def test_the_page_speaks_sentences_to_a_clerk(client, world, make_programme):
    programme = make_programme("dibao-80", RULE, stop_rule='status == "deceased"')
    logged_in(client, world.personas.clerk_a)
    url = reverse("proactive:why", args=[programme.pk, world.young_a.pk])
    text = client.get(url).content.decode()
    assert "aged 79, not yet 80" in text and "registered as “Living here”" in text
    assert "status ==" not in text and "in tags" not in text and "&amp;&amp;" not in text
    # 李大爷 holds nothing: the stop rule is not his business.
    assert 'id="stop-tree"' not in text


def test_the_stop_rule_is_shown_to_someone_who_holds_the_grant(client, world, ran):
    assert Entitlement.objects.filter(resident=world.old_a).exists()
    logged_in(client, world.personas.clerk_a)
    url = reverse("proactive:why", args=[world.programme.pk, world.old_a.pk])
    text = client.get(url).content.decode()
    assert 'id="stop-tree"' in text and "registered as “Living here”" in text


def test_a_clerk_of_another_community_gets_nothing(client, world):
    logged_in(client, world.personas.clerk_b)
    url = reverse("proactive:why", args=[world.programme.pk, world.young_a.pk])
    assert client.get(url).status_code == 404
    client.logout()
    assert client.get(url).status_code == 302


def test_a_bad_date_is_said_and_explains_nothing(client, world):
    logged_in(client, world.personas.clerk_a)
    url = reverse("proactive:why", args=[world.programme.pk, world.young_a.pk])
    response = client.get(url, {"on": "2026-02-30"})
    assert response.status_code == 400 and 'id="outcome"' not in response.content.decode()


def test_a_household_rule_reads_as_words(world, make_programme, make_household):
    make_household(world.old_a)
    programme = make_programme("alone", "lives_alone && household_size < 2 && age > 84")
    why = explain(programme, world.old_a, on=datetime.date(2026, 12, 1))
    assert why.outcome == (
        "Eligible: lives alone (household of 1); a household of 1, fewer than 2; aged 85, "
        "85 or over."
    )


def test_the_api_gives_each_condition_its_sentence(client, world):
    logged_in(client, world.personas.clerk_a)
    url = reverse("api:programme-why", args=[world.programme.pk, world.young_a.pk])
    body = client.get(url).json()
    assert body["outcome"] == "Not eligible: aged 79, not yet 80."
    sentences = [c["sentence"] for c in body["grant"]["children"]]
    assert sentences == ["aged 79, not yet 80", "registered as “Living here”"]
