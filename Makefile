# Doorstep (家门口). `make demo` serves a demo district; `make test` runs the whole suite.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-$(shell cat requirements.lock pyproject.toml | cksum | cut -d' ' -f1)
HOST   ?= 127.0.0.1:8000
PYTEST_ARGS ?=
SUDO   := $(if $(filter 0,$(shell id -u)),,sudo)

.PHONY: install demo serve test test-dates bench lint lock messages clean

$(STAMP): requirements.lock pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 11))' || \
		{ echo "Doorstep needs Python 3.11 or newer."; exit 1; }
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet --require-hashes -r requirements.lock
	$(BIN)/python -m pip install --quiet --no-deps -e .
	rm -f $(VENV)/.installed-* && touch $@

install: $(STAMP)

# The demo's secrets: made once, kept, never committed.
.env:
	$(PYTHON) -c 'import base64, os, secrets; print("DEBUG=1"); print("DOORSTEP_DEMO=1"); \
		print("DOORSTEP_TASKS=immediate"); print("DOORSTEP_NOTIFY_LOG_ONLY=1"); \
		print("DOORSTEP_PUBLIC_URL=http://$(HOST)"); \
		print("SECRET_KEY=" + secrets.token_urlsafe(40)); \
		print("DOORSTEP_ENCRYPTION_KEY=" + base64.urlsafe_b64encode(os.urandom(32)).decode())' > $@

# The demo's processes read .env; anything else reads it only with DEBUG=1 in the environment.
demo serve: export DOORSTEP_ENV_FILE = .env

# The demo runs as a district does: tasks in the database, a django-tasks worker beside the web
# server, and the outbox sweep (deliver_messages) for the messages programmes write in bulk,
# which no task carries. Inline tasks (immediate) sent only the few messages queued one by one:
# after a demo build some 10,000 stayed pending, and a retry's back-off needs a worker. Both
# processes deliver to the log (DOORSTEP_NOTIFY_LOG_ONLY) and write it to DEMO_LOG; they stop
# with the server. The environment wins over .env, so an older .env's "immediate" is overridden.
DEMO_LOG ?= demo-messages.log
demo: export DOORSTEP_TASKS = database

demo: install .env
	$(BIN)/python manage.py migrate --noinput
	$(BIN)/python manage.py demo
	@echo "Serving the demo at http://$(HOST)/  (Ctrl-C to stop)"
	@echo "Messages are delivered to the log: $(DEMO_LOG)"
	@trap 'kill $$worker $$sweep 2>/dev/null' EXIT; \
	LOG_LEVEL=INFO $(BIN)/python manage.py db_worker >>$(DEMO_LOG) 2>&1 & worker=$$!; \
	while true; do LOG_LEVEL=INFO $(BIN)/python manage.py deliver_messages --limit 5000 \
		>>$(DEMO_LOG) 2>&1; sleep 20; done & sweep=$$!; \
	$(BIN)/python manage.py runserver $(HOST)

serve: install .env
	$(BIN)/python manage.py runserver $(HOST)

# Two workers, as test-dates runs it: the suite serially took 8 min on SQLite and nearly 15 on
# PostgreSQL on a 2-CPU machine.
test: install
	$(BIN)/python -m pytest -n 2 $(PYTEST_ARGS)

# The suite must not depend on today's date: the whole of it again with the machine's clock a
# year ahead and a year back (libfaketime shifts this process and its children; a database
# server keeps the real time, as a real one would drift from a frozen test clock).
test-dates: install
	@command -v faketime >/dev/null || { echo "Installing faketime (Debian) …"; \
		$(SUDO) apt-get update -qq && $(SUDO) apt-get install -y -qq faketime >/dev/null; }
	faketime -f "+365d" $(BIN)/python -m pytest -p no:cacheprovider -n 2 -q $(PYTEST_ARGS)
	faketime -f "-365d" $(BIN)/python -m pytest -p no:cacheprovider -n 2 -q $(PYTEST_ARGS)

# What the benchmarks need beyond the virtualenv, installed as .ci/run installs CI's: wrk (the
# HTTP load generator of the intake benchmark), from Debian's packages.
bench: install
	@command -v wrk >/dev/null || { echo "Installing wrk (Debian) for the HTTP benchmark …"; \
		$(SUDO) apt-get update -qq && $(SUDO) apt-get install -y -qq wrk >/dev/null; }
	$(BIN)/python -m doorstep.bench

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports

# Regenerate the lock file after changing dependencies in pyproject.toml.
lock:
	$(BIN)/python -m pip install --quiet uv
	$(BIN)/uv pip compile pyproject.toml --extra dev --generate-hashes \
		--python-version 3.11 -o requirements.lock

messages: install
	cd doorstep && ../$(BIN)/python ../manage.py makemessages -l zh_Hans -l zh_Hant -l en \
		--no-obsolete --no-location --ignore "bench/*" --ignore "*/tests/*"

clean:
	rm -rf $(VENV) doorstep.sqlite3* staticfiles .pytest_cache
