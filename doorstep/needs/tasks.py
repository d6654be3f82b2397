"""Background tasks of the needs app (Django Tasks API; see ``notify.tasks``)."""

from __future__ import annotations

from django_tasks import task


@task()
def escalate_needs() -> int:
    """The escalation sweep as a task (for a scheduler that enqueues tasks instead of running
    ``manage.py escalate_needs``); returns how many needs moved up a level."""
    from .actions import do_escalate_needs

    return do_escalate_needs()
