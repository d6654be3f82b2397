"""Doorstep settings: one file, everything that differs between machines comes from the
environment (see README.md, "Configuration")."""

from __future__ import annotations

import os
from pathlib import Path

import environ
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent
env = environ.Env()
# pytest (8.2+) announces itself; tests never read a developer's .env, so they behave the same
# on every machine and in CI.
TESTING = "PYTEST_VERSION" in os.environ


def env_file(environment) -> Path | None:
    """The ``.env`` file to read, if any: the one ``DOORSTEP_ENV_FILE`` names (the Makefile's
    demo and serve targets name ``.env``), or ``.env`` beside ``manage.py`` when ``DEBUG=1`` is
    in the real environment. Never otherwise: a demo's leftover ``.env`` (``DEBUG=1`` inside)
    cannot switch a production process into debug mode."""
    named = environment.get("DOORSTEP_ENV_FILE", "")
    if named:
        return Path(named)
    if environment.get("DEBUG", "").lower() in {"1", "true", "yes", "on"}:
        return BASE_DIR / ".env"
    return None


# Real deployments set the environment; tests never read a .env.
if not TESTING and (ENV_FILE := env_file(os.environ)) is not None:
    environ.Env.read_env(ENV_FILE, overwrite=False)

DEBUG = env.bool("DEBUG", default=False)
SECRET_KEY = env.str(
    "SECRET_KEY", default="insecure-dev-key" if DEBUG else "insecure-test-key" if TESTING else ""
)
if not SECRET_KEY:
    from django.core.exceptions import ImproperlyConfigured

    raise ImproperlyConfigured("SECRET_KEY must be set when DEBUG is off.")
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

# Key for residents' ID numbers: 32 random bytes, urlsafe base64. Encryption and the keyed
# lookup hash are both derived from it (doorstep.core.crypto).
DOORSTEP_ENCRYPTION_KEY = env.str("DOORSTEP_ENCRYPTION_KEY", default="")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django_htmx",
    "django_filters",  # its widget templates (the from–to range filters render a MultiWidget)
    "doorstep.apps.AxesConfig",  # axes, named in our language on the admin site
    "django_tasks",
    "doorstep.apps.TasksDatabaseConfig",  # django_tasks_db, likewise
    "ninja",  # its static files: the docs page works offline
    "doorstep.core",
    "doorstep.places",
    "doorstep.staff",
    "doorstep.people",
    "doorstep.workdays",
    "doorstep.notify",
    "doorstep.catalogue",
    "doorstep.feedback",
    "doorstep.desks",
    "doorstep.cases",
    "doorstep.rules",
    "doorstep.proactive",
    "doorstep.visits",
    "doorstep.disputes",
    "doorstep.needs",
    "doorstep.reception",
    "doorstep.insight",
    "doorstep",  # the project itself, for its `demo` command (DESIGN.md §4)
    "doorstep.api",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "doorstep.core.middleware.NulPathMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "axes.middleware.AxesMiddleware",
    "doorstep.core.middleware.IdleTimeoutMiddleware",
    "doorstep.staff.password.PasswordChangeDueMiddleware",
]

ROOT_URLCONF = "doorstep.urls"
WSGI_APPLICATION = "doorstep.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "doorstep" / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "django.template.context_processors.i18n",
                "doorstep.core.context_processors.doorstep",
                "doorstep.core.elderly.context",
                "doorstep.staff.context_processors.staff",
                "doorstep.notify.context_processors.inbox",
            ],
        },
    },
]

DATABASES = {
    "default": env.db("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'doorstep.sqlite3'}"),
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL and a busy timeout let the web process and a worker share one file.
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
            "transaction_mode": "IMMEDIATE",
            "timeout": 20,
        }
    )
# Opening a PostgreSQL connection costs milliseconds per request: keep each one for
# DATABASE_CONN_MAX_AGE seconds (0: a new one per request), checked before it is reused. An
# SQLite file opens in microseconds, so there the default stays Django's 0. A ?conn_max_age=
# in DATABASE_URL wins. (Django's psycopg pool, OPTIONS={"pool": …}, would need psycopg[pool],
# which is not a dependency.)
DATABASES["default"].setdefault(
    "CONN_MAX_AGE",
    env.int(
        "DATABASE_CONN_MAX_AGE",
        default=0 if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3" else 60,
    ),
)
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
DATABASES["default"]["TEST"] = {"NAME": env.str("TEST_DATABASE_NAME", default=None)}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

REDIS_URL = env.str("REDIS_URL", default="")
# Database sessions; Redis when configured.
SESSION_ENGINE = "django.contrib.sessions.backends.db"
# "throttle" holds the guessing throttles (doorstep.core.throttle): it must be shared by every
# app server and outlive a restart, so it is Redis or the database (table made by a migration
# of doorstep.core), never per-process memory.
CACHES = {
    "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"},
    "throttle": {
        "BACKEND": "django.core.cache.backends.db.DatabaseCache",
        "LOCATION": "doorstep_throttle",
    },
}
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
        },
        "throttle": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": "doorstep",
        },
    }
    SESSION_ENGINE = "django.contrib.sessions.backends.cache"
