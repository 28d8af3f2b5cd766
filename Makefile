# riskwarn — every target sets up what it needs (.venv) by itself.
PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
RW     := $(VENV)/bin/riskwarn
STAMP  := $(VENV)/.installed
OUT    := .riskwarn

.PHONY: demo backtest-demo test lint scan fuzz unit bench evaluate train verify-model build-RiskwarnLayer clean openapi console console-shots deploy-console

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

## console: the staff console (console/: TypeScript, React, Ant Design, ECharts) built into
## console/dist from the lock file; the local front door serves it at its address (/)
CONSOLE_SRC := $(shell find console/src -type f 2>/dev/null) console/index.html console/vite.config.ts
console/node_modules/.installed: console/package-lock.json
	cd console && npm ci --no-audit --no-fund --loglevel=error
	touch $@

console/dist/index.html: console/node_modules/.installed $(CONSOLE_SRC)
	cd console && npm run --silent build -- --logLevel error
	touch $@

console: console/dist/index.html

## deploy-console: STACK=<name> uploads the built console and its config.json (the API's
## address, Cognito's hosted UI, the app client) to the stack's console bucket (needs the AWS
## CLI and credentials; after `sam deploy`)
deploy-console: console
	@test -n "$(STACK)" || { echo "STACK=<the deployed stack's name> is required"; exit 2; }
	out() { aws cloudformation describe-stacks --stack-name "$(STACK)" \
		--query "Stacks[0].Outputs[?OutputKey=='$$1'].OutputValue" --output text; }; \
	rm -rf $(OUT)/console-upload && mkdir -p $(OUT) && cp -r console/dist $(OUT)/console-upload; \
	printf '{"api": "%s", "auth": {"url": "%s", "clientId": "%s", "redirectUri": "%s"}}\n' \
		"$$(out StaffApiUrl)" "$$(out ConsoleAuthUrl)" "$$(out ConsoleClientId)" \
		"$$(out ConsoleUrl)" > $(OUT)/console-upload/config.json; \
	aws s3 sync --delete $(OUT)/console-upload "s3://$$(out ConsoleBucketName)/"

## console-shots: a screenshot of each console screen into docs/console (browser tests;
## the Chinese screens need a CJK font: Debian's fonts-noto-cjk)
console-shots: $(STAMP) console
	RISKWARN_CONSOLE_SHOTS=docs/console $(PY) -m pytest -q tests/e2e/test_console.py

## demo: the whole system on the embedded local stack (moto): stream a generated day,
## alerts, notifications, workflows, staff decisions through the API and the console;
## prints a summary. DEMO_ARGS=--serve keeps it running afterwards.
demo: $(STAMP) console
	$(RW) local demo $(DEMO_ARGS)

## backtest-demo: a month of synthetic events scored offline, with an HTML report
backtest-demo: $(STAMP)
	mkdir -p $(OUT)
	$(RW) generate --customers 2000 --days 30 --seed 7 --out $(OUT)/demo-events.jsonl
	$(RW) backtest $(OUT)/demo-events.jsonl --out $(OUT)/demo-alerts.jsonl \
		--report $(OUT)/demo-report.html --summary-json $(OUT)/demo-summary.json
	@echo "alerts: $(OUT)/demo-alerts.jsonl   report: $(OUT)/demo-report.html"

## lint: ruff + mypy (strict on the library), then the infrastructure scan
lint: $(STAMP)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/mypy
	$(MAKE) --no-print-directory scan

## scan: checkov on the SAM-transformed template (its own venv: it pins an old boto3);
## 0 failed, every skip with its reason in template.yaml
CHECKOV := .venv-checkov
$(CHECKOV)/.installed:
	$(PYTHON) -m venv $(CHECKOV)
	$(CHECKOV)/bin/pip install --quiet --upgrade pip
	$(CHECKOV)/bin/pip install --quiet 'checkov==3.3.30'
	touch $@

scan: $(STAMP) $(CHECKOV)/.installed
	mkdir -p $(OUT)
	$(PY) -m riskwarn.local.template > $(OUT)/transformed.json
	BC_SKIP_MAPPING=TRUE $(CHECKOV)/bin/checkov -f $(OUT)/transformed.json \
		--framework cloudformation --compact --quiet

## test: lint, then the whole test suite (the model's byte-for-byte retraining, ~4 min, is
## `make verify-model`; CI runs both)
test: lint console
	cd console && npm test --silent
	$(PY) -m pytest -q -m "not slow"

unit: $(STAMP)
	$(PY) -m pytest -q tests/unit

## bench: scoring-core throughput, cold start, 1M-event backtest, stream handler, local
## stack end to end, the console in Chromium (prints figures)
bench: $(STAMP)
	$(PY) -m benchmarks.scoring_core
	$(PY) -m benchmarks.cold_start
	$(PY) -m benchmarks.backtest_1m
	$(PY) -m benchmarks.stream_handler
	$(PY) -m benchmarks.local_e2e
	$(MAKE) --no-print-directory console
	$(PY) -m benchmarks.console

## evaluate: detection on data riskwarn was not built on: each outside generator (finforge,
## synthfin-aml) scored by a model trained without it, against rules only and the
## fixed-threshold baseline; our own held-out seed; trained models cached in .riskwarn/eval;
## every figure written to docs/evaluation.json
evaluate: $(STAMP)
	$(PY) -m benchmarks.detection_quality --json docs/evaluation.json

## fuzz: coverage-guided fuzzing (atheris) of the stream's decode path and the scoring
## core; prints the executions; a crashing input lands in .riskwarn/fuzz-crashes/
FUZZ_RUNS ?= 200000
fuzz: $(STAMP)
	$(PY) -m pip install --quiet 'atheris==3.0.0'
	mkdir -p $(OUT)/fuzz-crashes
	$(PY) -m tests.fuzz.decode -runs=$(FUZZ_RUNS) -artifact_prefix=$(OUT)/fuzz-crashes/ \
		$(OUT)/fuzz-corpus

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
