# Developer entry points. CI runs `bash .ci/run`, which starts PostgreSQL and then `make test`.
#
#   make test [PYTEST_ARGS='-k claim -x']   lint, type-check, then the test suite
#   make run  [RUN_ARGS='--http']           run the bot (creates escalation.yml on first run)
#   make bench                              latency benchmark, then drafter quality
#   make bench-drafter                      drafter quality on the labelled threads
#   make bench-timers                       timers: idle tick, 1,000 due, lateness, start-up
#   make bench-tone                         tone guardrail: caught / facts refused on the labelled set

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
PYTEST_ARGS ?=
RUN_ARGS ?=

.PHONY: venv install test run bench bench-drafter bench-tone bench-timers

venv install: $(STAMP)

# The stamp records a successful install; a newer pyproject.toml triggers a reinstall.
$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -e '.[dev]'
	touch $@

# pytest's own exit code is kept: 5 (no tests collected) fails the target like any failure.
test: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/mypy core bot commands storage schedules
	$(BIN)/pytest $(PYTEST_ARGS)

run: $(STAMP)
	@if [ ! -f escalation.yml ]; then \
		cp escalation.example.yml escalation.yml; \
		echo "Created escalation.yml from escalation.example.yml: edit it for your workspace."; \
	fi
	$(BIN)/escalation-bot run $(RUN_ARGS)

bench: $(STAMP) bench-drafter
	$(BIN)/python benchmarks/bench_latency.py

bench-drafter: $(STAMP)
	$(BIN)/python benchmarks/bench_drafter.py

bench-tone: $(STAMP)
	$(BIN)/python benchmarks/bench_tone.py

bench-timers: $(STAMP)
	$(BIN)/python benchmarks/bench_timers.py $(if $(TEST_POSTGRES_URL),--postgres $(TEST_POSTGRES_URL))
