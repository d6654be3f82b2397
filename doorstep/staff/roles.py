"""What each staff role may do. Roles are granted over areas (``RoleGrant``); the area decides
*where*, this table decides *what*."""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.translation import gettext as _

from .choices import Role

VIEW_RESIDENTS = "view_residents"
EDIT_RESIDENTS = "edit_residents"
IMPORT_RESIDENTS = "import_residents"
SERVE_DESK = "serve_desk"  # run a compound desk's sessions: queue, served, no-show
VIEW_CASES = "view_cases"  # read cases of residents in the area
HANDLE_CASES = "handle_cases"  # take in cases at a desk and carry them (受理, 代办, 转办)
REVIEW_CASES = "review_cases"  # decide cases forwarded to the grant's department
VIEW_PROGRAMMES = "view_programmes"  # read programmes, their rules and their runs
MANAGE_PROGRAMMES = "manage_programmes"  # create programmes and change them and their rules
RUN_PROGRAMMES = "run_programmes"  # preview a programme and start a run
# Community work (visits, needs, disputes). A grid worker's visits are further limited to the
# grids assigned to them; the area grant bounds everything.
LOG_VISITS = "log_visits"  # log door-to-door visits (上门走访)
VIEW_VISITS = "view_visits"  # read visits, due lists, coverage and the silence alarm
MANAGE_VISIT_RULES = "manage_visit_rules"  # set how often each kind of resident is visited
HANDLE_NEEDS = "handle_needs"  # register needs (急难愁盼), own them, hand them on, close them
VIEW_NEEDS = "view_needs"  # read needs (sensitive ones only as their owner)
REVIEW_NEEDS = "review_needs"  # decide on escalations and the "repeated unreasonable" flag
MEDIATE_DISPUTES = "mediate_disputes"  # register disputes, hold sessions, record agreements
VIEW_DISPUTES = "view_disputes"  # read disputes and their files
# Leaders' reception days (领导接待日): plan them, register what residents raise, assign it to
# departments and chase it. The leader of a day must also hold HANDLE_NEEDS there: they own
# (包案) the needs the day raises.
RUN_RECEPTION = "run_reception"
VIEW_RECEPTION = "view_reception"  # read reception days, their matters and the leader's brief
# Satisfaction (好差评) and callbacks (回访). Ratings are read without the rater's identity; only
# a rectification's owner sees whom to call back.
VIEW_RATINGS = "view_ratings"  # read ratings, rectifications, appeals and callbacks
CALL_BACK = "call_back"  # record callbacks on closed matters
RECTIFY = "rectify"  # own the rectification of a bad rating and call the resident back
APPEAL_RATINGS = "appeal_ratings"  # contest a bad rating of one's own desk or department
DECIDE_APPEALS = "decide_appeals"  # uphold or reject an appeal
# Another system files needs and matters for residents (Open311), inside the grant's area.
FILE_REQUESTS = "file_requests"
# Staff accounts and their role grants, within the grant's area (the staff page, not the admin).
MANAGE_STAFF = "manage_staff"

CAPABILITIES: dict[str, frozenset[str]] = {
    Role.CLERK: frozenset(
        {VIEW_RESIDENTS, EDIT_RESIDENTS, IMPORT_RESIDENTS, SERVE_DESK, VIEW_CASES, HANDLE_CASES}
        | {VIEW_VISITS, HANDLE_NEEDS, VIEW_NEEDS, RUN_RECEPTION, VIEW_RECEPTION}
        | {VIEW_RATINGS, CALL_BACK}
    ),
    Role.COMMUNITY_LEAD: frozenset(
        {VIEW_RESIDENTS, EDIT_RESIDENTS, IMPORT_RESIDENTS, SERVE_DESK, VIEW_CASES, HANDLE_CASES}
        | {VIEW_VISITS, LOG_VISITS, MANAGE_VISIT_RULES, HANDLE_NEEDS, VIEW_NEEDS, REVIEW_NEEDS}
        | {MEDIATE_DISPUTES, VIEW_DISPUTES, RUN_RECEPTION, VIEW_RECEPTION}
        | {VIEW_RATINGS, CALL_BACK, RECTIFY, APPEAL_RATINGS}
    ),
    Role.GRID_WORKER: frozenset(
        {VIEW_RESIDENTS, LOG_VISITS, VIEW_VISITS, HANDLE_NEEDS, VIEW_NEEDS}
    ),
    Role.MEDIATOR: frozenset({MEDIATE_DISPUTES, VIEW_DISPUTES}),
    Role.STREET_LEAD: frozenset(
        {VIEW_RESIDENTS, VIEW_CASES, VIEW_VISITS, HANDLE_NEEDS, VIEW_NEEDS, REVIEW_NEEDS}
        | {VIEW_DISPUTES, RUN_RECEPTION, VIEW_RECEPTION}
        | {VIEW_RATINGS, CALL_BACK, RECTIFY, DECIDE_APPEALS}
    ),
    # The whole district's programmes are the district lead's business: read, not change.
    Role.DISTRICT_LEAD: frozenset(
        {VIEW_RESIDENTS, VIEW_CASES, VIEW_PROGRAMMES, VIEW_VISITS, VIEW_NEEDS, REVIEW_NEEDS}
        | {VIEW_DISPUTES, VIEW_RECEPTION, VIEW_RATINGS, DECIDE_APPEALS}
    ),
    # A reviewer reads and contests the ratings of their own department's decisions.
    Role.REVIEWER: frozenset({REVIEW_CASES, VIEW_RATINGS, APPEAL_RATINGS}),
    Role.ADMINISTRATOR: frozenset(
        {VIEW_PROGRAMMES, MANAGE_PROGRAMMES, RUN_PROGRAMMES, MANAGE_VISIT_RULES, MANAGE_STAFF}
    ),
    Role.GATEWAY: frozenset({FILE_REQUESTS}),
}


