"""Live sessions that name the removed ``doorstep.core.auth.ModelBackend`` name Django's own
instead: Django drops a session whose backend is no longer configured, and nobody should be
logged out by the change. (Sessions kept in Redis, with REDIS_URL, cannot be rewritten here:
their users log in once more.)"""

from django.db import migrations
from django.utils import timezone

OLD = "doorstep.core.auth.ModelBackend"
NEW = "django.contrib.auth.backends.ModelBackend"


def name_the_stock_backend(apps, schema_editor) -> None:
    from django.contrib.auth import BACKEND_SESSION_KEY
    from django.contrib.sessions.backends.db import SessionStore

    session_model = apps.get_model("sessions", "Session")
    db = schema_editor.connection.alias
    store = SessionStore()  # only its encode() and decode(): they sign with SECRET_KEY
    live = session_model.objects.using(db).filter(expire_date__gt=timezone.now())
    changed = []
    for session in live.iterator(chunk_size=2000):
        data = store.decode(session.session_data)
        if data.get(BACKEND_SESSION_KEY) == OLD:
            data[BACKEND_SESSION_KEY] = NEW
            session.session_data = store.encode(data)
            changed.append(session)
    session_model.objects.using(db).bulk_update(changed, ["session_data"], batch_size=1000)


class Migration(migrations.Migration):
    dependencies = [("sessions", "0001_initial")]

    operations = [migrations.RunPython(name_the_stock_backend, migrations.RunPython.noop)]
