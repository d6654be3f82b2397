"""The floor of the programmes benchmark (``programmes.py``): the 20 programmes with their rules
in the rule language and the same rules written by hand as SQL, and ``Floor``, which does a
run's writes with hand-written SQL on a raw cursor."""

from __future__ import annotations

import datetime
import time
from dataclasses import dataclass

from django.db import connection, transaction


@dataclass(frozen=True)
class Spec:
    code: str
    name: str
    department: str
    service: str | None
    kind: str
    mode: str
    period: str
    grant: str  # the rule, in the rule language
    stop: str
    grant_sql: object  # (Sql) -> condition over people_resident r, written by hand
    stop_sql: object | None
    amount: str | None = None
    certificate: str | None = None  # renewal programmes: the certificate type's code


ACTIVE = 'status == "active"'
GONE = 'status != "active"'


def _active(s: Sql) -> str:
    return "r.status = 'active'"


def _gone(s: Sql) -> str:
    return "r.status <> 'active'"


PROGRAMMES = [
    Spec(
        "elderly-80", "80至99周岁高龄津贴", "mz", "mz-004", "grant", "notify", "monthly",
        f"age >= 80 && age < 100 && {ACTIVE}", 'status == "deceased" || status == "moved_out"',
        lambda s: f"{s.age_ge(80)} AND {s.age_lt(100)} AND r.status = 'active'",
        lambda s: "r.status IN ('deceased', 'moved_out')",
        amount="50",
    ),
    Spec(
        "elderly-90", "90周岁以上高龄津贴加发", "mz", "mz-004", "grant", "notify", "monthly",
        f'age >= 90 && {ACTIVE} && holds("elderly-80")', GONE,
        lambda s: f"{s.age_ge(90)} AND r.status = 'active' AND {s.holds('elderly-80')}",
        _gone,
        amount="100",
    ),
    Spec(
        "elderly-100", "百岁老人长寿补贴", "mz", "mz-004", "grant", "notify", "monthly",
        f"age >= 100 && {ACTIVE}", GONE,
        lambda s: f"{s.age_ge(100)} AND r.status = 'active'", _gone, amount="1000",
    ),
    Spec(
        "low-income-heating", "低保家庭冬季取暖补贴", "mz", "mz-001", "grant", "notify", "yearly",
        f'"低保" in tags && {ACTIVE}', "",
        lambda s: f"{s.tag('低保')} AND r.status = 'active'", None, amount="300",
    ),
    Spec(
        "extreme-poverty", "特困人员基本生活费", "mz", "mz-002", "grant", "notify", "monthly",
        f'"特困" in tags && {ACTIVE}', f'!("特困" in tags) || {GONE}',
        lambda s: f"{s.tag('特困')} AND r.status = 'active'",
        lambda s: f"NOT {s.tag('特困')} OR r.status <> 'active'",
        amount="1100",
    ),
    Spec(
        "disability-living", "困难残疾人生活补贴", "mz", "mz-005", "grant", "notify", "monthly",
        '("低保" in tags || "特困" in tags) && "残疾人" in tags && '
        f'certificates.exists(c, c.type == "disability" && c.valid) && {ACTIVE}',
        f'!certificates.exists(c, c.type == "disability" && c.valid) || {GONE}',
        lambda s: f"({s.tag('低保')} OR {s.tag('特困')}) AND {s.tag('残疾人')} AND "
        f"{s.cert('disability', s.valid())} AND r.status = 'active'",
        lambda s: f"NOT {s.cert('disability', s.valid())} OR r.status <> 'active'",
        amount="100",
    ),
    Spec(
        "disability-care", "重度残疾人护理补贴", "mz", "mz-006", "grant", "notify", "monthly",
        f'certificates.exists(c, c.type == "disability" && c.valid) && {ACTIVE} '
        "&& (age >= 60 || household_size >= 3)",
        f'!certificates.exists(c, c.type == "disability" && c.valid) || {GONE}',
        lambda s: f"{s.cert('disability', s.valid())} AND r.status = 'active' AND "
        f"({s.age_ge(60)} OR {s.household_size()} >= 3)",
        lambda s: f"NOT {s.cert('disability', s.valid())} OR r.status <> 'active'",
        amount="80",
    ),
    Spec(
        "disability-renewal", "残疾人证到期换领", "cl", "cl-002", "renewal", "notify", "once",
        ACTIVE, 'status == "deceased"',
        _active, lambda s: "r.status = 'deceased'", certificate="disability",
    ),
    Spec(
        "residence-permit-renewal", "居住证到期续签", "ga", "ga-008", "renewal", "notify", "once",
        f'{ACTIVE} && !("特困" in tags)', "",
        lambda s: f"r.status = 'active' AND NOT {s.tag('特困')}", None,
        certificate="residence-permit",
    ),
    Spec(
        "veteran-card-renewal", "退役军人优待证换发", "ty", "ty-005", "renewal", "notify", "once",
        f'"退役军人" in tags && {ACTIVE}', "",
        lambda s: f"{s.tag('退役军人')} AND r.status = 'active'", None, certificate="veteran",
    ),
    Spec(
        "alone-call-button", "独居老人一键呼叫设备", "mz", None, "grant", "offer", "once",
        f'age >= 70 && {ACTIVE} && ("独居老人" in tags || lives_alone)', GONE,
        lambda s: f"{s.age_ge(70)} AND r.status = 'active' AND "
        f"({s.tag('独居老人')} OR {s.household_size()} = 1)",
        _gone,
    ),
    Spec(
        "home-care-offer", "居家养老上门服务", "mz", "mz-014", "grant", "offer", "yearly",
        f'age >= 75 && {ACTIVE} && (lives_alone || "空巢老人" in tags || household_size == 2)',
        GONE,
        lambda s: f"{s.age_ge(75)} AND r.status = 'active' AND ({s.household_size()} = 1 OR "
        f"{s.tag('空巢老人')} OR {s.household_size()} = 2)",
        _gone,
    ),
    Spec(
        "senior-card-remind", "提醒办理老年人优待证", "wj", "wj-003", "remind", "notify", "once",
        f'age >= 60 && {ACTIVE} && !certificates.exists(c, c.type == "senior")', "",
        lambda s: f"{s.age_ge(60)} AND r.status = 'active' AND NOT {s.cert('senior')}", None,
    ),
    Spec(
        "senior-transit", "老年人免费乘车", "wj", None, "grant", "notify", "once",
        f'age >= 65 && certificates.exists(c, c.type == "senior") && {ACTIVE}', GONE,
        lambda s: f"{s.age_ge(65)} AND {s.cert('senior')} AND r.status = 'active'", _gone,
    ),
    Spec(
        "veteran-spring", "退役军人春节慰问", "ty", None, "grant", "notify", "yearly",
        f'"退役军人" in tags && {ACTIVE}', "",
        lambda s: f"{s.tag('退役军人')} AND r.status = 'active'", None, amount="500",
    ),
    Spec(
        "empty-nest-visit", "空巢老人探访提醒", "mz", None, "remind", "notify", "monthly",
        f'"空巢老人" in tags && household_size <= 2 && {ACTIVE}', "",
        lambda s: f"{s.tag('空巢老人')} AND {s.household_size()} <= 2 AND r.status = 'active'",
        None,
    ),
    Spec(
        "women-screening", "适龄妇女两癌免费筛查", "wj", None, "remind", "notify", "yearly",
        f'sex == "F" && age >= 35 && age <= 64 && {ACTIVE}', "",
        lambda s: f"r.sex = 'F' AND {s.age_ge(35)} AND {s.age_lt(65)} AND "
        "r.status = 'active'",
        None,
    ),
    Spec(
        "child-checkup", "学龄前儿童健康体检提醒", "wj", None, "remind", "notify", "yearly",
        f"age >= 3 && age < 7 && {ACTIVE}", "",
        lambda s: f"{s.age_ge(3)} AND {s.age_lt(7)} AND r.status = 'active'", None,
    ),
    Spec(
        "big-family-support", "多人口困难家庭助学补贴", "mz", "mz-009", "grant", "notify",
        "yearly",
        f'household_size >= 4 && ("低保" in tags || "特困" in tags) && age < 18 && {ACTIVE}',
        GONE,
        lambda s: f"{s.household_size()} >= 4 AND ({s.tag('低保')} OR {s.tag('特困')}) AND "
        f"{s.age_lt(18)} AND r.status = 'active'",
        _gone,
        amount="1000",
    ),
    Spec(
        "pilot-long-care", "琴断口街道长护险试点", "yb", None, "grant", "offer", "monthly",
        'area.startsWith("420105006") && age >= 75 && !holds("elderly-80") && '
        f'{ACTIVE} && (lives_alone || certificates.exists(c, c.type == "disability" '
        "&& c.days_to_expiry > 0))",
        GONE,
        lambda s: f"r.area_code LIKE '420105006%%' AND {s.age_ge(75)} AND NOT "
        f"{s.holds('elderly-80')} AND r.status = 'active' AND ({s.household_size()} = 1 OR "
        f"{s.cert('disability', s.days_gt(0))})",
        _gone,
    ),
]  # fmt: skip


