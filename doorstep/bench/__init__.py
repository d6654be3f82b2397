"""``make bench`` (``python -m doorstep.bench``): builds its own data and prints figures.

Each area of the product has one module here with a ``run(ctx, results)`` function that adds
its figures to the shared :class:`~doorstep.bench.results.Results`; ``MODULES`` lists them in
the order they run (later ones may use data earlier ones built: the resident search runs on the
residents the import wrote). To add a benchmark, write a module and add it to ``MODULES``.

Environment:

``BENCH_SCALE``   fraction of the full size (1,000,000 residents); ``0.1`` for a quick check.
``BENCH_ONLY``    comma-separated module names to run (``registry_import,resident_search``).
``DATABASE_URL``  PostgreSQL to run against (a ``doorstep_bench`` database on that server is
                  dropped and created); unset, a fresh SQLite file in ``bench-data/``.
``BENCH_DB_NAME`` that PostgreSQL database's name instead of ``doorstep_bench`` (to run two
                  benchmarks on one server at once).
``BENCH_RESULTS`` where to write the JSON results (default ``bench-results.json``).
"""

MODULES = [
    "unit_timings",
    "registry_import",
    "resident_search",
    "catalogue_search",
    "case_intake_http",
    "case_sweep",
    "needs_escalation",
    "programmes",
    "visits_due",
    "ledger_export",
    "dashboard",
]
