"""The dispute's states, its transitions (data, in one place) and the other choices of the app.

People's Mediation Law arts. 17–33: a dispute comes from a party's application, the committee's
own initiative or a referral; it is mediated in sessions, normally within one month (longer only
with every party's consent); it ends in a written agreement (in force on the parties' signatures
and the committee's seal; court confirmation within 30 days of that), an oral agreement recorded
as text, no agreement (the parties are told where to go next) or a referral; the committee calls
back on performance before the file is closed.

``TRANSITIONS`` is the state machine: each verb names the states it leaves, the state it enters,
whether a reason is mandatory, and the conditions (``needs``) the dispute must meet beyond its
state. ``ALLOWED`` is the same table as ``{from: {to, ...}}``.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db import models
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _


class DisputeStatus(models.TextChoices):
    REGISTERED = "registered", _("Registered")
    IN_MEDIATION = "in_mediation", _("In mediation")
    AGREEMENT = "agreement", _("Agreement reached")
    NO_AGREEMENT = "no_agreement", _("No agreement")
    REFERRED = "referred", _("Referred elsewhere")
    CLOSED = "closed", _("Closed")

    @property
    def colour(self) -> str:
        return STATUS_COLOURS[self.value]


STATUS_COLOURS = {
    "registered": "#3d4450",
    "in_mediation": "#0b5cad",
    "agreement": "#136b2e",
    "no_agreement": "#8a5a00",
    "referred": "#5b3fa0",
    "closed": "#3d4450",
}

# The one-month target runs while the dispute is being mediated.
OPEN = frozenset({DisputeStatus.REGISTERED, DisputeStatus.IN_MEDIATION})
# Mediation is over; the file waits for the callback (agreement) or for closing.
SETTLED = frozenset({DisputeStatus.AGREEMENT, DisputeStatus.NO_AGREEMENT, DisputeStatus.REFERRED})


class Need(models.TextChoices):
    """A condition a transition needs beyond the dispute's state (checked in ``actions``)."""

    SESSION = "session", _("at least one mediation session on record")
    CALLBACK = "callback", _("a callback on whether the agreement is kept")


@dataclass(frozen=True)
class Transition:
    verb: str
    source: frozenset[str]
    target: str
    label: Promise
    needs_reason: bool = False
    # Conditions by source state: {state: (Need, ...)}; a state not listed needs nothing more.
    needs: tuple[tuple[str, tuple[str, ...]], ...] = ()

    def needs_from(self, status: str) -> tuple[str, ...]:
        return dict(self.needs).get(status, ())


def _t(verb, source, target, label, **kw) -> tuple[str, Transition]:
    return verb, Transition(verb, frozenset(source), target, label, **kw)


S = DisputeStatus
TRANSITIONS: dict[str, Transition] = dict(
    [
        # Taken by the first session (its record is the proof that mediation began).
        _t("start", [S.REGISTERED], S.IN_MEDIATION, _("Start mediation")),
        # Taken by recording the outcome (``do_record_outcome``), each with its own details.
        _t("agree", [S.IN_MEDIATION], S.AGREEMENT, _("Record an agreement"),
           needs=((S.IN_MEDIATION, (Need.SESSION,)),)),
        _t("fail", [S.IN_MEDIATION], S.NO_AGREEMENT, _("Record that no agreement was reached"),
           needs=((S.IN_MEDIATION, (Need.SESSION,)),)),
        _t("refer", [S.REGISTERED, S.IN_MEDIATION], S.REFERRED, _("Refer elsewhere")),
        # A party may withdraw at any time before the outcome (art. 23: voluntary mediation).
        _t("withdraw", [S.REGISTERED, S.IN_MEDIATION], S.CLOSED,
           _("Close: a party withdrew"), needs_reason=True),
        _t("close", [S.AGREEMENT, S.NO_AGREEMENT, S.REFERRED], S.CLOSED, _("Close the file"),
           needs=((S.AGREEMENT, (Need.CALLBACK,)),)),
    ]
)  # fmt: skip

ALLOWED: dict[str, frozenset[str]] = {
    status: frozenset(t.target for t in TRANSITIONS.values() if status in t.source)
    for status in DisputeStatus.values
}


