# CCHC — two commands: `make run` (set up, load the demo, serve) and `make test` (set up, run every test).
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
PIP := $(VENV)/bin/pip
HOST ?= 127.0.0.1
PORT ?= 8000
PYTEST_ARGS ?=

.PHONY: run test venv migrate demo lint typecheck check audit worker beat bench profile clean

$(VENV)/.installed: requirements.txt requirements-dev.txt
	$(PYTHON) -m venv $(VENV)
	$(PIP) install --quiet --upgrade pip
	$(PIP) install --quiet -r requirements-dev.txt
	touch $@

venv: $(VENV)/.installed

migrate: venv
	DEBUG=$${DEBUG:-1} $(PY) manage.py migrate --noinput

demo: migrate
	DEBUG=$${DEBUG:-1} $(PY) manage.py load_demo

## run: embedded default — SQLite, Celery eager, demo data and users — at http://127.0.0.1:8000
run: demo
	@echo "CCHC: http://$(HOST):$(PORT)/  (quản trị: http://$(HOST):$(PORT)/quan-tri/)"
	DEBUG=$${DEBUG:-1} $(PY) manage.py runserver $(HOST):$(PORT)

## test: the whole suite (PostgreSQL/Redis/worker tests run when DATABASE_URL/REDIS_URL are set; CI sets them)
test: venv
	@$(PY) -m pytest $(PYTEST_ARGS); rc=$$?; \
	if [ $$rc -eq 5 ]; then echo "pytest collected no tests: failing on purpose"; exit 1; fi; exit $$rc

lint: venv
	$(VENV)/bin/ruff check .
	$(VENV)/bin/mypy scoring/engine/ scoring/services/ scoring/selectors/ scoring/compiled.py cchc/auth.py appraisal/services/ appraisal/setwise.py appraisal/setwise_sql.py appraisal/selectors/recompute.py

check: venv
	DEBUG=1 $(PY) manage.py makemigrations --check --dry-run
	DEBUG=0 SECRET_KEY=$$($(PY) -c 'import secrets; print(secrets.token_urlsafe(64))') ALLOWED_HOSTS=cchc.example.vn \
		$(PY) manage.py check --deploy --fail-level WARNING

## audit: known vulnerabilities of requirements.txt (says so, without failing, when the database is unreachable)
audit: venv
	bash .ci/pip_audit.sh

worker: venv
	$(VENV)/bin/celery -A cchc worker --loglevel=INFO

beat: venv
	$(VENV)/bin/celery -A cchc beat --loglevel=INFO

bench: venv
	$(PY) bench/run.py

## profile: where one benchmark's time goes (pyinstrument), on a kept dataset: make profile BENCH=autosave
BENCH ?= autosave
profile: venv
	$(PY) bench/run.py --profile --only $(BENCH) --keep --reuse

clean:
	rm -rf $(VENV) db.sqlite3 media staticfiles .pytest_cache .hypothesis .mypy_cache .ruff_cache