# How many reverse proxies (the README's nginx is one) stand in front of the app and append to
# X-Forwarded-For: the client is the N-th address from the right. 0: the header is ignored.
DOORSTEP_TRUSTED_PROXIES = env.int("DOORSTEP_TRUSTED_PROXIES", default=0)

AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "doorstep.staff.validators.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

# Failed logins before a lockout: for one username from one address, and (password spraying:
# many usernames from one address) for the address alone. Axes has one limit for all its
# lockout parameter sets; doorstep.core.throttle.login_failure_limit gives each its own.
DOORSTEP_LOGIN_FAILURE_LIMIT = env.int("AXES_FAILURE_LIMIT", default=5)
DOORSTEP_LOGIN_IP_FAILURE_LIMIT = env.int("AXES_IP_FAILURE_LIMIT", default=20)
AXES_FAILURE_LIMIT = "doorstep.core.throttle.login_failure_limit"
AXES_COOLOFF_TIME = 0.5  # hours
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"], "ip_address"]
AXES_CLIENT_IP_CALLABLE = "doorstep.core.throttle.client_address"
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
AXES_VERBOSE = False

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [
    ("zh-hans", "简体中文"),
    ("zh-hant", "繁體中文"),
    ("en", "English"),
]
LOCALE_PATHS = [BASE_DIR / "doorstep" / "locale"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = env.path("STATIC_ROOT", default=BASE_DIR / "staticfiles")
MEDIA_URL = "media/"
MEDIA_ROOT = env.path("MEDIA_ROOT", default=BASE_DIR / "media")

# Web uploads of the registry stop here; larger files go through `doorstep import-residents`.
DOORSTEP_IMPORT_MAX_UPLOAD = env.int("DOORSTEP_IMPORT_MAX_UPLOAD", default=50 * 1024 * 1024)
# An XLSX is refused before it is read when it unpacks to more than this, when one of its
# parts is packed more than DOORSTEP_IMPORT_MAX_RATIO times (a zip bomb: registers pack about
# 5-15 times), or when its sheet has more cells than this (1,048,576 rows × 20 columns).
DOORSTEP_IMPORT_MAX_UNPACKED = env.int("DOORSTEP_IMPORT_MAX_UNPACKED", default=600 * 1000 * 1000)
DOORSTEP_IMPORT_MAX_RATIO = env.int("DOORSTEP_IMPORT_MAX_RATIO", default=60)
DOORSTEP_IMPORT_MAX_CELLS = env.int("DOORSTEP_IMPORT_MAX_CELLS", default=21_000_000)
# Uploaded registers (encrypted) are deleted this many hours after upload by
# `manage.py purge_import_files` (cron) or the task of the same name, whatever became of them.
DOORSTEP_IMPORT_FILE_HOURS = env.int("DOORSTEP_IMPORT_FILE_HOURS", default=24)
# Scanned materials attached to a case (PDF, JPEG, PNG).
DOORSTEP_ATTACHMENT_MAX_BYTES = env.int("DOORSTEP_ATTACHMENT_MAX_BYTES", default=10 * 1024 * 1024)
# Door-to-door visits: how late a visit may be logged, the retry after "nobody home", how far
# ahead the due list looks, and how long a silence puts a resident on the red list (days).
DOORSTEP_VISIT_MAX_AGE_DAYS = env.int("DOORSTEP_VISIT_MAX_AGE_DAYS", default=7)
DOORSTEP_VISIT_RETRY_DAYS = env.int("DOORSTEP_VISIT_RETRY_DAYS", default=2)
DOORSTEP_VISIT_DUE_SOON_DAYS = env.int("DOORSTEP_VISIT_DUE_SOON_DAYS", default=3)
DOORSTEP_VISIT_SILENCE_DAYS = env.int("DOORSTEP_VISIT_SILENCE_DAYS", default=30)
# The photos a phone may keep with visits saved offline, all queued visits together (bytes).
DOORSTEP_VISIT_OFFLINE_PHOTOS_MAX_BYTES = env.int(
    "DOORSTEP_VISIT_OFFLINE_PHOTOS_MAX_BYTES", default=25 * 1024 * 1024
)
# The public address printed in QR codes on receipts and notices; the request's own when empty.
# Satisfaction (好差评): a bad rating's rectification is due this many working days after it
# (5 in some provinces, 15 in others); a resident unrated this many days after closing is
# invited once; a rating is accepted up to this many days after closing.
DOORSTEP_RECTIFY_WORKING_DAYS = env.int("DOORSTEP_RECTIFY_WORKING_DAYS", default=5)
DOORSTEP_RATING_INVITE_DAYS = env.int("DOORSTEP_RATING_INVITE_DAYS", default=3)
DOORSTEP_RATING_WINDOW_DAYS = env.int("DOORSTEP_RATING_WINDOW_DAYS", default=30)
# The composite score's weights: response, resolution, satisfaction (Beijing 10 / 50 / 40).
DOORSTEP_COMPOSITE_WEIGHTS = tuple(
    env.list("DOORSTEP_COMPOSITE_WEIGHTS", cast=float, default=[10, 50, 40])
)
# Below this many items a rate is shown as "—" and takes no place in a league table.
DOORSTEP_METRIC_MIN_N = env.int("DOORSTEP_METRIC_MIN_N", default=10)
DOORSTEP_PUBLIC_URL = env.str("DOORSTEP_PUBLIC_URL", default="").rstrip("/")
# Open311: a point is routed to the nearest compound centre within this many metres; who answers
# the discovery's "contact".
DOORSTEP_OPEN311_SNAP_METRES = env.int("DOORSTEP_OPEN311_SNAP_METRES", default=1000)
DOORSTEP_OPEN311_CONTACT = env.str("DOORSTEP_OPEN311_CONTACT", default="")
DOORSTEP_OPEN311_POSTS_PER_HOUR = env.int("DOORSTEP_OPEN311_POSTS_PER_HOUR", default=600)
DATA_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024

SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SECURE = env.bool("SESSION_COOKIE_SECURE", default=not DEBUG)
CSRF_COOKIE_SECURE = env.bool("CSRF_COOKIE_SECURE", default=not DEBUG)
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
# HTTPS only (README, "Running in production"): off by default so that the demo and tests
# over plain HTTP work; production turns them on.
SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=False)
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env.bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", default=False)
SECURE_HSTS_PRELOAD = env.bool("SECURE_HSTS_PRELOAD", default=False)
# Staff are logged out after this many minutes without a request (doorstep.core.middleware);
# every request restarts the count. 0 turns it off.
SESSION_IDLE_MINUTES = env.int("SESSION_IDLE_MINUTES", default=30)
X_FRAME_OPTIONS = "DENY"

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="WARNING")},
}

