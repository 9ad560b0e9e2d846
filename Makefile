# Partnership Planner. `make help` lists the targets.
SHELL := /bin/bash
.DEFAULT_GOAL := help

VENV      := .venv
PY        := $(VENV)/bin/python
RASA      := $(VENV)/bin/rasa
STAMP     := $(VENV)/.installed
MODEL     := models/planner.tar.gz
# The NLU components in addons/ are trained into the model (config.yml names them).
COMPONENTS := bot/plans/members.py addons/first_words.py addons/answer_guard.py addons/resume_by_code.py addons/faq_selector.py addons/command_or_answer.py addons/components.py addons/sentence_embedding.py addons/sentence_model/tokenizer.json
TRAINING  := config.yml domain.yml $(shell find data -name '*.yml' 2>/dev/null) $(COMPONENTS)
export RASA_TELEMETRY_ENABLED := false
export SQLALCHEMY_SILENCE_UBER_WARNING := 1

.PHONY: help install train run shell serve-prod test test-fast lint validate story-test bench audit clean

help: ## List the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-12s %s\n", $$1, $$2}'

install: $(STAMP) ## Create .venv with Python 3.10 and install the pinned requirements
$(STAMP): requirements.txt requirements-dev.txt constraints.txt scripts/find-python
	@PYTHON=$$(scripts/find-python) || exit 1; \
	  echo "Creating $(VENV) with $$PYTHON"; \
	  [ -x $(PY) ] || $$PYTHON -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip==24.0
	$(PY) -m pip install --progress-bar off -r requirements.txt -r requirements-dev.txt -c constraints.txt
	@touch $@

train: $(MODEL) ## Train the model when the training data or config changed
$(MODEL): $(STAMP) $(TRAINING)
	@echo "Training the assistant (about eight minutes on 2 cores; the epochs show progress)..."
	$(RASA) train --fixed-model-name planner --out models
	@touch $@

run: install train ## Set up, train if needed, start the assistant and print the meeting page's URL
	@$(PY) -m bot.launcher

shell: install train ## Set up, train if needed, chat with the assistant in the terminal
	@$(PY) -m bot.launcher --shell

serve-prod: install train ## Start the production profile on this machine: PostgreSQL, Redis, 2 Rasa servers, 2 action servers
	@$(PY) -m bot.launcher --production

validate: install ## Check the training data (rasa data validate)
	$(RASA) data validate

story-test: install train ## Run the test stories, failing on any prediction error
	$(RASA) test core --stories tests/stories --model $(MODEL) --fail-on-prediction-errors --out results/stories

lint: install ## Lint, import order and format (ruff), types (mypy), and the layering of bot/
	$(VENV)/bin/ruff check bot actions addons rasa_sdk_plugins tests scripts
	$(VENV)/bin/ruff format --check bot actions addons rasa_sdk_plugins tests scripts
	$(VENV)/bin/mypy bot actions addons rasa_sdk_plugins
	$(PY) -m pytest -q -p no:cacheprovider --noconftest tests/test_layering.py

test: lint train validate story-test ## Set up and run every test (lint first: it is the fastest)
	$(PY) -m pytest

test-fast: lint ## Lint, then the unit tier only: no server, no browser (see README, "Tests")
	$(PY) -m pytest -m unit -n auto

bench: install train ## Benchmark against Rasa's starter bot (5-13 min on 2 cores; results/bench.json)
	$(PY) tests/benchmarks/bench.py --out results/bench.json

audit: install ## Check the pinned packages against known advisories (README, "Security": what it can reach)
	scripts/audit-dependencies

clean: ## Remove the trained model, test results and exports (keeps .venv and plans)
	rm -rf models results exports/*.docx test-artifacts
