# Two commands on a fresh machine:  `make demo`  and  `make test`.
# Everything they need (virtualenv, Python packages, Kafka jars) is installed here.

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
KAFKA_LIBS := .cache/kafka/libs
NODE_MODULES := node_modules/.installed
DEMO_DIR ?= .data/demo
DEMO_CHILDREN ?= 2000
DEMO_SEED ?= 7
export HUB_KAFKA_PORT ?= 9092

.PHONY: help setup demo test unit integration browser screenshots lint typecheck bench clean kafka-start kafka-stop

help:
	@echo "make demo   - set up, start Kafka, generate and publish a day of agency feeds"
	@echo "make test   - set up, lint, type-check and run all tests (starts its own broker)"

$(BIN)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $@

$(KAFKA_LIBS)/.resolved: deploy/kafka/pom.xml
	mvn -q -B -f deploy/kafka/pom.xml dependency:copy-dependencies -Dkafka.libs=$(abspath $(KAFKA_LIBS))
	touch $@

# The lookup service's Python code, generated from its .proto by the installed grpcio-tools
# (so it always matches the installed grpcio/protobuf); never committed.
PROTOS := hub/lookup/proto/lookup.proto hub/alerts/proto/inbox.proto
PROTO_OUT := hub/lookup/proto/.generated
$(PROTO_OUT): $(PROTOS) $(BIN)/.installed
	$(BIN)/python -m grpc_tools.protoc -I. --python_out=. --pyi_out=. --grpc_python_out=. $(PROTOS)
	touch $@

# Debian's Pango, fonts and poppler-utils for the PDF documents (installed only if missing;
# checking takes a moment, so it runs every time).
.PHONY: document-packages
document-packages:
	bash deploy/documents/system-packages.sh

# The web console's GOV.UK Frontend assets and the browser tests' axe-core, from npm at the
# versions package-lock.json pins; node, npm and chromium from Debian's packages if missing.
$(NODE_MODULES): package.json package-lock.json
	bash deploy/web/web.sh install
	bash deploy/web/web.sh assets
	touch $@

setup: $(BIN)/.installed $(KAFKA_LIBS)/.resolved $(PROTO_OUT) $(NODE_MODULES) document-packages

lint: $(BIN)/.installed $(PROTO_OUT)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

typecheck: $(BIN)/.installed $(PROTO_OUT)
	$(BIN)/mypy

unit: setup
	$(BIN)/pytest -q tests/unit

integration: setup
	$(BIN)/pytest -q tests/integration

# The web console in Debian's Chromium (Playwright), with axe-core on every page.
browser: setup
	$(BIN)/pytest -q tests/browser

# The same tests, keeping a screenshot of each page in docs/console/.
screenshots: setup
	CONSOLE_SCREENSHOTS=docs/console $(BIN)/pytest -q tests/browser

test: setup lint typecheck postgres prometheus test-hosts
	$(BIN)/pytest tests

demo: setup
	bash deploy/demo.sh

kafka-start: setup
	$(BIN)/hub kafka start

kafka-stop: $(BIN)/.installed
	$(BIN)/hub kafka stop

.PHONY: postgres postgres-stop

# PostgreSQL for the hub and its tests: Debian's package if missing, then a private cluster
# on 127.0.0.1, port HUB_POSTGRES_PORT (5433), left running (see deploy/postgres/postgres.sh).
postgres:
	bash deploy/postgres/postgres.sh install
	bash deploy/postgres/postgres.sh start
	@echo "HUB_DATABASE_URL=$$(bash deploy/postgres/postgres.sh url)"

postgres-stop:
	bash deploy/postgres/postgres.sh stop

clean:
	-$(BIN)/hub kafka stop
	rm -rf .data

.PHONY: test-hosts

# iproute2 (`ip netns`) for the tests that run the hub's parts as separate hosts in network
# namespaces (tests/integration/netns.py); Debian's package if missing.
test-hosts:
	@command -v ip >/dev/null 2>&1 || bash deploy/apt-install.sh test-hosts iproute2

.PHONY: prometheus prometheus-check

# Prometheus for the metrics integration test: Debian's package if missing (the test starts
# and stops its own server on a free port; see deploy/prometheus/prometheus.sh).
prometheus:
	bash deploy/prometheus/prometheus.sh install

prometheus-check: prometheus
	bash deploy/prometheus/prometheus.sh check-rules
