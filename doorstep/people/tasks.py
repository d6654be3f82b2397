"""Background tasks of the people app (Django Tasks API; see ``notify.tasks``)."""

from __future__ import annotations

from django_tasks import task


@task()
def import_registry(batch_id: int) -> str:
    """Carry out a queued web import (``actions.do_queue_import``); returns its status."""
    from .actions import do_run_import

    batch = do_run_import(batch_id)
    return batch.status if batch else "taken"


@task()
def purge_import_files() -> int:
    """Delete uploaded registers past ``DOORSTEP_IMPORT_FILE_HOURS`` (``actions.do_purge_imports``);
    returns how many files were deleted."""
    from .actions import do_purge_imports

    return do_purge_imports()
