"""Background tasks of the insight app (Django Tasks API; see ``notify.tasks``)."""

from __future__ import annotations

from django_tasks import task


@task()
def roll_up() -> dict[str, int]:
    """``insight.rollups.do_roll_up`` as a task: run it after the case and needs sweeps."""
    from .rollups import do_roll_up

    return do_roll_up()
