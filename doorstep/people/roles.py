"""What each staff role may do. Roles are granted over areas (``RoleGrant``); the area decides
*where*, this table decides *what*."""

from __future__ import annotations

from .choices import Role

VIEW_RESIDENTS = "view_residents"
EDIT_RESIDENTS = "edit_residents"
IMPORT_RESIDENTS = "import_residents"

CAPABILITIES: dict[str, frozenset[str]] = {
    Role.CLERK: frozenset({VIEW_RESIDENTS, EDIT_RESIDENTS, IMPORT_RESIDENTS}),
    Role.COMMUNITY_LEAD: frozenset({VIEW_RESIDENTS, EDIT_RESIDENTS, IMPORT_RESIDENTS}),
    Role.GRID_WORKER: frozenset({VIEW_RESIDENTS}),
    Role.STREET_LEAD: frozenset({VIEW_RESIDENTS}),
    Role.DISTRICT_LEAD: frozenset({VIEW_RESIDENTS}),
    Role.REVIEWER: frozenset(),
}


def roles_with(capability: str) -> list[str]:
    return [role for role, caps in CAPABILITIES.items() if capability in caps]


def grants_with(user, capability: str) -> list[str]:
    """Codes of the areas over which ``user`` holds a role that carries ``capability``."""
    from .models import RoleGrant

    return list(
        RoleGrant.objects.filter(user=user, role__in=roles_with(capability)).values_list(
            "area__code", flat=True
        )
    )


def can(user, capability: str) -> bool:
    from doorstep.places.scoping import area_prefixes

    prefixes = area_prefixes(user, capability)
    return prefixes is None or bool(prefixes)
