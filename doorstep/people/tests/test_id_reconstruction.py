"""Nobody without the key or the reveal permission can rebuild an ID number (DESIGN.md §6).

An attacker is given everything such a person could gather about one resident: the resident's
database row as a dump holds it (without the key), or every page, PDF and API answer each persona
without the reveal permission can open about the resident. The attacker already knows the area
code, birth date and sex (they are stored plain by design), so the candidates are the numbers
with that area, birth date and sex and a valid check character; every run of ID-like characters
in the gathered text that the real number fits (as a masked number, a tail, or a reversed tail)
narrows them further. At least 100 must remain. The same counter given what the old design stored
and showed (first six and last four, the reversed tail) finds exactly one: the test can fail.
"""

from __future__ import annotations

import datetime
import io
import re

import pytest
from django.urls import reverse
from pypdf import PdfReader

from doorstep.cases.models import CaseDocument
from doorstep.cases.tests.conftest import (  # noqa: F401 - fixtures used by name
    frozen,
    holidays,
    make_case,
    materials,
    service,
)
from doorstep.core import idnumber
from doorstep.people.models import Resident
from doorstep.proactive.tests.conftest import department, make_programme  # noqa: F401

MIN_CANDIDATES = 100
# A run of digits, X and mask characters standing alone (not inside a hash or a word).
_TOKEN = re.compile(r"(?<![0-9A-Za-z*＊•])[0-9Xx*＊•]{4,18}(?![0-9A-Za-z*＊•])")


def _fits(pattern: str, number: str) -> bool:
    """``pattern`` (stars for hidden characters) agrees with ``number`` where it lines up: as
    the whole number when it is 18 long, else as its tail, read forwards or reversed."""
    p = pattern.upper().replace("＊", "*").replace("•", "*")

    def tail(s: str) -> bool:
        return all(c == "*" or c == n for c, n in zip(s, number[-len(s) :], strict=True))

    if len(p) == 18:
        return all(c == "*" or c == n for c, n in zip(p, number, strict=True))
    return tail(p) or tail(p[::-1])


def candidates(resident: Resident, texts: list[str]) -> int:
    """How many ID numbers agree with the plain facts and with everything in ``texts``."""
    number = resident.id_number()
    # The attacker is told which clues are about this number: the worst case for us.
    clues = {t for text in texts for t in _TOKEN.findall(text) if _fits(t, number)}
    parity = 1 if resident.sex == "M" else 0
    universe = [
        idnumber.make(number[:6], resident.birth_date, seq)
        for seq in range(1000)
        if seq % 2 == parity
    ]
    assert number in universe
    return sum(all(_fits(clue, n) for clue in clues) for n in universe)


def dump(resident: Resident) -> list[str]:
    """The resident's row as a database dump shows it: every column, as text."""
    row = Resident.objects.filter(pk=resident.pk).values().get()
    return [str(value) for value in row.values()]


def _pdf_text(data: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages)


def gather(client, user, resident, case, programme) -> list[str]:
    """Every page, PDF and API answer about ``resident`` that ``user`` can open."""
    client.force_login(user)
    pk = resident.pk
    urls = [
        reverse("people-detail", args=[pk]),
        reverse("people-edit", args=[pk]),
        reverse("people-certificate-create", args=[pk]),
        reverse("people-list"),
        reverse("people-search") + f"?q={resident.name}",
        reverse("proactive:resident", args=[pk]),
        reverse("proactive:why", args=[programme.pk, pk]),
        reverse("proactive:why-search", args=[programme.pk]) + f"?q={resident.name}",
        reverse("proactive:preview", args=[programme.pk]),
        reverse("cases-list"),
        reverse("cases-detail", args=[case.pk]),
        reverse("cases-intake") + f"?resident={pk}",
        "/api/v1/cases/",
        f"/api/v1/cases/{case.pk}/",
        f"/api/v1/cases/checklist/?resident={pk}&service={case.service_id}",
        f"/api/v1/programmes/{programme.pk}/why/{pk}/",
        f"/api/v1/programmes/{programme.pk}/preview/",
    ]
    texts, opened = [], 0
    for url in urls:
        response = client.get(url)
        if response.status_code == 200:
            opened += 1
            texts.append(response.content.decode())
    for document in CaseDocument.objects.filter(case=case):
        url = reverse("cases-document-pdf", args=[case.pk, document.pk])
        response = client.get(url)
        if response.status_code == 200:
            opened += 1
            texts.append(_pdf_text(b"".join(response)))
    return texts if opened else []


@pytest.fixture
def resident(make_resident):
    return make_resident("张景林", birth=datetime.date(1950, 3, 7), mobile="13812345678")


@pytest.fixture
def world(request, personas, resident):
    # The cases' and programmes' fixtures, imported above, asked for by name.
    request.getfixturevalue("frozen")
    case = request.getfixturevalue("make_case")()
    programme = request.getfixturevalue("make_programme")(
        "elderly-70", "age >= 70", name="高龄津贴", amount="50.00"
    )
    # Clerk A and the district lead lose the reveal permission: everyone here is without it.
    for user in (personas.clerk_a, personas.district_lead):
        user.user_permissions.clear()
    return resident, case, programme


def test_a_database_dump_leaves_at_least_100_candidates(world):
    resident, _case, _programme = world
    assert candidates(resident, dump(resident)) >= MIN_CANDIDATES


@pytest.mark.parametrize(
    "persona", ["clerk_a", "grid_a", "street_lead", "district_lead", "administrator", "reviewer"]
)
def test_no_persona_without_the_reveal_permission_narrows_it_below_100(
    client, personas, world, persona
):
    resident, case, programme = world
    user = getattr(personas, persona)
    assert not user.has_perm("people.reveal_id_number")
    texts = gather(client, user, resident, case, programme)
    if persona in ("clerk_a", "grid_a", "street_lead", "district_lead"):
        assert texts, "this persona should see the resident somewhere"
        assert any(resident.name in t for t in texts)
    assert candidates(resident, texts) >= MIN_CANDIDATES


def test_the_old_mask_and_tail_gave_the_number_away(world):
    # What the previous design stored and showed: first six and last four, the reversed tail.
    resident, _case, _programme = world
    number = resident.id_number()
    old_page = f"<dd>{number[:6]}********{number[-4:]}</dd><dd>{resident.birth_date:%Y-%m-%d}</dd>"
    assert candidates(resident, [old_page]) == 1
    assert candidates(resident, [*dump(resident), number[:-7:-1]]) == 1
    # And the counter sees a full number, should one ever be shown.
    assert candidates(resident, [f"ID {number}."]) == 1


def test_the_migration_fills_the_tail_hash_and_shortens_old_masks(resident):
    from importlib import import_module

    from django.apps import apps

    from doorstep.core import crypto

    fill = import_module("doorstep.people.migrations.0007_fill_id_tail_hash").fill
    number = resident.id_number()
    Resident.objects.filter(pk=resident.pk).update(
        id_tail_hash="", id_masked=f"{number[:6]}********{number[-4:]}"
    )
    fill(apps, None)
    resident.refresh_from_db()
    assert resident.id_tail_hash == crypto.tail_hash(number[-4:])
    assert resident.id_masked == f"{number[:6]}************"
