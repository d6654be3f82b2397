"""Background tasks of the cases app (Django Tasks API; see ``notify.tasks``)."""

from __future__ import annotations

from django_tasks import task


@task()
def sweep_overdue_cases() -> int:
    """The overdue sweep as a task (for a scheduler that enqueues tasks instead of running
    ``doorstep sweep-cases``); returns how many cases it marked."""
    from .actions import do_sweep_overdue

    return do_sweep_overdue()
