"""Background tasks of the reception app (Django Tasks API; see ``notify.tasks``)."""

from __future__ import annotations

from django_tasks import task


@task()
def chase_reception() -> dict[str, int]:
    """The daily reception sweeps as a task: chase late matters, send the leaders' briefs."""
    from .actions import do_chase, do_send_briefs

    return {"chased": do_chase(), "briefs": do_send_briefs()}
