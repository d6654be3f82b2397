"""Case intake over HTTP: requests per second of ``POST /api/v1/cases/`` against a floor.

A real server: gunicorn with two sync workers serving the project on a free loopback port,
against the benchmark database, authenticated as clerk A (a session made directly in the
session store, a CSRF cookie and header). wrk drives it with four connections for 20 s ×
``BENCH_SCALE`` (at least 5 s, after 3 s of warm-up), each request a new matter: a unique
idempotency key, residents rotating over 3,000 in clerk A's community, one sample service
with all its materials ticked, outcome "accept" (a case, its materials, three events, a
receipt, an outbox message and its delivery task). The server runs the project's settings as
deployed — the database task backend whatever a demo's ``.env`` says, database connections
kept as ``DATABASE_CONN_MAX_AGE`` says — for both endpoints alike.

The floor is served by the same server in the same run: ``floor_intake`` (bench-only URLconf,
``http_settings``), which runs the same SQL statements as the real intake — the same reads
(session, user, grants, resident, service with its published version, certificates; a
published version's materials once per process, as intake reads them; the idempotency key is
left to the unique constraint, as intake does)
and writes (case, document, materials, events, message, task), in the
same transaction — hand-written on the connection's cursor: no ORM, no forms, no JSON
readers, no permission helpers. Before the load, the database is settled after the earlier
modules' bulk loads (``_settle``: VACUUM ANALYZE, then a checkpoint), and one request to
each is made in-process with the statements captured, and their sequences (verb and table) are
compared: a floor that does other work than the product is no floor, so any difference fails
the run. (One liberty: the floor's receipt numbers come from a counter, so that they cannot
collide.)

Targets: at least 0.35× the floor's throughput, a p95 latency under 50 ms, zero non-2xx
responses and zero socket errors, and the same statements as the floor.
"""

from __future__ import annotations

import contextlib
import itertools
import json
import math
import os
import re
import secrets
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

from django.db import DatabaseError, IntegrityError, connection, transaction
from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from django.views.decorators.csrf import csrf_exempt

from .context import Context
from .results import Results

WORKERS = 2
THREADS, CONNECTIONS = 2, 4
SECONDS, MIN_SECONDS, WARMUP_SECONDS = 20, 5, 3
RESIDENTS = 3000
MIN_SHARE = 0.35  # the real intake's throughput against the floor's
P95_MS = 50  # the real intake's 95th percentile latency
PATH, FLOOR_PATH = "/api/v1/cases/", "/bench/floor/intake/"
VIEW_ROLES = ("clerk", "community_lead", "grid_worker", "street_lead", "district_lead")
HANDLE_ROLES = ("clerk", "community_lead")
RECEIPT_ALPHABET = "ACDEFGHJKMNPQRTUVWXY34679"
WARN_SHARE = 0.8

# ---- the floor endpoint (runs in the gunicorn workers) ---------------------------------------


def _parts(template: str, names: tuple[str, ...]) -> tuple[list[str], list[str]]:
    """The template's subject and body split around its variables, rendered once."""
    from django.conf import settings

    from doorstep.notify import templates

    marks = {n: f"\ue000{n}\ue001" for n in names}
    subject, body = templates.render(template, marks, language=settings.LANGUAGE_CODE)
    split = re.compile("\ue000([a-z_]+)\ue001")
    return split.split(subject), split.split(body)


_SERIAL = itertools.count()


def _receipt_suffix() -> str:
    """Eight receipt characters, as the real intake's, but never one of theirs nor the same
    twice in a run: "BB" (never drawn by the real alphabet), then the worker's process id and a
    counter in base 25."""
    n = (os.getpid() % 90) * 1_000_000 + next(_SERIAL) % 1_000_000
    digits = []
    for _ in range(6):
        n, d = divmod(n, len(RECEIPT_ALPHABET))
        digits.append(RECEIPT_ALPHABET[d])
    return "BB" + "".join(reversed(digits))


_MATERIALS: dict[int, list] = {}  # version id → its materials (published: immutable)
_ACCEPTED: list = []  # the acceptance message's subject and body, split (see _parts)


def _text(parts: list[str], values: dict[str, str]) -> str:
    # split() puts the variables' names at the odd positions.
    return "".join(values[p] if i % 2 else p for i, p in enumerate(parts))