# Background work (DESIGN.md §4): the database backend, run by `manage.py db_worker`.
# DOORSTEP_TASKS=immediate runs tasks inline after commit (the demo, a one-process install).
DOORSTEP_TASKS = env.str("DOORSTEP_TASKS", default="database")
TASKS = {
    "default": {
        "BACKEND": "django_tasks.backends.immediate.ImmediateBackend"
        if DOORSTEP_TASKS == "immediate"
        else "django_tasks_db.DatabaseBackend",
        "QUEUES": ["default"],
    }
}

# Notifications (doorstep.notify). Email goes through Django's email backend, e.g.
# EMAIL_URL=smtp+tls://user:password@smtp.example.com:587; the default prints to the console.
globals().update(
    {k: v for k, v in env.email_url("EMAIL_URL", default="consolemail://").items() if v}
)
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="doorstep@localhost")
# A generic HTTP SMS gateway: POST of DOORSTEP_SMS_TEMPLATE (JSON, with {phone} and {body}
# replaced by JSON-escaped values) to DOORSTEP_SMS_URL, with an optional "Name: value" header.
DOORSTEP_SMS_URL = env.str("DOORSTEP_SMS_URL", default="")
# The sender's signature every SMS starts with (Chinese SMS rules): the registered name, e.g. the
# district's; the brackets 【】 are added if missing.
DOORSTEP_SMS_SIGNATURE = env.str("DOORSTEP_SMS_SIGNATURE", default="【家门口】")
DOORSTEP_SMS_TEMPLATE = env.str(
    "DOORSTEP_SMS_TEMPLATE", default='{"phone": "{phone}", "text": "{body}"}'
)
DOORSTEP_SMS_AUTH_HEADER = env.str("DOORSTEP_SMS_AUTH_HEADER", default="")
DOORSTEP_SMS_TIMEOUT = env.float("DOORSTEP_SMS_TIMEOUT", default=10.0)
DOORSTEP_NOTIFY_MAX_ATTEMPTS = env.int("DOORSTEP_NOTIFY_MAX_ATTEMPTS", default=5)
DOORSTEP_NOTIFY_BACKOFF = env.int("DOORSTEP_NOTIFY_BACKOFF", default=60)  # seconds, doubled
# Deliver every message through the log channel whatever its channel (demo, staging).
DOORSTEP_NOTIFY_LOG_ONLY = env.bool("DOORSTEP_NOTIFY_LOG_ONLY", default=False)

SITE_TITLE = _("Doorstep")
# A demo install (`make demo`) says on every page that its residents are synthetic.
DOORSTEP_DEMO = env.bool("DOORSTEP_DEMO", default=False)
