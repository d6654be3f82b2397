"""The catalogue search bench (``doorstep/bench/catalogue_search.py``) at the SAMPLE
catalogue's size: its relevance list finds what it says, and its hand-written floor ranks
exactly as the product's search, so ``make bench`` compares like with like."""

from __future__ import annotations

import pytest
from django.db import connection

from doorstep.bench.catalogue_search import COLLOQUIAL, floor_search, relevance
from doorstep.catalogue.loader import load_catalogue
from doorstep.catalogue.search import search_services
from doorstep.catalogue.synonyms import seed_synonyms


@pytest.fixture
def full_catalogue(db):
    seed_synonyms()  # the migration's rows are gone after a transactional test
    load_catalogue()


def test_colloquial_queries_find_the_guide_in_the_first_three(full_catalogue):
    hits, misses = relevance()
    assert len(COLLOQUIAL) == 50
    assert (hits, misses) == (50, [])


def test_bench_floor_ranks_exactly_as_the_search(full_catalogue):
    """``make bench`` compares like with like: its hand-written ranking gives the same rows."""
    queries = [q for q, _c in COLLOQUIAL] + ["zuidi", "zd", "db", "mz-001", "80", "社保卡 密码"]
    queries += ["社保卡 mima", "最低生活保证", "户口 存折", "出生证明 户口", "户口 登记 火星"]
    with connection.cursor() as cursor:
        for query in queries:
            want = [tuple(r) for r in search_services(query, limit=50)]
            assert [tuple(r) for r in floor_search(cursor, query)] == want, query
