"""Unit timings: two wall-clock limits that used to be asserted inside unit tests.

Wall-clock assertions in the test suite fail on a busy machine and prove nothing on a fast one,
so they live here (``make bench``), measured and reported with the machine's size:

- the registry importer on the 20,000-row synthetic file of ``people/tests/test_importer.py``,
  into an empty registry, in under 15 s;
- one grant rule (age, status, tags, household, a negated certificate condition) evaluated in
  Python on a resident's facts (``rules.evaluate``) in under 20 µs per call, the budget that keeps
  the rules-per-resident figure of the programmes benchmark within reach.

Both run first, while the registry is empty, and leave it empty.
"""

from __future__ import annotations

import time

from .context import Context
from .registry_import import empty_registry
from .results import Results

IMPORT_ROWS = 20_000
IMPORT_BELOW_S = 15.0
EVALUATE_BELOW_US = 20.0
EVALUATE_ROUNDS = 2_500
QILI = "420105006001"  # the community the importer test files into


def import_seconds(ctx: Context) -> float:
    from doorstep.people import synthetic
    from doorstep.people.actions import do_import_residents
    from doorstep.places.models import Area

    compounds = list(
        Area.objects.filter(code__startswith=QILI, kind="compound")
        .order_by("code")
        .values_list("code", flat=True)
    )
    path = synthetic.write_csv(ctx.data_dir / "unit-20000.csv", IMPORT_ROWS, compounds)
    empty_registry()
    started = time.perf_counter()
    _batch, result = do_import_residents(path, actor=ctx.user("admin"), filename=path.name)
    seconds = time.perf_counter() - started
    empty_registry()
    path.unlink()
    if not result.written or result.created != IMPORT_ROWS:
        raise RuntimeError(f"the importer did not write {IMPORT_ROWS:,} residents: {result}")
    return seconds


def evaluate_microseconds() -> float:
    from doorstep.rules.facts import CertificateFacts, ResidentFacts
    from doorstep.rules.rules import parse

    rule = parse(
        'age >= 80 && status == "active" && ("低保" in tags || household_size <= 2) '
        '&& !certificates.exists(c, c.type == "disability" && c.days_to_expiry < 0)'
    )
    sample = [
        ResidentFacts(
            age=age,
            sex="F",
            status="active",
            area="420105006001001",
            tags=frozenset({"low-income"}),
            household_size=1 + age % 3,
            certificates=(
                CertificateFacts("disability", 100 - age, True, True),
                CertificateFacts("senior", None, True, False),
            ),
            holds=frozenset(),
        )
        for age in range(60, 100)
    ]
    started = time.perf_counter()
    for _ in range(EVALUATE_ROUNDS):
        for facts in sample:
            rule.evaluate(facts)
    return (time.perf_counter() - started) / (EVALUATE_ROUNDS * len(sample)) * 1e6


def run(ctx: Context, results: Results) -> None:
    print(f"   importer: {IMPORT_ROWS:,} synthetic rows into an empty registry …", flush=True)
    results.limit("importer: 20,000 rows", import_seconds(ctx), "s", below=IMPORT_BELOW_S)
    print("   rule evaluation in Python, one rule × 40 residents' facts …", flush=True)
    results.limit(
        "rule evaluation per call", evaluate_microseconds(), "µs", below=EVALUATE_BELOW_US
    )
