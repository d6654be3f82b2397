"""What Doorstep offers through Open311: the service list, each service's definition, and the
list's changeset.

Two kinds of service (service codes carry their kind, so the two never clash):
- ``need-<code>``, realtime: a public-space need category (lights, lifts, rubbish …); a request
  becomes a ``Need`` of the compound's community at once.
- ``matter-<code>``, batch: a catalogue matter that can start without coming in (online or done
  for the resident by the community); a request waits as a ``RemoteApplication`` until a clerk
  takes it in, so the answer is a token.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field

from django.conf import settings
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from doorstep.cases.actions.applications import REMOTE_PLACES
from doorstep.catalogue.choices import Necessity, VersionStatus
from doorstep.catalogue.models import Material, Service, ServiceVersion
from doorstep.needs.models import NeedCategory

from ..models import Open311Attribute, ServiceListState
from .render import Open311Error

NEED = "need-"
MATTER = "matter-"
MATERIAL = "material-"


@dataclass
class Offered:
    """One Open311 service: a need category (realtime) or a matter (batch)."""

    code: str
    name: str
    description: str
    type: str
    keywords: str
    group: str
    category: NeedCategory | None = None
    service: Service | None = None
    version: ServiceVersion | None = None
    attributes: list[Open311Attribute] = field(default_factory=list)
    materials: list[Material] = field(default_factory=list)

    @property
    def metadata(self) -> bool:
        return bool(self.attributes or self.materials)

    def summary(self) -> dict:
        return {
            "service_code": self.code,
            "service_name": self.name,
            "description": self.description,
            "metadata": self.metadata,
            "type": self.type,
            "keywords": self.keywords,
            "group": self.group,
        }

    def definition(self) -> dict:
        asked = [_question(a) for a in self.attributes]
        listed = [_material(m, len(asked) + n) for n, m in enumerate(self.materials, 1)]
        return {"service_code": self.code, "attributes": asked + listed}


def limit_text(category: NeedCategory) -> str:
    if category.unit == "hours":
        return _("The community answers within %(n)d hours.") % {"n": category.limit}
    return _("The community answers within %(n)d working days.") % {"n": category.limit}


def _question(a: Open311Attribute) -> dict:
    return {
        "variable": True,
        "code": a.code,
        "datatype": a.datatype,
        "required": a.required,
        "datatype_description": a.datatype_description,
        "order": a.order,
        "description": a.description,
        "values": [{"key": key, "name": name} for key, name in a.values],
    }


def _material(m: Material, order: int) -> dict:
    """A material to bring, listed (``variable`` false) so a client can show the checklist."""
    count = ngettext("%(n)s original", "%(n)s originals", m.originals) % {"n": m.originals}
    if m.copies:
        count += ", " + ngettext("%(n)s copy", "%(n)s copies", m.copies) % {"n": m.copies}
    return {
        "variable": False,
        "code": f"{MATERIAL}{m.pk}",
        "datatype": "string",
        "required": False,
        "datatype_description": "",
        "order": order,
        "description": f"{m.name} ({count}; {Necessity(m.necessity).label})",
        "values": [],
    }


def _needs(attributes: dict) -> list[Offered]:
    group = _("Public space")
    return [
        Offered(
            code=f"{NEED}{c.code}",
            name=c.name,
            description=_("A problem in a shared space: %(name)s. %(limit)s")
            % {"name": c.name, "limit": limit_text(c)},
            type="realtime",
            keywords=c.name,
            group=group,
            category=c,
            attributes=attributes.get(("need", c.pk), []),
        )
        for c in NeedCategory.objects.filter(active=True, public=True).order_by("position", "code")
    ]


def _matters(attributes: dict) -> list[Offered]:
    versions = [
        v
        for v in ServiceVersion.objects.filter(
            status=VersionStatus.PUBLISHED, service__is_active=True
        )
        .select_related("service__department")
        .order_by("service__code")
        if REMOTE_PLACES & set(v.places or [])
    ]
    materials: dict[int, list[Material]] = {}
    for m in Material.objects.filter(version__in=versions).order_by("position", "pk"):
        materials.setdefault(m.version_id, []).append(m)
    return [
        Offered(
            code=f"{MATTER}{v.service.code}",
            name=v.service.name,
            description=(v.purpose or v.service.name).strip()[:500],
            type="batch",
            keywords=", ".join(v.service.keywords.split()),
            group=v.service.department.name,
            service=v.service,
            version=v,
            attributes=attributes.get(("matter", v.service_id), []),
            materials=materials.get(v.pk, []),
        )
        for v in versions
    ]


def offered() -> list[Offered]:
    """Every service, realtime ones first, in three queries and one for the attributes."""
    attributes: dict[tuple[str, int], list[Open311Attribute]] = {}
    for a in Open311Attribute.objects.order_by("order", "code"):
        key = ("need", a.need_category_id) if a.need_category_id else ("matter", a.service_id)
        attributes.setdefault(key, []).append(a)
    return _needs(attributes) + _matters(attributes)


def unknown(code: str, status: int) -> Open311Error:
    return Open311Error(
        status, _("service_code %(code)s is not a service of ours.") % {"code": code[:50]}
    )


def find(code: str, services: list[Offered] | None = None) -> Offered | None:
    return next((s for s in services or offered() if s.code == code), None)


def changeset() -> str:
    """When the list (or a definition in it) last changed, as ISO 8601: the kept fingerprint
    moves on, with the time, whenever what the list says differs from it. It is read in one
    language, so that callers asking in different languages do not move it."""
    with translation.override(settings.LANGUAGE_CODE):
        content = [(s.summary(), s.definition()) for s in offered()]
    fingerprint = hashlib.sha256(
        json.dumps(content, ensure_ascii=False, sort_keys=True, default=str).encode()
    ).hexdigest()
    state = ServiceListState.objects.first()
    if state is None:
        state = ServiceListState.objects.create(fingerprint=fingerprint, changed_at=timezone.now())
    elif state.fingerprint != fingerprint:
        state.fingerprint, state.changed_at = fingerprint, timezone.now()
        state.save(update_fields=["fingerprint", "changed_at"])
    return timezone.localtime(state.changed_at).isoformat(timespec="seconds")