# Holding any of these somewhere lets a member of staff see figures (of what they may see):
# ``insight.metrics.may_see_figures``, and the header's link to the dashboard.
FIGURE_CAPABILITIES = frozenset(
    {VIEW_CASES, REVIEW_CASES, VIEW_RATINGS, VIEW_NEEDS, VIEW_DISPUTES, VIEW_VISITS}
)


def roles_with(capability: str) -> list[str]:
    return [role for role, caps in CAPABILITIES.items() if capability in caps]


def user_grants(user) -> list[tuple[str, str, int | None]]:
    """(role, area code, department id) of every grant ``user`` holds, read once per request
    (cached on the user object) however many capabilities the request asks about."""
    cached = user.__dict__.get("_doorstep_grants")
    if cached is None:
        from .models import RoleGrant

        cached = list(
            RoleGrant.objects.filter(user_id=user.pk).values_list(
                "role", "area__code", "department_id"
            )
        )
        user.__dict__["_doorstep_grants"] = cached
    return cached


def reviewer_grants(user) -> list[tuple[int, str]]:
    """(department id, area code) of each department reviewer grant the user holds."""
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return []
    return [
        (dept, code)
        for role, code, dept in user_grants(user)
        if role == Role.REVIEWER and dept is not None
    ]


def grants_with(user, capability: str) -> list[str]:
    """Codes of the areas over which ``user`` holds a role that carries ``capability``."""
    roles = set(roles_with(capability))
    return [code for role, code, _dept in user_grants(user) if role in roles]


def can(user, capability: str) -> bool:
    from doorstep.staff.scoping import area_prefixes

    prefixes = area_prefixes(user, capability)
    return prefixes is None or bool(prefixes)


@dataclass(frozen=True)
class StaffProfile:
    """What the page header and the home page need to know about a member of staff."""

    roles: frozenset[str]
    capabilities: frozenset[str]
    labels: tuple[str, ...]  # "Desk clerk · 七里一村社区", one per grant
    # Django's admin site lets in ``is_staff`` accounts only (and shows each the models its
    # Django permissions allow): the header's link follows the site's own gate.
    can_open_admin: bool = False

    @property
    def can_view_residents(self) -> bool:
        return VIEW_RESIDENTS in self.capabilities

    @property
    def can_edit_residents(self) -> bool:
        return EDIT_RESIDENTS in self.capabilities

    @property
    def can_import_residents(self) -> bool:
        return IMPORT_RESIDENTS in self.capabilities

    @property
    def can_serve_desk(self) -> bool:
        return SERVE_DESK in self.capabilities

    @property
    def can_view_cases(self) -> bool:
        return VIEW_CASES in self.capabilities

    @property
    def can_handle_cases(self) -> bool:
        return HANDLE_CASES in self.capabilities

    @property
    def can_review_cases(self) -> bool:
        return REVIEW_CASES in self.capabilities

    @property
    def can_view_programmes(self) -> bool:
        return VIEW_PROGRAMMES in self.capabilities

    @property
    def can_manage_programmes(self) -> bool:
        return MANAGE_PROGRAMMES in self.capabilities

    @property
    def can_run_programmes(self) -> bool:
        return RUN_PROGRAMMES in self.capabilities

    @property
    def can_log_visits(self) -> bool:
        return LOG_VISITS in self.capabilities

    @property
    def can_view_visits(self) -> bool:
        return VIEW_VISITS in self.capabilities

    @property
    def can_manage_visit_rules(self) -> bool:
        return MANAGE_VISIT_RULES in self.capabilities

    @property
    def can_handle_needs(self) -> bool:
        return HANDLE_NEEDS in self.capabilities

    @property
    def can_view_needs(self) -> bool:
        return VIEW_NEEDS in self.capabilities

    @property
    def can_review_needs(self) -> bool:
        return REVIEW_NEEDS in self.capabilities

    @property
    def can_mediate_disputes(self) -> bool:
        return MEDIATE_DISPUTES in self.capabilities

    @property
    def can_view_disputes(self) -> bool:
        return VIEW_DISPUTES in self.capabilities

    @property
    def can_view_reception(self) -> bool:
        return VIEW_RECEPTION in self.capabilities

    @property
    def can_view_ratings(self) -> bool:
        return VIEW_RATINGS in self.capabilities

    @property
    def can_manage_staff(self) -> bool:
        return MANAGE_STAFF in self.capabilities

    @property
    def can_see_figures(self) -> bool:
        return bool(FIGURE_CAPABILITIES & self.capabilities)


def staff_profile(user) -> StaffProfile:
    """The user's roles and the capabilities they carry, from one query over the grants."""
    from .models import RoleGrant

    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return StaffProfile(frozenset(), frozenset(), ())
    grants = list(
        RoleGrant.objects.filter(user=user)
        .order_by("role", "area__code")
        .values_list("role", "area__name")
    )
    roles = frozenset(role for role, _area in grants)
    caps = frozenset().union(*(CAPABILITIES.get(role, frozenset()) for role in roles))
    labels = tuple(f"{Role(role).label} · {area}" for role, area in grants)
    if user.is_superuser:
        caps = frozenset().union(*CAPABILITIES.values())
        labels = (str(_("Administrator")), *labels)
    return StaffProfile(roles, caps, labels, can_open_admin=user.is_staff)
