"""The mediation file's checklist (卷宗): what is in and what is missing. Some items are
proved by records (the notices, the sessions, the outcome, the callback), others by scanned
documents; an item that does not apply to this dispute (proof of performance without an
agreement) says so instead of showing as missing."""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from .choices import DocumentKind, Outcome, Source
from .models import Dispute


class State:
    IN = "in"
    MISSING = "missing"
    NOT_APPLICABLE = "n/a"


STATE_LABELS = {
    State.IN: _("In the file"),
    State.MISSING: _("Missing"),
    State.NOT_APPLICABLE: _("Not needed"),
}
STATE_COLOURS = {State.IN: "#136b2e", State.MISSING: "#a11d1d", State.NOT_APPLICABLE: "#3d4450"}


@dataclass(frozen=True)
class Item:
    code: str
    label: Promise
    state: str
    note: str = ""

    @property
    def state_label(self) -> str:
        return str(STATE_LABELS[self.state])

    @property
    def colour(self) -> str:
        return STATE_COLOURS[self.state]


def _state(present: bool, applies: bool = True) -> str:
    if not applies:
        return State.NOT_APPLICABLE
    return State.IN if present else State.MISSING


def checklist(dispute: Dispute) -> list[Item]:
    """The file's items for ``dispute``. Reads its parties, sessions and attachments (prefetch
    them for a page that shows many)."""
    kinds = {a.kind for a in dispute.attachments.all()}
    parties = list(dispute.parties.all())
    acknowledged = bool(parties) and all(p.acknowledged for p in parties)
    agreement = dispute.outcome in (Outcome.WRITTEN, Outcome.ORAL)
    written = dispute.outcome == Outcome.WRITTEN
    own_initiative = dispute.source == Source.INITIATIVE
    return [
        Item(
            "application",
            _("Application or referral letter"),
            _state(DocumentKind.APPLICATION in kinds, applies=not own_initiative),
        ),
        Item(
            "notice",
            _("Notice of rights and duties, acknowledged by every party"),
            _state(acknowledged),
        ),
        Item("id", _("Parties' ID documents"), _state(DocumentKind.ID in kinds)),
        Item("sessions", _("Session records"), _state(bool(list(dispute.sessions.all())))),
        Item(
            "agreement",
            _("Agreement (signed, or the oral agreement as text)"),
            _state(
                (written and DocumentKind.AGREEMENT in kinds) or dispute.outcome == Outcome.ORAL,
                applies=agreement or not dispute.outcome,
            ),
        ),
        Item(
            "performance",
            _("Proof of performance"),
            _state(DocumentKind.PERFORMANCE in kinds, applies=agreement or not dispute.outcome),
        ),
        Item(
            "callback",
            _("Callback on performance"),
            _state(bool(dispute.callback_reached), applies=agreement or not dispute.outcome),
        ),
    ]
