"""The facts rules are about, computed in Python for one scan date.

``load_facts(residents, on)`` gives ``{resident_id: ResidentFacts}``; ``iter_facts`` streams the
same pairs. Both read in chunks of ``chunk_size`` residents with a fixed number of queries per
chunk (residents, tags, certificates, holdings, household sizes) from ``values_list`` rows, never
model instances, so 100k residents fit in a few hundred MB at most. rules_sql.py decides the same
facts in SQL; the differential test holds the two together.
"""

from __future__ import annotations

import datetime
import itertools
from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from django.db.models import Count, QuerySet

from .holdings import holdings

CHUNK = 2000
# Tags, certificates and holdings of a chunk are read by id range when the chunk's ids span at
# most SPREAD times as many ids as it has (residents have few of each); else by a list of ids.
SPREAD = 16


@dataclass(frozen=True, slots=True)
class CertificateFacts:
    type: str  # the type's code
    days_to_expiry: int | None  # None: the certificate does not expire
    valid: bool
    renewal_due: bool
    # For explanations; rules do not read these.
    id: int = 0
    expires_on: datetime.date | None = None
    type_name: str = ""


@dataclass(frozen=True, slots=True)
class ResidentFacts:
    age: int
    sex: str
    status: str
    area: str
    tags: frozenset[str]  # tag codes
    household_size: int
    certificates: tuple[CertificateFacts, ...]
    holds: frozenset[str]  # codes of the programmes held on the scan date

    @property
    def lives_alone(self) -> bool:
        return self.household_size == 1


def age_on(birth: datetime.date, on: datetime.date) -> int:
    """Whole years on ``on``; born on Feb 29, one turns a year older on Mar 1 in common years."""
    return on.year - birth.year - ((on.month, on.day) < (birth.month, birth.day))


def load_facts(
    residents: QuerySet | Iterable[int], on: datetime.date, *, chunk_size: int = CHUNK
) -> dict[int, ResidentFacts]:
    return dict(iter_facts(residents, on, chunk_size=chunk_size))


def iter_facts(
    residents: QuerySet | Iterable[int], on: datetime.date, *, chunk_size: int = CHUNK
) -> Iterator[tuple[int, ResidentFacts]]:
    """(resident id, facts) for each resident, in id order, read chunk by chunk."""
    reader = _Reader(on)
    for rows in _resident_chunks(residents, chunk_size):
        yield from reader.facts(rows)


_FIELDS = ("id", "birth_date", "sex", "status", "area_code", "household_id")


def _resident_chunks(residents, chunk_size: int) -> Iterator[list[tuple]]:
    from doorstep.people.models import Resident

    if isinstance(residents, QuerySet):
        rows = residents.order_by("pk").values_list(*_FIELDS).iterator(chunk_size=chunk_size)
        yield from _batched(rows, chunk_size)
        return
    ids = sorted({int(pk) for pk in residents})
    for chunk in _batched(ids, chunk_size):
        if chunk[-1] - chunk[0] < 2 * len(chunk):  # dense: an id range, then keep the asked
            wanted = set(chunk)
            rows = Resident.objects.filter(pk__gte=chunk[0], pk__lte=chunk[-1])
            rows = rows.order_by("pk").values_list(*_FIELDS)
            yield [row for row in rows if row[0] in wanted]
        else:
            rows = Resident.objects.filter(pk__in=chunk).order_by("pk").values_list(*_FIELDS)
            yield list(rows)


def _batched(items: Iterable, size: int) -> Iterator[list]:
    iterator = iter(items)
    while chunk := list(itertools.islice(iterator, size)):
        yield chunk


class _Reader:
    """What every chunk needs once: tag codes, certificate types, the holdings' reader."""

    def __init__(self, on: datetime.date) -> None:
        from doorstep.people.models import CertificateType, Tag

        self.on = on
        self.tags = dict(Tag.objects.values_list("id", "code"))
        self.types = {
            row[0]: row[1:]
            for row in CertificateType.objects.values_list(
                "id", "code", "name", "renewal_window_days"
            )
        }
        self.holdings = holdings().reader(on)
        self._sets: dict[tuple, frozenset] = {}

    def frozen(self, items: Iterable[str]) -> frozenset[str]:
        """The same frozenset object for the same members: most residents share a few."""
        key = tuple(sorted(items))
        found = self._sets.get(key)
        if found is None:
            found = self._sets[key] = frozenset(key)
        return found

    def facts(self, rows: list[tuple]) -> Iterator[tuple[int, ResidentFacts]]:
        ids = [row[0] for row in rows]  # ascending
        wanted = set(ids)
        if ids[-1] - ids[0] < SPREAD * len(ids):
            # Ids close together (all residents, or a sample of every n-th): a range, no long
            # parameter lists; rows of residents in the range but not asked for are skipped.
            where = {"resident_id__gte": ids[0], "resident_id__lte": ids[-1]}
        else:
            where = {"resident_id__in": ids}
        tags, certificates = self._tags(where, wanted), self._certificates(where, wanted)
        holds = self.holdings.held(where, wanted)
        households = {row[5] for row in rows if row[5] is not None}
        sizes = self._household_sizes(households) if households else {}
        on = self.on
        for pk, birth, sex, status, area, household in rows:
            yield (
                pk,
                ResidentFacts(
                    age=age_on(birth, on),
                    sex=sex,
                    status=status,
                    area=area,
                    tags=self.frozen(tags.get(pk, ())),
                    household_size=sizes.get(household, 0),
                    certificates=tuple(certificates.get(pk, ())),
                    holds=self.frozen(holds.get(pk, ())),
                ),
            )

    def _tags(self, where: dict, wanted: set[int]) -> dict[int, list[str]]:
        from doorstep.people.models import ResidentTag

        found = defaultdict(list)
        rows = ResidentTag.objects.filter(**where).values_list("resident_id", "tag_id")
        for resident_id, tag_id in rows:
            if resident_id in wanted:
                found[resident_id].append(self.tags[tag_id])
        return found

    def _certificates(self, where: dict, wanted: set[int]) -> dict[int, list[CertificateFacts]]:
        from doorstep.people.models import Certificate

        found = defaultdict(list)
        rows = (
            Certificate.objects.filter(**where)
            .order_by("resident_id", "id")
            .values_list("resident_id", "id", "type_id", "expires_on")
        )
        for resident_id, pk, type_id, expires_on in rows:
            if resident_id in wanted:
                found[resident_id].append(self.certificate(pk, type_id, expires_on))
        return found

    def certificate(
        self, pk: int, type_id: int, expires_on: datetime.date | None
    ) -> CertificateFacts:
        code, name, window = self.types[type_id]
        days = None if expires_on is None else (expires_on - self.on).days
        return CertificateFacts(
            type=code,
            days_to_expiry=days,
            valid=days is None or days >= 0,
            renewal_due=days is not None and window is not None and 0 <= days <= window,
            id=pk,
            expires_on=expires_on,
            type_name=name,
        )

    def _household_sizes(self, households: set[int]) -> dict[int, int]:
        """Active members per household (a list of ids: a subquery over the chunk's id range
        leads PostgreSQL to scan the whole registry for each chunk)."""
        from doorstep.people.models import Resident

        rows = (
            Resident.objects.filter(household_id__in=sorted(households), status="active")
            .order_by()
            .values("household_id")
            .annotate(n=Count("id"))
            .values_list("household_id", "n")
        )
        return dict(rows)
