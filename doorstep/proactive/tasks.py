"""Background tasks of the proactive app (Django Tasks API; see ``notify.tasks``)."""

from __future__ import annotations

from django_tasks import task


@task()
def run_programme(run_id: int) -> str:
    """Carry out a queued run (``actions.do_queue_run``); returns its final status. A run
    another worker already took is left to it."""
    from .actions import do_run_programme
    from .models import ProgrammeRun

    run = ProgrammeRun.objects.select_related("programme", "started_by").filter(pk=run_id).first()
    if run is None:
        return "missing"
    run = do_run_programme(
        run.programme, actor=run.started_by, trigger=run.trigger, on=run.scan_date, run=run
    )
    return run.status


@task()
def run_programmes(codes: list[str] | None = None, date: str | None = None) -> list[dict]:
    """Every active programme once (for a scheduler that enqueues tasks instead of running
    ``doorstep run-programmes``); returns each run's programme, id, status and counts."""
    import datetime

    from .actions import run_programmes as run_all

    on = datetime.date.fromisoformat(date) if date else None
    return [summary(run) for run in run_all(on=on, codes=codes)]


def summary(run) -> dict:
    return {
        "programme": run.programme.code,
        "run": run.pk,
        "status": run.status,
        "period": run.period,
        "granted": run.granted,
        "stopped": run.stopped,
        "unchanged": run.unchanged,
        "cases_opened": run.cases_opened,
        "notified": run.notified,
        "seconds": run.seconds,
        "error": run.error,
    }