def _refuse(status: int, message: str) -> HttpResponse:
    return HttpResponse(
        json.dumps({"error": message}), status=status, content_type="application/json"
    )


@csrf_exempt
def floor_intake(request: HttpRequest) -> HttpResponse:
    """The real intake's statements, by hand (see the module docstring)."""

    from doorstep.workdays.calendar import add_working_days

    if request.method != "POST":
        return _refuse(405, "POST")
    data = json.loads(request.body)
    key = request.headers.get("Idempotency-Key", "")[:64]
    resident_id, code = int(data["resident"]), str(data["service"])
    provided = {int(m) for m in data.get("provided", ())}
    now = timezone.now()
    today = timezone.localdate(now)
    ops = connection.ops
    at, day = ops.adapt_datetimefield_value(now), ops.adapt_datefield_value(today)
    with connection.cursor() as cur:
        # The session row was read once already, by the idle-timeout middleware that every
        # signed-in request passes (the product's too): the floor takes the user id from it.
        if request.session.get("_auth_user_id") is None:
            return _refuse(403, "not logged in")
        user_id = int(request.session["_auth_user_id"])
        cur.execute("SELECT is_active FROM auth_user WHERE id = %s", [user_id])
        if not cur.fetchone()[0]:
            return _refuse(403, "inactive")
        # As the product: the resident by primary key, then the grants for the area test.
        cur.execute(
            "SELECT r.id, r.name, r.phone, r.notify_channel, r.area_code FROM people_resident r "
            "WHERE r.id = %s",
            [resident_id],
        )
        resident = cur.fetchone()
        cur.execute(
            "SELECT g.role, a.code, g.department_id FROM people_rolegrant g "
            "INNER JOIN places_area a ON a.id = g.area_id WHERE g.user_id = %s",
            [user_id],
        )
        grants = cur.fetchall()
        view = tuple(code for role, code, _d in grants if role in VIEW_ROLES)
        if resident is None or not resident[4].startswith(view):
            return _refuse(404, "no such resident")
        cur.execute(
            "SELECT v.id, v.promised_limit_days, v.max_trips, s.id, s.name, s.is_active, "
            "s.department_id, d.name FROM catalogue_serviceversion v "
            "INNER JOIN catalogue_service s ON s.id = v.service_id "
            "INNER JOIN catalogue_department d ON d.id = s.department_id "
            "WHERE s.code = %s AND v.status = 'published'",
            [code],
        )
        row = cur.fetchone()
        if row is None or not row[5]:
            return _refuse(400, "no such service")
        version, service = row[:3], row[3:7]
        if not resident[4].startswith(tuple(c for r, c, _d in grants if r in HANDLE_ROLES)):
            return _refuse(403, "outside your areas")
        materials = _MATERIALS.get(version[0])
        if materials is None:  # a published version's list, read once per process as intake does
            cur.execute(
                "SELECT id, necessity, certificate_type_id FROM catalogue_material "
                "WHERE version_id = %s ORDER BY position, id",
                [version[0]],
            )
            materials = _MATERIALS[version[0]] = cur.fetchall()
        certificate_types = sorted({m[2] for m in materials if m[2] is not None})
        if certificate_types:
            marks = ", ".join(["%s"] * len(certificate_types))
            cur.execute(
                "SELECT id, type_id, expires_on FROM people_certificate "
                f"WHERE resident_id = %s AND type_id IN ({marks})",
                [resident_id, *certificate_types],
            )
            cur.fetchall()  # the benchmark's residents hold none
        states = []
        for material_id, necessity, _cert in materials:
            if material_id in provided:
                states.append((material_id, "provided"))
            elif necessity == "optional":
                states.append((material_id, "not_needed"))
            else:
                return _refuse(400, "materials missing")
        limit = version[1]
        due = ops.adapt_datefield_value(add_working_days(today, limit))
        warn = ops.adapt_datefield_value(add_working_days(today, math.ceil(limit * WARN_SHARE)))
        receipt = f"{today:%Y%m%d}-{_receipt_suffix()}"
    # As intake does: everything read and checked first, then one transaction that only writes.
    try:
        with transaction.atomic(), connection.cursor() as cur:
            case_id, document_id, message_id = _write(
                cur, receipt, resident, service, version, user_id, at, key, states,
                (day, limit, warn, due),
            )  # fmt: skip
    except IntegrityError:
        return _refuse(409, "already taken in")  # never in the benchmark: keys are unique
    if message_id is not None:
        _insert_task(message_id, at)
    body = {
        "id": case_id,
        "receipt": receipt,
        "status": "accepted",
        "due_on": str(due),
        "document": document_id,
    }
    return HttpResponse(json.dumps(body), status=201, content_type="application/json")


