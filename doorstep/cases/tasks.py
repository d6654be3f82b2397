"""Background tasks of the cases app (Django Tasks API; see ``notify.tasks``)."""

from __future__ import annotations

from django_tasks import task


@task()
def sweep_overdue_cases() -> int:
    """The overdue sweep as a task (for a scheduler that enqueues tasks instead of running
    ``doorstep sweep-cases``); returns how many cases it marked."""
    from .actions import do_sweep_overdue

    return do_sweep_overdue()


@task()
def remind_followups() -> int:
    """The 容缺 reminders and late flags as a task (``doorstep remind-followups`` for cron);
    returns how many cases it flagged late."""
    from .actions import do_remind_followups

    return do_remind_followups().late
