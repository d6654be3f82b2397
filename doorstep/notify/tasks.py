"""Background tasks (Django Tasks API; the database backend runs them in `manage.py db_worker`)."""

from __future__ import annotations

from django_tasks import task


@task()
def deliver_message(message_id: int) -> str:
    """Send one outbox message if it is due and nobody else holds it; returns its status."""
    from .outbox import send_message

    return send_message(message_id)