def _write(cur, receipt, resident, service, version, user_id, at, key, states, clock):
    """The case, its document, materials, events and message, as intake writes them."""
    due = clock[3]
    case_id = _insert_case(cur, receipt, resident, service, version, user_id, at, key, clock)
    cur.execute(
        "INSERT INTO cases_casedocument (case_id, kind, issued_at, issued_by_id, reason, "
        "items, due_on, deadline) VALUES (%s, 'receipt', %s, %s, '', '[]', %s, NULL) "
        "RETURNING id",
        [case_id, at, user_id, due],
    )
    (document_id,) = cur.fetchone()
    values = ", ".join(["(%s, %s, %s, %s, NULL, NULL, '', %s)"] * len(states))
    params = []
    for position, (material_id, state) in enumerate(states):
        params += [case_id, material_id, position, state, at if state == "provided" else None]
    cur.execute(
        "INSERT INTO cases_casematerial (case_id, material_id, position, state, "
        f"certificate_id, notice_id, added_reason, provided_at) VALUES {values} RETURNING id",
        params,
    )
    cur.fetchall()
    events = [
        ("created", "", "", "", {"outcome": "accept", "agent_kind": "self"}),
        ("trip", "", "", "", {"trips": 1}),
        ("transition", "accept", "draft", "accepted", {}),
    ]
    cur.execute(
        "INSERT INTO cases_caseevent (case_id, at, actor_id, kind, verb, from_status, "
        "to_status, reason, data) VALUES "
        + ", ".join(["(%s, %s, %s, %s, %s, %s, %s, '', %s)"] * len(events))
        + " RETURNING id",
        [
            v
            for kind, verb, old, new, data in events
            for v in (case_id, at, user_id, kind, verb, old, new, json.dumps(data))
        ],
    )
    cur.fetchall()
    message_id = _insert_message(cur, case_id, receipt, resident, service, due, at)
    return case_id, document_id, message_id


def _insert_case(cur, receipt, resident, service, version, user_id, at, key, clock) -> int:
    """The case as intake inserts it: already accepted, its clock started (revision 2)."""
    day, limit, warn, due = clock
    cur.execute(
        "INSERT INTO cases_case (receipt, resident_id, area_code, service_id, version_id, "
        "department_id, status, revision, handler_id, created_at, idempotency_key, agent_kind, "
        "agent_name, agent_phone, agent_relation, consent, consent_note, accepted_at, "
        "accepted_on, limit_days, due_on, warn_on, paused_days, trips, max_trips) VALUES "
        "(%s, %s, %s, %s, %s, %s, 'accepted', 2, %s, %s, %s, 'self', '', '', '', %s, '', %s, "
        "%s, %s, %s, %s, 0, 1, %s) RETURNING id",
        [
            receipt,
            resident[0],
            resident[4],
            service[0],
            version[0],
            service[3],
            user_id,
            at,
            key,
            False,
            at,
            day,
            limit,
            due,
            warn,
            version[2],
        ],
    )
    return cur.fetchone()[0]


def _insert_event(
    cur, case_id, at, user_id, kind, *, verb="", old="", new="", data: dict | None = None
) -> None:
    cur.execute(
        "INSERT INTO cases_caseevent (case_id, at, actor_id, kind, verb, from_status, "
        "to_status, reason, data) VALUES (%s, %s, %s, %s, %s, %s, %s, '', %s) RETURNING id",
        [case_id, at, user_id, kind, verb, old, new, json.dumps(data or {})],
    )
    cur.fetchone()


