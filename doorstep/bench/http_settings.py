"""Settings of the server the HTTP benchmark starts (``case_intake_http``): the project's own,
unchanged, with a URLconf that adds the floor endpoint beside the real ones."""

from doorstep.settings import *  # noqa: F403  (a settings override: everything, then one change)

ROOT_URLCONF = "doorstep.bench.http_urls"
