# riskwarn — every target sets up what it needs (.venv) by itself.
PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
RW     := $(VENV)/bin/riskwarn
STAMP  := $(VENV)/.installed
OUT    := .riskwarn

.PHONY: demo backtest-demo test lint unit bench evaluate train verify-model build-RiskwarnLayer clean openapi

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

## demo: the whole system on the embedded local stack (moto): stream a generated day,
## alerts, notifications, workflows, staff decisions through the API; prints a summary.
## DEMO_ARGS=--serve keeps it running afterwards.
demo: $(STAMP)
	$(RW) local demo $(DEMO_ARGS)

## backtest-demo: a month of synthetic events scored offline, with an HTML report
backtest-demo: $(STAMP)
	mkdir -p $(OUT)
	$(RW) generate --customers 2000 --days 30 --seed 7 --out $(OUT)/demo-events.jsonl
	$(RW) backtest $(OUT)/demo-events.jsonl --out $(OUT)/demo-alerts.jsonl \
		--report $(OUT)/demo-report.html --summary-json $(OUT)/demo-summary.json
	@echo "alerts: $(OUT)/demo-alerts.jsonl   report: $(OUT)/demo-report.html"

## lint: ruff + mypy (strict on the library)
lint: $(STAMP)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/mypy

## test: lint, then the whole test suite (the model's byte-for-byte retraining, ~4 min, is
## `make verify-model`; CI runs both)
test: lint
	$(PY) -m pytest -q -m "not slow"

unit: $(STAMP)
	$(PY) -m pytest -q tests/unit

## bench: scoring-core throughput, cold start, 1M-event backtest, stream handler, local
## stack end to end (prints figures)
bench: $(STAMP)
	$(PY) -m benchmarks.scoring_core
	$(PY) -m benchmarks.cold_start
	$(PY) -m benchmarks.backtest_1m
	$(PY) -m benchmarks.stream_handler
	$(PY) -m benchmarks.local_e2e

## evaluate: detection on data riskwarn was not built on: each outside generator (finforge,
## synthfin-aml) scored by a model trained without it, against rules only and the
## fixed-threshold baseline; our own held-out seed; trained models cached in .riskwarn/eval;
## every figure written to docs/evaluation.json
evaluate: $(STAMP)
	$(PY) -m benchmarks.detection_quality --json docs/evaluation.json

## openapi: write docs/openapi.json from the staff API's routes (a test keeps them equal)
openapi: $(STAMP)
	$(PY) -m riskwarn.api.app > docs/openapi.json

## train: retrain the committed model (deterministic: same bytes, same sha256)
train: $(STAMP)
	$(RW) train --out-dir models

verify-model: $(STAMP)
	$(PY) -m pytest -q -m slow tests/unit/test_model_reproducible.py

## build-RiskwarnLayer: called by `sam build` (BuildMethod: makefile) to fill the layer
build-RiskwarnLayer:
	python3 -m pip install --quiet --target "$(ARTIFACTS_DIR)/python" .
	mkdir -p "$(ARTIFACTS_DIR)/models"
	cp models/risk-model-v2.onnx models/risk-model-v2.typology.onnx \
		models/risk-model-v2.card.json "$(ARTIFACTS_DIR)/models/"

clean:
	rm -rf $(OUT) .mypy_cache .ruff_cache .pytest_cache
