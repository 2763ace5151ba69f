# bedrock-costs — every target creates the virtual environment it needs.
PYTHON ?= python3.11
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: demo test lint conformance bench clean java glue-lock

java:
	@command -v java >/dev/null 2>&1 || { echo "Java 17 is required by Spark: install it with 'apt-get install -y openjdk-17-jre-headless' (or your OS's JDK 17) and re-run."; exit 1; }

$(STAMP): pyproject.toml
	@command -v $(PYTHON) >/dev/null 2>&1 || { echo "Python 3.11 is required (Glue 5 runs 3.11): install python3.11 and re-run."; exit 1; }
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[spark,dev]'
	$(BIN)/python -m bedrock_costs.io.jars --s3
	@touch $(STAMP)

demo: java $(STAMP)
	$(BIN)/bedrock-costs demo --output demo-output

# the tests' IAM policy simulator (tests/iam_check.py), from the npm registry, pinned by its lock file
IAM_CHECK := tests/iam/node_modules/.package-lock.json
$(IAM_CHECK): tests/iam/package-lock.json
	@command -v npm >/dev/null 2>&1 || { echo "Node.js with npm is required by the tests' IAM check: install it with 'apt-get install -y nodejs npm' and re-run."; exit 1; }
	npm ci --prefix tests/iam --silent --no-audit --no-fund

# the longest test files first (each worker takes the next file when it is free), then the rest
FIRST := report s3 deploy cluster reconcile invocation_costs quality concurrency cli glue
test: java $(STAMP) $(IAM_CHECK)
	$(BIN)/pytest -q -n 2 --dist loadfile --no-loadscope-reorder --durations=15 \
	  $(foreach f,$(FIRST),tests/test_$(f).py) tests

lint: $(STAMP)
	$(BIN)/ruff check glue jobs tests bench
	$(BIN)/ruff format --check glue jobs tests bench
	$(BIN)/mypy
	PYTHONPATH=glue $(BIN)/lint-imports --no-cache
	bash -n deploy.sh

conformance: java $(STAMP)
	PATH=$(CURDIR)/$(BIN):$$PATH $(BIN)/python ../shared/conformance/harness.py ../shared/conformance/cases_public.py --cli bedrock-costs

# the Glue jobs' locked dependencies (docs/deploy.md, "The jobs' Python dependencies"): run after a
# dependency in pyproject.toml changes
glue-lock: $(STAMP)
	$(BIN)/python -m bedrock_costs.deploy.glue_wheels lock

# The benchmark (bench/README.md): generates logs once under bench/data, writes bench/RESULTS.md
bench: java $(STAMP)
	$(BIN)/pip install --quiet -e '.[spark,dev,bench]'
	$(BIN)/python bench/run.py $(BENCH_ARGS)

clean:
	rm -rf $(VENV) demo-output build dist glue/*.egg-info