class Sql:
    """The pieces of hand-written rule conditions: dates and ids computed in Python for ``on``
    and inlined as literals (this is the floor: what a developer writes for one run)."""

    def __init__(self, on: datetime.date, ids: dict, periods: dict):
        self.on, self.ids, self.periods = on, ids, periods

    def _date(self, d: datetime.date) -> str:
        return f"'{d.isoformat()}'"

    def cutoff(self, years: int) -> datetime.date:
        """The latest birth date of someone ``years`` or older on the scan date."""
        return years_before(self.on, years)

    def age_ge(self, n: int) -> str:
        return f"r.birth_date <= {self._date(self.cutoff(n))}"

    def age_lt(self, n: int) -> str:
        return f"r.birth_date > {self._date(self.cutoff(n))}"

    def tag(self, name: str) -> str:
        return (
            "EXISTS (SELECT 1 FROM people_residenttag t WHERE t.resident_id = r.id "
            f"AND t.tag_id = {self.ids['tag'][name]})"
        )

    def household_size(self) -> str:
        return (
            "(SELECT COUNT(*) FROM people_resident m WHERE m.household_id = r.household_id "
            "AND m.status = 'active')"
        )

    def valid(self) -> str:
        return f"(c.expires_on IS NULL OR c.expires_on >= {self._date(self.on)})"

    def days_gt(self, n: int) -> str:
        return f"c.expires_on > {self._date(self.on + datetime.timedelta(days=n))}"

    def cert(self, code: str, condition: str = "") -> str:
        extra = f" AND {condition}" if condition else ""
        return (
            "EXISTS (SELECT 1 FROM people_certificate c WHERE c.resident_id = r.id "
            f"AND c.type_id = {self.ids['certificate'][code]}{extra})"
        )

    def holds(self, code: str) -> str:
        keys = ", ".join(f"'{k}'" for k in self.periods[code] if k)
        return (
            "EXISTS (SELECT 1 FROM proactive_entitlement h WHERE h.resident_id = r.id "
            f"AND h.programme_id = {self.ids['programme'][code]} "
            f"AND h.status IN ('granted', 'accepted', 'case_opened') AND h.period IN ({keys}))"
        )


