# Naadloos: every step that CI runs is a target here, so humans and CI run the same commands.
# `make help` lists them.

SHELL := /bin/bash
.DEFAULT_GOAL := help

VENV ?= .venv
BIN := $(VENV)/bin
RASA := $(BIN)/rasa
MODEL := models/naadloos.tar.gz
# `make markers`: the marker definitions, the endpoints whose tracker store holds the conversations
# (MARKERS_ENDPOINTS=config/endpoints.production.yml for PostgreSQL) and where the results go.
MARKERS_CONFIG ?= config/markers.yml
MARKERS_ENDPOINTS ?= endpoints.yml
MARKERS_OUT ?= results/markers

# Settings, strongest first: the environment (`LIVECHAT_PORT=6000 make run`), a local .env, then
# the defaults in .env.example. Every VAR=value line becomes `VAR ?= value` in .make/env.mk.
.make/env.mk: .env.example $(wildcard .env)
	@mkdir -p .make
	@sed -n 's/^\([A-Z_][A-Z0-9_]*\)=/\1 ?= /p' $(wildcard .env) .env.example > $@
include .make/env.mk
export
export TF_CPP_MIN_LOG_LEVEL ?= 2
export PYTHONWARNINGS ?= ignore::DeprecationWarning

TRAINING_INPUTS := config.yml domain.yml $(shell find data -name '*.yml') $(wildcard naadloos/nlu/*.py naadloos/policies/*.py naadloos/core/parsing.py naadloos/core/parse_data.py)
INSTALL_STAMP := $(VENV)/.naadloos-installed

.PHONY: help install spacy-model lock validate train test-stories test-nlu test-escalation pytest lint types test bench markers run cluster shell interactive actions livechat browser rasa-webchat proxy clean var-dir

help: ## List the targets
	@grep -hE '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk 'BEGIN {FS = ":.*## "}; {printf "  make %-13s %s\n", $$1, $$2}'

install: ## Create .venv with Python 3.10 and the pinned dependencies (fast when nothing changed)
	@scripts/install.sh

$(INSTALL_STAMP): requirements.lock
	@scripts/install.sh

spacy-model: $(INSTALL_STAMP) ## Try (again) to install the Dutch spaCy model nl_core_news_sm
	@scripts/install_spacy_model.sh $(VENV)

lock: ## Regenerate requirements.lock from requirements.in in a scratch virtualenv
	@scripts/lock.sh

validate: $(INSTALL_STAMP) ## Check the conversation data (fails on any warning)
	$(BIN)/python scripts/validate_data.py

# The model gets the time training *started*, so files edited during training retrain next time.
$(MODEL): $(INSTALL_STAMP) $(TRAINING_INPUTS)
	@mkdir -p models && touch models/.train-started
	$(RASA) train --fixed-model-name naadloos --out models
	@touch -r models/.train-started $(MODEL)

train: $(MODEL) ## Train the assistant when data, domain, config or NLU code changed

test-stories: $(MODEL) ## Run the test stories in tests/stories (fails on any prediction error)
	$(RASA) test core --model $(MODEL) --stories tests/stories --fail-on-prediction-errors --out results/stories

test-nlu: $(MODEL) ## NLU on held-out and out-of-scope sets (dev and frozen test part), calibration plots; fails below the floors
	$(BIN)/python scripts/nlu_report.py --model $(MODEL) --out results/calibration

test-escalation: $(MODEL) ## Escalation evaluation (tests/escalation, dev and frozen test part): recall per trigger, false escalations; fails below the floors
	$(BIN)/python scripts/escalation_report.py --model $(MODEL)

browser: ## Install headless Chromium for the browser test (Debian package; needs root if missing)
	@scripts/install_browser.sh

proxy: ## Install nginx for make cluster and its tests (Debian package; needs root if missing)
	@scripts/install_proxy.sh

rasa-webchat: ## Fetch rasa-webchat 1.0.1 from npm for its browser test (into NAADLOOS_VAR_DIR/vendor; needs npm, the test skips without it)
	-@scripts/install_rasa_webchat.sh

# The folder of the local files (NAADLOOS_VAR_DIR). Rasa keeps the conversations there
# (endpoints.yml) and cannot create it itself; scripts/run.sh and scripts/shell.sh create it too.
var-dir:
	@mkdir -p "$(NAADLOOS_VAR_DIR)"

pytest: browser rasa-webchat proxy $(MODEL) var-dir ## Unit, action and end-to-end tests (the e2e tests use the trained model, one uses Chromium)
	$(BIN)/python -m pytest

lint: $(INSTALL_STAMP) ## Static checks of the Python code
	$(BIN)/ruff check actions naadloos livechat tests scripts

types: $(INSTALL_STAMP) ## Type checks of the Python code
	$(BIN)/mypy actions naadloos livechat

# The checks that do not need each other run side by side (the machine has 2 cores; most of these
# wait on a server or a model load): lint, types and validate while the model trains, then the three
# evaluations of the model, then pytest. --output-sync keeps each target's output together.
test: ## Everything CI runs: lint, types, validate, train, test-stories, test-nlu, test-escalation, pytest
	$(MAKE) --no-print-directory --output-sync=target -j4 lint types validate train
	$(MAKE) --no-print-directory --output-sync=target -j3 test-stories test-nlu test-escalation
	$(MAKE) --no-print-directory pytest

bench: $(INSTALL_STAMP) ## Speed next to a plain `rasa init` bot: 1, 10, 50 conversations at once (results/bench.json, .png; about 10 min; BENCH_ARGS=--quick)
	$(BIN)/python scripts/bench.py $(BENCH_ARGS)

# Rasa refuses to overwrite results, so the previous ones are removed first. The table at the end
# comes from the overall statistics: per marker how often it happened and in how many sessions.
markers: $(INSTALL_STAMP) var-dir ## Count the markers of config/markers.yml in the kept conversations (MARKERS_OUT, default results/markers)
	@mkdir -p "$(MARKERS_OUT)"
	@rm -f "$(MARKERS_OUT)/markers.csv" "$(MARKERS_OUT)/stats-overall.csv" "$(MARKERS_OUT)/stats-per-session.csv"
	$(RASA) evaluate markers all --config "$(MARKERS_CONFIG)" --domain domain.yml --endpoints "$(MARKERS_ENDPOINTS)" \
		--stats-file-prefix "$(MARKERS_OUT)/stats" "$(MARKERS_OUT)/markers.csv"
	@awk -F, '$$4 == "total_number_of_sessions" { total = $$5 } \
		$$4 ~ /^count\(/ { times[$$3] = $$5 } \
		$$4 == "number_of_sessions_where_marker_applied_at_least_once" { sessions[$$3] = $$5; names[++n] = $$3 } \
		END { printf "markers: %d session(s); per marker: times, sessions\n", total; \
		      for (i = 1; i <= n; i++) printf "  %-28s %6d %6d\n", names[i], times[names[i]], sessions[names[i]] }' \
		"$(MARKERS_OUT)/stats-overall.csv"
	@echo "markers: every occurrence in $(MARKERS_OUT)/markers.csv, statistics in $(MARKERS_OUT)/stats-overall.csv and stats-per-session.csv"

# One math thread, as scripts/settings.sh gives the action server that make run starts (README, "Speed").
actions: $(INSTALL_STAMP) ## Start only the action server
	OMP_NUM_THREADS=$${OMP_NUM_THREADS:-1} OPENBLAS_NUM_THREADS=$${OPENBLAS_NUM_THREADS:-1} MKL_NUM_THREADS=$${MKL_NUM_THREADS:-1} \
		SANIC_KEEP_ALIVE_TIMEOUT=$(ACTION_SERVER_KEEP_ALIVE_SECONDS) $(RASA) run actions --actions actions

livechat: $(INSTALL_STAMP) ## Start only the live-chat service (agent desk on http://LIVECHAT_HOST:LIVECHAT_PORT/desk)
	$(BIN)/python -m livechat

run: train ## Start everything (action server, Rasa, live chat with /chat and /desk) until Ctrl-C
	@scripts/run.sh

# Two of each behind nginx (installed first by scripts/install_proxy.sh, a Debian package; needs
# root if missing), with PostgreSQL, Redis and RabbitMQ (README, "Several instances").
# `scripts/cluster.sh --dry-run` checks everything and starts nothing.
cluster: train proxy ## Start 2 Rasa, 2 action servers, 2 live chats behind nginx (PostgreSQL, Redis, RabbitMQ) until Ctrl-C
	@scripts/cluster.sh

shell: train ## Chat with the assistant in this terminal (rasa shell + action server, no live chat)
	@scripts/shell.sh

# `rasa interactive` on the trained model, with the action server in the background (its log in
# NAADLOOS_VAR_DIR/actions.log, as with `make shell`); the action server stops when you quit.
# NAADLOOS_VAR_DIR/interactive/ is where the exported NLU data and domain go, to copy from by hand.
# How to turn the conversation into a story and where to save it: README, "Writing stories".
interactive: $(MODEL) var-dir ## Chat step by step, correct the assistant and save the conversation as a story (README, "Writing stories")
	@set -euo pipefail; . scripts/settings.sh; \
	SANIC_KEEP_ALIVE_TIMEOUT="$$ACTION_SERVER_KEEP_ALIVE_SECONDS" \
		"$$BIN/rasa" run actions --actions actions --port "$$ACTION_SERVER_PORT" > "$$VAR_DIR/actions.log" 2>&1 & \
	actions_pid=$$!; \
	trap 'kill "$$actions_pid" 2>/dev/null; wait "$$actions_pid" 2>/dev/null || true' EXIT INT TERM; \
	for _ in $$(seq 120); do \
		is_up "http://127.0.0.1:$$ACTION_SERVER_PORT/health" && break; \
		kill -0 "$$actions_pid" 2>/dev/null || break; \
		sleep 0.5; \
	done; \
	is_up "http://127.0.0.1:$$ACTION_SERVER_PORT/health" || fail "the action server did not start; see $$VAR_DIR/actions.log"; \
	mkdir -p "$$VAR_DIR/interactive"; \
	echo "interactive: action server is up (log: $$VAR_DIR/actions.log). At Export & Quit: stories to" \
		"data/<feature>/stories.yml, NLU data and domain to $$VAR_DIR/interactive/ (never domain.yml)."; \
	"$$BIN/rasa" interactive --model "$(MODEL)" --endpoints endpoints.yml --skip-visualization

clean: ## Remove trained models and test results (keeps .venv)
	rm -rf models results
