"""Background tasks of the feedback app (Django Tasks API; see ``notify.tasks``)."""

from __future__ import annotations

from django_tasks import task


@task()
def sweep_feedback() -> dict[str, int]:
    """The daily satisfaction sweeps as a task: rating invitations, overdue rectifications."""
    from .actions import do_invite, do_mark_overdue_rectifications

    return {"invited": do_invite(), "overdue": do_mark_overdue_rectifications()}