def _insert_message(cur, case_id, receipt, resident, service, due, at) -> int | None:
    """The acceptance message to the resident, routed as ``notify.outbox._route`` does."""
    from django.conf import settings

    if not _ACCEPTED:
        _ACCEPTED.extend(_parts("case_accepted", ("name", "service", "receipt", "due")))
    _rid, name, phone, preference, _area = resident
    channel = "sms" if phone else "log"
    skipped = preference == "none" and channel != "log"
    values = {"name": name, "service": service[1], "receipt": receipt, "due": str(due)}
    key = f"case:{case_id}:accepted"
    cur.execute(
        "INSERT INTO notify_message (channel, resident_id, address, template, language, "
        "subject, body, idempotency_key, status, attempts, next_attempt_at, last_error, "
        "created_at, sent_at) VALUES (%s, %s, %s, 'case_accepted', %s, %s, %s, %s, %s, 0, %s, "
        "%s, %s, NULL) RETURNING id",
        [
            channel,
            resident[0],
            phone,
            settings.LANGUAGE_CODE,
            _text(_ACCEPTED[0], values)[:200],
            _text(_ACCEPTED[1], values),
            key,
            "skipped" if skipped else "pending",
            at,
            "The resident chose not to receive notifications." if skipped else "",
            at,
        ],
    )
    (message_id,) = cur.fetchone()
    return None if skipped else message_id


def _insert_task(message_id: int, at) -> None:
    """What ``enqueue_delivery`` writes after the commit: a task row for the database backend."""
    import datetime
    import uuid

    never = connection.ops.adapt_datetimefield_value(
        datetime.datetime(9999, 1, 1, tzinfo=datetime.UTC)
    )
    with connection.cursor() as cur:
        cur.execute(
            "INSERT INTO django_tasks_database_dbtaskresult (id, status, enqueued_at, "
            "started_at, finished_at, args_kwargs, priority, task_path, worker_ids, queue_name, "
            "backend_name, run_after, return_value, exception_class_path, traceback) VALUES "
            "(%s, 'READY', %s, NULL, NULL, %s, 0, 'doorstep.notify.tasks.deliver_message', "
            "'[]', 'default', 'default', %s, NULL, '', '')",
            [uuid.uuid4().hex, at, json.dumps({"args": [message_id], "kwargs": {}}), never],
        )


# ---- the benchmark (runs in the bench process) -----------------------------------------------


