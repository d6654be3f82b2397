"""Background tasks of the disputes app (Django Tasks API; see ``notify.tasks``)."""

from __future__ import annotations

from django_tasks import task


@task()
def sweep_disputes() -> int:
    """The disputes sweep as a task (for a scheduler that enqueues tasks instead of running
    ``doorstep sweep-disputes``); returns how many disputes it marked."""
    from .actions import do_sweep_disputes

    overdue, warned = do_sweep_disputes()
    return overdue + warned
