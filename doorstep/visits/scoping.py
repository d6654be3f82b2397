"""Who sees which households, visits and residents of community work.

Community leads, clerks and street or district leads see their granted areas (the one area
mechanism, ``staff.scoping``). A grid worker sees less: only the households in the grids
assigned to them (``places.Grid.workers``), and only inside their area grant. A grid worker
with no grid sees nothing.
"""

from __future__ import annotations

from django.db.models import Q

from doorstep.places.models import Building
from doorstep.staff.choices import Role
from doorstep.staff.roles import CAPABILITIES, roles_with, user_grants
from doorstep.staff.scoping import prefix_q

NOTHING = Q(pk__in=[])


def split_grants(user, capability: str) -> tuple[list[str] | None, list[str]]:
    """(area-wide prefixes, grid-worker prefixes) where ``user`` holds ``capability``; the
    first is ``None`` for a superuser (everywhere)."""
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return [], []
    if user.is_superuser:
        return None, []
    area_roles = set(roles_with(capability)) - {Role.GRID_WORKER}
    grid_role = capability in CAPABILITIES[Role.GRID_WORKER]
    area, grid = [], []
    for role, code, _dept in user_grants(user):
        if role in area_roles:
            area.append(code)
        elif role == Role.GRID_WORKER and grid_role:
            grid.append(code)
    return sorted(set(area)), sorted(set(grid))


def scope_q(
    user, capability: str, *, area_field: str, building_field: str, by_index: bool = True
) -> Q:
    """A Q keeping the rows ``user`` may see: ``area_field`` holds the row's area code,
    ``building_field`` its building (for the grid worker's own grids). ``by_index=False`` when
    the query has a narrower condition SQLite should start from (see ``core.lookups``)."""
    area, grid = split_grants(user, capability)
    if area is None:
        return Q()
    lookup = "prefix" if by_index else "prefix_filter"
    q = prefix_q(area_field, area, lookup=lookup) if area else NOTHING
    if grid:
        mine = grid_buildings(user)
        q |= prefix_q(area_field, grid, lookup=lookup) & Q(**{f"{building_field}__in": mine})
    return q


def grid_buildings(user) -> list[int]:
    """The buildings of the grids assigned to ``user``, read once per request (cached on the
    user object). A list, not a subquery: the planner then starts from these few buildings
    instead of every household of the grant's area."""
    cached = user.__dict__.get("_doorstep_grid_buildings")
    if cached is None:
        cached = sorted(
            set(Building.objects.filter(grid__workers=user).values_list("pk", flat=True))
        )
        user.__dict__["_doorstep_grid_buildings"] = cached
    return cached


def may(user, capability: str) -> bool:
    """Whether ``user`` holds ``capability`` anywhere (a grid worker: with a grant)."""
    area, grid = split_grants(user, capability)
    return area is None or bool(area or grid)


def household_q(user, capability: str, prefix: str = "", *, by_index: bool = True) -> Q:
    """Households (or rows reaching one through ``prefix``, e.g. ``"household__"``)."""
    return scope_q(
        user,
        capability,
        area_field=f"{prefix}building__compound__code",
        building_field=f"{prefix}building",
        by_index=by_index,
    )
