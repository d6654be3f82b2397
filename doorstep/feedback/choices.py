"""The words of satisfaction (好差评, State Council 2019 No. 51) and of callbacks (回访)."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class SubjectKind(models.TextChoices):
    CASE = "case", _("Case")
    NEED = "need", _("Need")
    DISPUTE = "dispute", _("Dispute")
    VISIT = "visit", _("Desk visit")


class Channel(models.TextChoices):
    """Offline (at a desk, by a worker) or online: which questions the rating form asks."""

    OFFLINE = "offline", _("In person")
    ONLINE = "online", _("Online")


class Level(models.IntegerChoices):
    VERY_SATISFIED = 5, _("Very satisfied (非常满意)")
    SATISFIED = 4, _("Satisfied (满意)")
    BASICALLY_SATISFIED = 3, _("Basically satisfied (基本满意)")
    DISSATISFIED = 2, _("Dissatisfied (不满意)")
    VERY_DISSATISFIED = 1, _("Very dissatisfied (非常不满意)")


# The two lowest levels are bad ratings (差评): each opens a rectification.
BAD = frozenset({Level.DISSATISFIED, Level.VERY_DISSATISFIED})
# Counted as satisfied by the satisfaction rate; "basically satisfied" counts 0.9.
SATISFIED = frozenset({Level.VERY_SATISFIED, Level.SATISFIED})

# The offline indicators beside the overall level, and the online sub-questions.
OFFLINE_INDICATORS = (
    ("efficiency", _("Efficiency")),
    ("service", _("Service level")),
    ("attitude", _("Attitude")),
)
ONLINE_QUESTIONS = (
    ("guide_clear", _("The guide was clear")),
    ("steps_convenient", _("The steps were convenient")),
    ("materials_minimal", _("Only the materials needed were asked for")),
    ("page_easy", _("The pages were easy to use")),
)


class Source(models.TextChoices):
    TRACKING = "tracking", _("Tracking page")
    RECEIPT = "receipt", _("QR code on the receipt")
    MESSAGE = "message", _("Link in a message")
    CALLBACK = "callback", _("At a callback")


class RectificationStatus(models.TextChoices):
    OPEN = "open", _("Open")
    DONE = "done", _("Done")


class Outcome(models.TextChoices):
    ON_SPOT = "on_spot", _("Fixed on the spot")
    BY_DATE = "by_date", _("Put right by a date")
    EXPLAINED = "explained", _("Explained: the request has no legal basis")


class AppealGround(models.TextChoices):
    MISTAKEN = "mistaken", _("Mistaken rating (wrong matter or unit)")
    MALICIOUS = "malicious", _("Malicious rating")


class AppealStatus(models.TextChoices):
    PENDING = "pending", _("Awaiting a decision")
    UPHELD = "upheld", _("Upheld: the rating is removed from the figures")
    REJECTED = "rejected", _("Rejected: the rating stands")


class Solved(models.TextChoices):
    YES = "yes", _("Solved")
    PARTLY = "partly", _("Partly solved")
    NO = "no", _("Not solved")


class Invalid(models.TextChoices):
    """Why a callback does not count (an invalid callback is left out of every rate)."""

    WRONG_NUMBER = "wrong_number", _("Wrong or empty number")
    REFUSED = "refused", _("The resident declined to answer")
    DUPLICATE = "duplicate", _("Same matter already called back")
    NOT_RESIDENT = "not_resident", _("Not the person who raised it")
