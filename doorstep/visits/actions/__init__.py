"""The verbs of visits: every write goes through one of these, atomic, with its event row."""

from .log import FindingIn, Logged, do_log_visit
from .photos import do_add_photo, read_photo
from .rules import do_remove_visit_rule, do_set_visit_rule

__all__ = [
    "FindingIn",
    "Logged",
    "do_add_photo",
    "do_log_visit",
    "do_remove_visit_rule",
    "do_set_visit_rule",
    "read_photo",
]
