"""The table of the ``throttle`` cache (settings.CACHES) when it is the database: guessing
throttles must be shared by every app server and survive a restart (doorstep.core.throttle).
``createcachetable`` makes only the tables that are missing, so this is safe to run again; with
Redis configured there is none to make."""

from django.core.management import call_command
from django.db import migrations


def create_cache_tables(apps, schema_editor) -> None:
    call_command("createcachetable", database=schema_editor.connection.alias, verbosity=0)


class Migration(migrations.Migration):
    dependencies = [("core", "0001_sessions_name_the_stock_backend")]

    operations = [migrations.RunPython(create_cache_tables, migrations.RunPython.noop)]