def years_before(on: datetime.date, years: int) -> datetime.date:
    try:
        return on.replace(year=on.year - years)
    except ValueError:  # 29 February: in a common year the birthday is 1 March
        return on.replace(year=on.year - years, day=28)


def token_sql() -> str:
    if connection.vendor == "postgresql":
        return "replace(gen_random_uuid()::text, '-', '')"
    return "lower(hex(randomblob(16)))"


def periods(on: datetime.date) -> dict[str, tuple[str, str | None]]:
    """Each programme's (current, previous) period key on ``on``."""
    from doorstep.proactive.choices import period_key, previous_period_key

    return {s.code: (period_key(s.period, on), previous_period_key(s.period, on))
            for s in PROGRAMMES}  # fmt: skip


class Floor:
    """One run of every programme, written by hand: per programme one guarded stop UPDATE, one
    ``INSERT … SELECT`` of entitlements, for renewals the cases, their events and the links,
    and one ``INSERT … SELECT`` of messages per kind of entitlement the programme writes."""

    def __init__(self, on: datetime.date, ids: dict):
        from django.conf import settings

        self.on, self.ids = on, ids
        self.sql = Sql(on, ids, periods(on))
        self.language = settings.LANGUAGE_CODE
        self.vendor = connection.vendor

    def run_all(self, order: list[str]) -> dict[str, dict]:
        specs = {s.code: s for s in PROGRAMMES}
        out = {}
        for code in order:
            t = time.perf_counter()
            out[code] = self.run(specs[code])
            out[code]["seconds"] = time.perf_counter() - t
        return out

    def run(self, spec: Spec) -> dict:
        from django.utils import timezone

        from doorstep.proactive.models import Programme

        p = Programme.objects.select_related("certificate_type", "service").get(code=spec.code)
        ops = connection.ops
        now = ops.adapt_datetimefield_value(timezone.now())
        period, previous = periods(self.on)[spec.code]
        s = self.sql
        eligible = f"({spec.grant_sql(s)})"
        if spec.stop_sql is not None:
            eligible += f" AND NOT ({spec.stop_sql(s)})"
        opted = (
            "EXISTS (SELECT 1 FROM proactive_optout o WHERE o.programme_id = {p} "
            "AND o.resident_id = {r})"
        )
        eligible += f" AND NOT {opted.format(p=p.pk, r='r.id')}"
        counts = dict.fromkeys(("granted", "stopped", "unchanged", "cases_opened", "notified"), 0)
        with transaction.atomic(), connection.cursor() as cur:
            cur.execute(
                "INSERT INTO proactive_programmerun (programme_id, rule_version_id, period, "
                "scan_date, status, phase, trigger, started_by_id, queued_at, started_at, "
                "seconds, granted, stopped, unchanged, cases_opened, notified, error) "
                "SELECT %s, v.id, %s, %s, 'running', 'waiting', 'schedule', NULL, %s, %s, 0, 0, "
                "0, 0, 0, 0, '' FROM proactive_ruleversion v WHERE v.programme_id = %s "
                "AND v.number = %s",
                [p.pk, period, ops.adapt_datefield_value(self.on), now, now, p.pk, p.version],
            )
            run = _last_id(cur, "proactive_programmerun")
            renewal = spec.kind == "renewal"
            if not renewal:
                counts["stopped"] = self._stop(cur, spec, p.pk, run, now, period, previous, opted)
            if renewal:
                window = p.certificate_type.renewal_window_days
                expiry = (
                    "to_char(c.expires_on, 'YYYYMMDD')"
                    if self.vendor == "postgresql"
                    else "strftime('%%Y%%m%%d', c.expires_on)"
                )
                source = (
                    "people_certificate c INNER JOIN people_resident r ON r.id = c.resident_id "
                    f"WHERE c.type_id = {p.certificate_type_id} AND c.expires_on >= "
                    f"'{self.on}' AND c.expires_on <= "
                    f"'{self.on + datetime.timedelta(days=window)}' AND {eligible}"
                )
                key = f"'cert-' || CAST(c.id AS TEXT) || '-' || {expiry}"
                held = (
                    "EXISTS (SELECT 1 FROM proactive_entitlement e WHERE e.programme_id = "
                    f"{p.pk} AND e.resident_id = r.id AND e.period = {key})"
                )
                cur.execute(f"SELECT COUNT(*) FROM {source} AND {held}", [])
                counts["unchanged"] = cur.fetchone()[0]
                select = (
                    f"SELECT {p.pk}, r.id, {key}, 'case_opened', NULL, c.id, {run}, "
                    f"{token_sql()}, %s, '' FROM {source} AND NOT {held}"
                )
            else:
                if spec.kind == "grant":
                    # Once the stops are done, what still runs this period is what the
                    # eligible hold: an index-only count.
                    cur.execute(
                        "SELECT COUNT(*) FROM proactive_entitlement WHERE programme_id = "
                        f"{p.pk} AND period = '{period}' AND status IN ('granted', "
                        "'accepted', 'offered')"
                    )
                else:
                    cur.execute(
                        "SELECT COUNT(*) FROM proactive_entitlement e INNER JOIN "
                        f"people_resident r ON r.id = e.resident_id WHERE e.programme_id = "
                        f"{p.pk} AND e.period = '{period}' AND e.status NOT IN ('stopped', "
                        f"'declined') AND {eligible}",
                        [],
                    )
                counts["unchanged"] = cur.fetchone()[0]
                status = {"remind": "reminded"}.get(spec.kind) or (
                    "offered" if spec.mode == "offer" else "granted"
                )
                amount = "NULL" if p.amount is None else f"{p.amount}"
                select = (
                    f"SELECT {p.pk}, r.id, '{period}', '{status}', {amount}, NULL, {run}, "
                    f"{token_sql()}, %s, '' FROM people_resident r WHERE {eligible} AND NOT "
                    "EXISTS (SELECT 1 FROM proactive_entitlement e WHERE e.programme_id = "
                    f"{p.pk} AND e.resident_id = r.id AND e.period = '{period}')"
                )
            cur.execute(
                "INSERT INTO proactive_entitlement (programme_id, resident_id, period, status, "
                "amount, certificate_id, run_id, token, granted_at, stop_reason) "
                f"{select} ON CONFLICT DO NOTHING",
                [now],
            )
            counts["granted"] = cur.rowcount
            if renewal:
                counts["cases_opened"] = self._cases(cur, p, run, now)
            counts["notified"] = self._notify(cur, spec, p, run, now)
            cur.execute(
                "UPDATE proactive_programmerun SET status = 'done', phase = 'finished', "
                "finished_at = %s, granted = %s, stopped = %s, unchanged = %s, "
                "cases_opened = %s, notified = %s WHERE id = %s",
                [now, counts["granted"], counts["stopped"], counts["unchanged"],
                 counts["cases_opened"], counts["notified"], run],
            )  # fmt: skip
        return counts

    def _stop(self, cur, spec, pk, run, now, period, previous, opted) -> int:
        s, e = self.sql, "proactive_entitlement"
        which = f"{e}.period = '{period}'"
        if previous:
            which = (
                f"({which} OR ({e}.period = '{previous}' AND NOT EXISTS (SELECT 1 FROM "
                f"proactive_entitlement n WHERE n.programme_id = {pk} AND "
                f"n.resident_id = {e}.resident_id AND n.period = '{period}')))"
            )
        opted_e = opted.format(p=pk, r=f"{e}.resident_id")
        stop = "1 = 0"
        if spec.stop_sql is not None:
            stop = (
                f"EXISTS (SELECT 1 FROM people_resident r WHERE r.id = {e}.resident_id AND "
                f"({spec.stop_sql(s)}))"
            )
        grant = (
            f"EXISTS (SELECT 1 FROM people_resident r WHERE r.id = {e}.resident_id AND "
            f"({spec.grant_sql(s)}))"
        )
        cur.execute(
            "UPDATE proactive_entitlement SET status = 'stopped', stopped_at = %s, "
            f"stop_run_id = %s, stop_reason = CASE WHEN {opted_e} THEN 'opted_out' "
            f"WHEN {stop} THEN 'stop_rule' ELSE 'not_eligible' END "
            f"WHERE programme_id = {pk} AND status IN ('granted', 'accepted', 'offered') "
            f"AND {which} AND ({opted_e} OR {stop} OR NOT {grant})",
            [now, run],
        )
        return cur.rowcount

    def _cases(self, cur, p, run, now) -> int:
        import json

        from django.utils import translation
        from django.utils.translation import gettext as _

        from doorstep.cases import clock
        from doorstep.cases.actions.intake import RECEIPT_ALPHABET, RECEIPT_LENGTH
        from doorstep.cases.models import Case

        ops = connection.ops
        version = p.service.published_version()
        dates = Case()
        clock.start(dates, self.on, version.promised_limit_days)
        n = len(RECEIPT_ALPHABET)
        if self.vendor == "postgresql":
            char = f"substr('{RECEIPT_ALPHABET}', floor(random() * {n})::int + 1, 1)"
        else:
            char = f"substr('{RECEIPT_ALPHABET}', abs(random() %% {n}) + 1, 1)"
        receipt = f"'{self.on:%Y%m%d}-' || " + " || ".join([char] * RECEIPT_LENGTH)
        waiting = (
            f"FROM proactive_entitlement e WHERE e.programme_id = {p.pk} AND "
            "e.status = 'case_opened' AND e.case_id IS NULL"
        )
        key = "'proactive:' || CAST(e.id AS TEXT)"
        # The condition of the partial unique index on (handler, key), as written there: with
        # it the index serves the look-ups of a case by its key (SQLite matches it verbatim).
        mine = "NOT (c.idempotency_key = '')"
        opened = 0
        for _draw in range(5):  # a receipt that clashes skips its row: draw again
            cur.execute(
                "INSERT INTO cases_case (receipt, resident_id, area_code, service_id, "
                "version_id, department_id, status, revision, handler_id, created_at, "
                "idempotency_key, agent_kind, agent_name, agent_phone, agent_relation, consent, "
                "consent_note, accepted_at, accepted_on, limit_days, due_on, warn_on, "
                "paused_days, trips, max_trips) "
                f"SELECT {receipt}, e.resident_id, r.area_code, %s, %s, %s, 'accepted', 1, %s, "
                f"%s, {key}, 'self', '', '', '', %s, '', %s, %s, %s, %s, %s, 0, 0, %s "
                "FROM proactive_entitlement e INNER JOIN people_resident r ON "
                f"r.id = e.resident_id WHERE e.programme_id = {p.pk} AND "
                "e.status = 'case_opened' AND e.case_id IS NULL AND NOT EXISTS (SELECT 1 FROM "
                f"cases_case c WHERE c.handler_id = %s AND {mine} AND c.idempotency_key = {key}) "
                "ON CONFLICT DO NOTHING",
                [p.service_id, version.pk, p.service.department_id, p.handler_id, now, False,
                 now, ops.adapt_datefield_value(dates.accepted_on), dates.limit_days,
                 ops.adapt_datefield_value(dates.due_on),
                 ops.adapt_datefield_value(dates.warn_on), version.max_trips,
                 p.handler_id],
            )  # fmt: skip
            opened += cur.rowcount
            cur.execute(
                f"SELECT COUNT(*) {waiting} AND NOT EXISTS (SELECT 1 FROM cases_case c "
                f"WHERE c.handler_id = %s AND {mine} AND c.idempotency_key = {key})",
                [p.handler_id],
            )
            if not cur.fetchone()[0]:
                break
        with translation.override(self.language):
            reason = _("Opened without application by the programme “%(name)s”.") % {"name": p.name}
        data = json.dumps(
            {"programme": p.code, "programme_id": p.pk, "run": run, "scan_date": str(self.on)}
        )
        cur.execute(
            "INSERT INTO cases_caseevent (case_id, at, actor_id, kind, verb, from_status, "
            "to_status, reason, data) SELECT c.id, %s, NULL, 'created', 'accept', '', "
            "'accepted', %s, %s FROM cases_case c WHERE c.handler_id = %s AND "
            f"{mine} AND c.idempotency_key IN (SELECT {key} {waiting}) AND NOT EXISTS "
            "(SELECT 1 FROM cases_caseevent v WHERE v.case_id = c.id)",
            [now, reason, data, p.handler_id],
        )
        cur.execute(
            "UPDATE proactive_entitlement SET case_id = (SELECT c.id FROM cases_case c WHERE "
            f"c.handler_id = %s AND {mine} AND c.idempotency_key = 'proactive:' || "
            "CAST(proactive_entitlement.id AS TEXT)) "
            f"WHERE programme_id = {p.pk} AND status = 'case_opened' AND case_id IS NULL",
            [p.handler_id],
        )
        return opened

    def _notify(self, cur, spec, p, run, now) -> int:
        from django.conf import settings
        from django.utils.translation import gettext as _

        from doorstep.proactive.runs import amount_text

        from .case_sweep import _text_parts

        link = f"'{settings.DOORSTEP_PUBLIC_URL}/programmes/r/' || e.token || '/'"
        if spec.kind == "renewal":
            kinds = [("case_opened", "programme_renewal_opened")]
        else:
            status = {"remind": "reminded"}.get(spec.kind) or (
                "offered" if spec.mode == "offer" else "granted"
            )
            kinds = [(status, TEMPLATES[status]), ("stopped", "programme_stopped")]
        silent = "r.phone <> '' AND r.notify_channel = 'none'"
        reason = _("The resident chose not to receive notifications.")
        notified = 0
        for status, template in kinds:
            params: list = []
            if status == "case_opened":
                columns = {
                    "name": "r.name",
                    "certificate": "%s",
                    "expires": "CAST(ct.expires_on AS TEXT)",
                    "receipt": "k.receipt",
                    "link": link,
                    "sender": "%s",
                }
                joins = (
                    "INNER JOIN people_certificate ct ON ct.id = e.certificate_id "
                    "INNER JOIN cases_case k ON k.id = e.case_id"
                )
                names = ("name", "certificate", "expires", "receipt", "link", "sender")
            else:
                columns = {"name": "r.name", "programme": "%s", "amount": "%s", "link": link,
                           "sender": "%s"}  # fmt: skip
                names = ("name", "programme", "amount", "link", "sender")
                joins = ""
                if status == "stopped":
                    columns.pop("amount")
                    names = ("name", "programme", "link", "sender")
            values = {"certificate": p.certificate_type.name if p.certificate_type else "",
                      "programme": p.name, "amount": amount_text(p),
                      "sender": p.sender}  # fmt: skip
            subject_parts, body_parts = _text_parts(template, names)
            subject = _concat(subject_parts, names, columns, values, params)
            body = _concat(body_parts, names, columns, values, params)
            which = "e.stop_run_id" if status == "stopped" else "e.run_id"
            cur.execute(
                "INSERT INTO notify_message (channel, address, template, language, subject, "
                "body, idempotency_key, status, attempts, next_attempt_at, last_error, "
                "created_at, resident_id) "
                "SELECT CASE WHEN r.phone <> '' THEN 'sms' ELSE 'log' END, r.phone, %s, %s, "
                f"{subject}, {body}, 'entitlement:' || CAST(e.id AS TEXT) || ':{status}', "
                f"CASE WHEN {silent} THEN 'skipped' ELSE 'pending' END, 0, %s, "
                f"CASE WHEN {silent} THEN %s ELSE '' END, %s, e.resident_id "
                "FROM proactive_entitlement e INNER JOIN people_resident r ON "
                f"r.id = e.resident_id {joins} WHERE {which} = %s AND e.status = '{status}' "
                "ON CONFLICT DO NOTHING",
                [template, self.language, *params, now, reason, now, run],
            )
            notified += cur.rowcount
        return notified


TEMPLATES = {"granted": "programme_granted", "offered": "programme_offered",
             "reminded": "programme_reminder"}  # fmt: skip


def _concat(parts: list[str], names, columns: dict, values: dict, params: list) -> str:
    """``a || b || …`` for a template split around its variables (``case_sweep._text_parts``):
    the constant text and the constant variables as parameters, the others as columns."""
    by_mark = {f"\ue000{i}\ue001": name for i, name in enumerate(names)}
    sql = []
    for part in parts:
        if part in by_mark:
            sql.append(columns[by_mark[part]])
            if columns[by_mark[part]] == "%s":
                params.append(values[by_mark[part]])
        elif part:
            sql.append("%s")
            params.append(part)
    return " || ".join(sql)


def _last_id(cur, table: str) -> int:
    cur.execute(f"SELECT MAX(id) FROM {table}")
    return cur.fetchone()[0]