def _prepare(ctx: Context) -> dict:
    """Catalogue, holidays, clerk A's residents; the service and what to tick; the session."""
    from django.conf import settings
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.contrib.sessions.backends.db import SessionStore
    from django.middleware.csrf import _get_new_csrf_string

    from doorstep.catalogue.loader import load_catalogue
    from doorstep.catalogue.models import Material, ServiceVersion
    from doorstep.core.middleware import LAST_SEEN
    from doorstep.people import importer, synthetic
    from doorstep.people.models import Resident
    from doorstep.places.choices import AreaKind
    from doorstep.places.models import Area
    from doorstep.workdays.seed import seed_holidays

    if settings.SESSION_ENGINE != "django.contrib.sessions.backends.db":
        raise RuntimeError("the HTTP benchmark reads sessions from the database (unset REDIS_URL)")
    seed_holidays()
    load_catalogue()
    clerk = ctx.user("clerk_a")
    area = "420105006001"
    residents = list(
        Resident.objects.filter(area_code__startswith=area).values_list("pk", flat=True)
    )
    if len(residents) < RESIDENTS:
        compounds = list(
            Area.objects.filter(kind=AreaKind.COMPOUND, code__startswith=area)
            .order_by("code")
            .values_list("code", flat=True)
        )
        n = RESIDENTS - len(residents)
        print(f"   importing {n:,} residents into clerk A's community (not measured) …")
        rows = synthetic.rows(n, compounds, seed=ctx.seed + 29)
        importer.import_rows(synthetic.HEADER, enumerate(rows, start=2), actor=ctx.user("admin"))
        residents = list(
            Resident.objects.filter(area_code__startswith=area).values_list("pk", flat=True)
        )
    # A promised-time matter whose checklist has a certificate the system could hold.
    version = (
        ServiceVersion.objects.filter(
            status="published",
            case_type="promised",
            materials__certificate_type__isnull=False,
            service__is_active=True,
        )
        .select_related("service")
        .order_by("service__code")
        .first()
    )
    materials = list(Material.objects.filter(version=version).values_list("pk", flat=True))
    session = SessionStore()
    session[SESSION_KEY] = str(clerk.pk)
    session[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
    session[HASH_SESSION_KEY] = clerk.get_session_auth_hash()
    session[LAST_SEEN] = int(time.time())  # just signed in: the idle stamp is fresh
    session.set_expiry(24 * 3600)
    session.create()
    csrf = _get_new_csrf_string()
    return {
        "residents": residents[:RESIDENTS],
        "service": version.service.code,
        "materials": materials,
        "cookie": f"sessionid={session.session_key}; csrftoken={csrf}",
        "sessionid": session.session_key,
        "csrf": csrf,
    }


def _shape(sql: str) -> str:
    """``INSERT cases_case``: the verb of a statement and the first table it names."""
    verb = sql.split(None, 1)[0].upper()
    match = re.search(r'\b(?:FROM|INTO|UPDATE)\s+"?(\w+)', sql, re.IGNORECASE)
    if verb in ("SELECT", "INSERT", "UPDATE", "DELETE") and match:
        return f"{verb} {match.group(1)}"
    return verb


def _captured(path: str, setup: dict, key: str, urlconf: str) -> tuple[int, list[str]]:
    from django.test import Client, override_settings
    from django.test.utils import CaptureQueriesContext

    client = Client(HTTP_HOST="127.0.0.1")
    client.cookies["sessionid"] = setup["sessionid"]
    client.cookies["csrftoken"] = setup["csrf"]
    body = {
        "resident": setup["residents"][0],
        "service": setup["service"],
        "outcome": "accept",
        "provided": setup["materials"],
    }
    with override_settings(ROOT_URLCONF=urlconf), CaptureQueriesContext(connection) as queries:
        response = client.post(
            path,
            json.dumps(body),
            content_type="application/json",
            headers={"Idempotency-Key": key, "X-CSRFToken": setup["csrf"]},
        )
    shapes = [_shape(q["sql"]) for q in queries.captured_queries]
    # The holiday table is cached per process: read on the first request only.
    return response.status_code, [s for s in shapes if s != "SELECT workdays_holiday"]


def child_compare(setup: dict) -> dict:
    """Runs in a child process configured as the server: one request to each endpoint with
    its statements captured (verb and table of each)."""
    run = secrets.token_hex(3)
    real_status, real = _captured(PATH, setup, f"cmp-real-{run}", "doorstep.bench.http_urls")
    floor_status, floor = _captured(
        FLOOR_PATH, setup, f"cmp-floor-{run}", "doorstep.bench.http_urls"
    )
    if real_status != 201 or floor_status != 201:
        raise RuntimeError(f"intake answered {real_status}, the floor {floor_status}")
    return {"real": real, "floor": floor}


def compare_statements(setup: dict) -> tuple[int, str]:
    """The statements of the real intake and of the floor, compared: how many positions differ
    (0 when they match), and a note."""
    proc = subprocess.run(
        [sys.executable, "-m", "doorstep.bench.child",
         "doorstep.bench.case_intake_http:child_compare", json.dumps({"setup": setup})],
        env=_server_env(), stdout=subprocess.PIPE, text=True, check=False,
    )  # fmt: skip
    if proc.returncode != 0:
        raise RuntimeError("the statement comparison failed")
    out = json.loads(proc.stdout.strip().splitlines()[-1])
    real, floor = out["real"], out["floor"]
    if real == floor:
        return 0, f"the floor runs the real intake's {len(real)} statements"
    print("   ! the floor's statements differ from the real intake's:", flush=True)
    for label, shapes in (("real", real), ("floor", floor)):
        print(f"     {label}: {', '.join(shapes)}", flush=True)
    differing = sum(a != b for a, b in itertools.zip_longest(real, floor))
    return differing, f"real {len(real)} statements, floor {len(floor)}: see the output above"


def _server_env() -> dict[str, str]:
    """The server's environment: the benchmark's database and secrets, the bench URLconf, and
    the production task backend whatever a demo's ``.env`` says (immediate delivery would send
    each message inside the request)."""
    env = os.environ.copy()
    env.update(
        DJANGO_SETTINGS_MODULE="doorstep.bench.http_settings",
        DOORSTEP_TASKS="database",
        DOORSTEP_DEMO="0",
        DEBUG="0",
    )
    return env


LUA = """
local residents = {%(residents)s}
local body_format = '{"resident": %%d, "service": "%(service)s", "outcome": "accept", ' ..
                    '"provided": [%(materials)s]}'
local threads = {}
local counter = 0
non2xx = 0

function setup(thread)
  thread:set("id", #threads)
  table.insert(threads, thread)
end

function init(args)
  prefix = args[1]
end

function request()
  counter = counter + 1
  local resident = residents[((counter * 31 + id * 977) %% #residents) + 1]
  local headers = {}
  headers["Content-Type"] = "application/json"
  headers["Cookie"] = "%(cookie)s"
  headers["X-CSRFToken"] = "%(csrf)s"
  headers["Idempotency-Key"] = prefix .. "-" .. id .. "-" .. counter
  return wrk.format("POST", path, headers, string.format(body_format, resident))
end

function response(status, headers, body)
  if status < 200 or status > 299 then
    non2xx = non2xx + 1
    if non2xx <= 3 then
      io.stderr:write("HTTP " .. status .. ": " .. string.sub(body, 1, 300) .. "\\n")
    end
  end
end

function done(summary, latency, requests)
  local bad = 0
  for _, t in ipairs(threads) do
    bad = bad + t:get("non2xx")
  end
  local e = summary.errors
  io.write(string.format(
    'WRK {"requests": %%d, "duration_us": %%d, "connect": %%d, "read": %%d, "write": %%d, ' ..
    '"status": %%d, "timeout": %%d, "non2xx": %%d, "p50_us": %%d, "p95_us": %%d, "p99_us": %%d}\\n',
    summary.requests, summary.duration, e.connect, e.read, e.write, e.status, e.timeout, bad,
    latency:percentile(50), latency:percentile(95), latency:percentile(99)))
end
"""


def _script(ctx: Context, setup: dict, path: str) -> Path:
    script = ctx.data_dir / f"intake-{path.strip('/').replace('/', '-')}.lua"
    text = LUA % {
        "residents": ", ".join(map(str, setup["residents"])),
        "service": setup["service"],
        "materials": ", ".join(map(str, setup["materials"])),
        "cookie": setup["cookie"],
        "csrf": setup["csrf"],
    }
    script.write_text(f'path = "{path}"\n' + text, encoding="utf-8")
    return script


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextlib.contextmanager
def _server(ctx: Context, port: int) -> Iterator[None]:
    """gunicorn serving the project on ``port`` until the block ends, however it ends."""
    log = open(ctx.data_dir / "gunicorn.log", "a", encoding="utf-8")  # its output, for errors
    log.write(f"---- {time.strftime('%Y-%m-%d %H:%M:%S')} {connection.vendor} port {port}\n")
    log.flush()
    command = [
        sys.executable, "-m", "gunicorn", "doorstep.wsgi:application",
        "--workers", str(WORKERS), "--worker-class", "sync", "--bind", f"127.0.0.1:{port}",
        "--timeout", "60", "--graceful-timeout", "5", "--log-level", "warning",
    ]  # fmt: skip
    server = subprocess.Popen(command, env=_server_env(), stdout=log, stderr=subprocess.STDOUT)
    try:
        _wait_until_up(server, port, log.name)
        yield
    finally:
        if server.poll() is None:
            server.terminate()  # the master stops its workers on SIGTERM
            try:
                server.wait(15)
            except subprocess.TimeoutExpired:
                server.kill()
                server.wait(5)
        log.close()


def _wait_until_up(server: subprocess.Popen, port: int, log: str) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise RuntimeError(f"gunicorn exited with {server.returncode}: see {log}")
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/login/", timeout=2) as r:
                if r.status == 200:
                    return
        except OSError:
            time.sleep(0.2)
    raise RuntimeError(f"gunicorn did not answer within 60 s: see {log}")


def _wrk(script: Path, port: int, seconds: int, prefix: str) -> dict:
    proc = subprocess.run(
        [
            "wrk",
            "-t",
            str(THREADS),
            "-c",
            str(CONNECTIONS),
            "-d",
            f"{seconds}s",
            "--timeout",
            "10s",
            "-s",
            str(script),
            f"http://127.0.0.1:{port}",
            "--",
            prefix,
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    if proc.stderr.strip():
        print("   " + proc.stderr.strip().replace("\n", "\n   "), flush=True)
    line = next((ln for ln in proc.stdout.splitlines() if ln.startswith("WRK ")), None)
    if proc.returncode != 0 or line is None:
        raise RuntimeError(f"wrk failed ({proc.returncode}): {proc.stdout} {proc.stderr}")
    out = json.loads(line[4:])
    out["rps"] = out["requests"] / (out["duration_us"] / 1e6)
    out["errors"] = out["non2xx"] + out["connect"] + out["read"] + out["write"] + out["timeout"]
    return out


def _settle() -> None:
    """Let the database finish the earlier modules' bulk work before anything is measured, as
    an operator does after loading a register: statistics and visibility maps brought up to date
    (VACUUM ANALYZE) and dirty pages written out (CHECKPOINT on PostgreSQL; on SQLite the WAL
    folded back into the database). Otherwise autovacuum of the million residents just imported
    and the checkpoint it causes run during the measurement, on the same two cores."""
    with connection.cursor() as cur:
        if connection.vendor == "postgresql":
            cur.execute("VACUUM (ANALYZE)")
            try:
                cur.execute("CHECKPOINT")  # needs pg_checkpoint (PostgreSQL 15) or superuser
            except DatabaseError as exc:
                print(f"   (no CHECKPOINT: {exc})", flush=True)
        else:
            cur.execute("ANALYZE")
            cur.execute("PRAGMA wal_checkpoint(TRUNCATE)")


def run(ctx: Context, results: Results) -> None:
    from doorstep.cases.models import Case

    if shutil.which("wrk") is None:
        raise RuntimeError("the HTTP benchmark needs wrk (Debian: apt-get install wrk)")
    setup = _prepare(ctx)
    _settle()
    differing, statements = compare_statements(setup)
    print(f"   {statements}", flush=True)
    seconds = max(MIN_SECONDS, round(SECONDS * ctx.scale))
    scripts = {
        name: _script(ctx, setup, path) for name, path in (("real", PATH), ("floor", FLOOR_PATH))
    }
    run_id = secrets.token_hex(3)
    port = _free_port()
    measured: dict[str, dict] = {}
    warmup_errors = 0
    with _server(ctx, port):
        for name, script in scripts.items():
            warmup_errors += _wrk(script, port, WARMUP_SECONDS, f"w{name[0]}{run_id}")["errors"]
        for name, script in scripts.items():
            print(f"   {name}: wrk, {CONNECTIONS} connections, {seconds} s …", flush=True)
            measured[name] = _wrk(script, port, seconds, f"m{name[0]}{run_id}")
    real, floor = measured["real"], measured["floor"]
    results.limit(
        "case intake over HTTP: statements unlike the floor's",
        differing,
        "statements",
        below=1,
        note=statements,
    )
    note = f"{WORKERS} gunicorn sync workers, wrk {CONNECTIONS} connections, {seconds} s each"
    # Results judge "value ≤ k × floor": throughput ≥ 0.35× the floor's is time per intake
    # (the inverse of throughput, all workers together) ≤ 1/0.35 (2.86) × the floor's.
    results.ratio(
        "case intake over HTTP: ms per intake (1/throughput)",
        1000 / real["rps"],
        1000 / floor["rps"],
        "ms",
        max_ratio=1 / MIN_SHARE,
        note=note,
    )
    results.limit("case intake over HTTP: throughput", real["rps"], "req/s", floor=floor["rps"])
    results.limit(
        "case intake over HTTP: p50 latency",
        real["p50_us"] / 1000,
        "ms",
        floor=floor["p50_us"] / 1000,
    )
    results.limit(
        "case intake over HTTP: p95 latency",
        real["p95_us"] / 1000,
        "ms",
        below=P95_MS,
        floor=floor["p95_us"] / 1000,
    )
    results.limit(
        "case intake over HTTP: p99 latency",
        real["p99_us"] / 1000,
        "ms",
        floor=floor["p99_us"] / 1000,
    )
    errors = real["errors"] + floor["errors"] + warmup_errors
    detail = ", ".join(
        f"{n}: {m['non2xx']} non-2xx, {m['connect'] + m['read'] + m['write']} "
        f"socket, {m['timeout']} timeouts"
        for n, m in measured.items()
    )
    detail += f"; warm-up: {warmup_errors} errors; server log: bench-data/gunicorn.log"
    results.limit("case intake over HTTP: errors", errors, "errors", below=1, note=detail)
    for name, m in measured.items():
        # Requests still in flight when wrk stops are written but not counted: a few at most.
        written = Case.objects.filter(idempotency_key__startswith=f"m{name[0]}{run_id}-").count()
        answered = m["requests"] - m["non2xx"]
        if not answered <= written <= answered + CONNECTIONS:
            raise RuntimeError(f"{name}: {answered:,} intakes answered, {written:,} cases written")
