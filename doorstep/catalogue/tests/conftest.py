from __future__ import annotations

import pytest

from doorstep.catalogue import sample
from doorstep.catalogue.loader import load_catalogue
from doorstep.catalogue.models import Service
from doorstep.catalogue.synonyms import seed_synonyms

# A few sample rows, enough for the public pages: 最低生活保障 (mz-001) among them.
ROWS = [r for r in sample.SERVICES if r[0] in {"mz-001", "mz-004", "yb-001", "ga-006", "rs-007"}]


@pytest.fixture(autouse=True)
def _english(settings):
    # Assertions read the English source strings, whatever the catalogues say.
    settings.LANGUAGE_CODE = "en"


@pytest.fixture
def catalogue(db):
    seed_synonyms()  # the migration's rows are gone after a transactional test
    load_catalogue(rows=ROWS)
    return {s.code: s for s in Service.objects.all()}


@pytest.fixture
def dibao(catalogue) -> Service:
    return catalogue["mz-001"]