class Source(models.TextChoices):
    APPLICATION = "application", _("A party's application")
    INITIATIVE = "initiative", _("The committee's own initiative")
    POLICE = "police", _("Referred by the police")
    COURT = "court", _("Referred by a court")
    GOVERNMENT = "government", _("Referred by a government body")


REFERRED_SOURCES = frozenset({Source.POLICE, Source.COURT, Source.GOVERNMENT})


class DisputeType(models.TextChoices):
    FAMILY = "family", _("Marriage, family, inheritance")
    NEIGHBOURS = "neighbours", _("Neighbours")
    HOUSING = "housing", _("Housing and homestead")
    COMPENSATION = "compensation", _("Compensation for damage")
    CONTRACT = "contract", _("Contract")
    LAND = "land", _("Land")
    DEMOLITION = "demolition", _("Expropriation and demolition")
    LABOUR = "labour", _("Labour")
    FAMILY_PLANNING = "family_planning", _("Family planning")
    VILLAGE = "village", _("Village affairs")
    ENVIRONMENT = "environment", _("Environment")
    TRAFFIC = "traffic", _("Traffic accident")
    MEDICAL = "medical", _("Doctor and patient")
    PROPERTY = "property", _("Property management")
    OTHER = "other", _("Other")


class PartyKind(models.TextChoices):
    RESIDENT = "resident", _("A resident in the registry")
    OUTSIDER = "outsider", _("Someone not in the registry")


class Outcome(models.TextChoices):
    WRITTEN = "written", _("Written agreement")
    ORAL = "oral", _("Oral agreement (recorded as text)")
    NONE = "none", _("No agreement")
    REFERRED = "referred", _("Referred elsewhere")


# The verb each outcome takes.
OUTCOME_VERB = {
    Outcome.WRITTEN: "agree",
    Outcome.ORAL: "agree",
    Outcome.NONE: "fail",
    Outcome.REFERRED: "refer",
}


class Risk(models.TextChoices):
    """Escalation risk colours seen in practice: red report at once, orange the same day,
    yellow the grid worker goes on site."""

    NONE = "none", _("No risk flagged")
    YELLOW = "yellow", _("Yellow: watch on site")
    ORANGE = "orange", _("Orange: report the same day")
    RED = "red", _("Red: may escalate, report at once")

    @property
    def colour(self) -> str:
        return {"none": "#3d4450", "yellow": "#8a5a00", "orange": "#b34700", "red": "#a11d1d"}[
            self.value
        ]


class Recipient(models.TextChoices):
    POLICE = "police", _("The local police station")
    DEPARTMENT = "department", _("The competent department")
    LEADS = "leads", _("The community and street leads")


class Performance(models.TextChoices):
    KEPT = "kept", _("Kept")
    PARTLY = "partly", _("Partly kept")
    NOT_KEPT = "not_kept", _("Not kept")

    @property
    def colour(self) -> str:
        return {"kept": "#136b2e", "partly": "#8a5a00", "not_kept": "#a11d1d"}[self.value]


class RequestStatus(models.TextChoices):
    PENDING = "pending", _("Waiting for a decision")
    GRANTED = "granted", _("Granted")
    REFUSED = "refused", _("Refused")


class DocumentKind(models.TextChoices):
    """What an attached scan is, for the mediation file's checklist."""

    APPLICATION = "application", _("Application or referral letter")
    NOTICE = "notice", _("Signed notice of rights and duties")
    ID = "id", _("Parties' ID documents")
    RECORD = "record", _("Session record")
    AGREEMENT = "agreement", _("Signed agreement")
    PERFORMANCE = "performance", _("Proof of performance")
    OTHER = "other", _("Other")


class EventKind(models.TextChoices):
    REGISTERED = "registered", _("Registered")
    TRANSITION = "transition", _("Status changed")
    PARTY = "party", _("Party added")
    NOTICE = "notice", _("Notice acknowledged")
    SESSION = "session", _("Session held")
    RISK = "risk", _("Risk flagged")
    OUTCOME = "outcome", _("Outcome recorded")
    EXTENDED = "extended", _("Deadline extended")
    CALLBACK = "callback", _("Callback")
    MEDIATOR = "mediator", _("Mediator change")
    ATTACHMENT = "attachment", _("File attached")
    OVERDUE = "overdue", _("Past the one-month target")
    CONFIRMATION = "confirmation", _("Court confirmation deadline near")
