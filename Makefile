# cunshe-operator — see README.md. `make help` lists the targets.

K8S_VERSION ?= 1.37.2
ETCD_VERSION ?= 3.7.3
GOLANGCI_LINT_VERSION ?= v2.15.0
HELM_VERSION ?= v3.22.0
HELM_DOCS_VERSION ?= v1.14.2

ARCH := $(shell go env GOARCH)
LOCALBIN := $(CURDIR)/bin
# envtest and the local mode find etcd and kube-apiserver here (hack/build-controlplane.sh).
export KUBEBUILDER_ASSETS := $(LOCALBIN)/k8s/$(K8S_VERSION)-linux-$(ARCH)
export GOWORK := off
CONTROLLER_GEN := go tool controller-gen
VERSION ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)
LDFLAGS := -X github.com/cunshe/cunshe-operator/internal/version.Version=$(VERSION)
# The manager's image (the chart's image.repository) and the engine that builds it.
IMG ?= cunshe/cunshe-operator:$(VERSION)
CONTAINER_TOOL ?= $(shell command -v docker 2>/dev/null || command -v podman 2>/dev/null)

.PHONY: all
all: build

##@ General

.PHONY: help
help: ## Show this help.
	@awk 'BEGIN {FS = ":.*##"; printf "Usage: make \033[36m<target>\033[0m\n"} /^[a-zA-Z_0-9-]+:.*?##/ { printf "  \033[36m%-14s\033[0m %s\n", $$1, $$2 } /^##@/ { printf "\n\033[1m%s\033[0m\n", substr($$0, 5) } ' $(MAKEFILE_LIST)

##@ Development

.PHONY: manifests
manifests: ## Generate CRDs, RBAC and webhook configurations from the Go markers (and the chart's copies of them).
	$(CONTROLLER_GEN) rbac:roleName=cunshe-operator crd webhook paths="./..." output:crd:artifacts:config=config/crd/bases
	rm -f charts/cunshe-operator/crds/*.yaml
	cp config/crd/bases/*.yaml charts/cunshe-operator/crds/
	@# The chart renders its RBAC and webhooks from these copies (one source of truth).
	mkdir -p charts/cunshe-operator/files/rbac charts/cunshe-operator/files/webhook
	cp config/rbac/role.yaml config/rbac/tenant_roles.yaml config/rbac/actor_roles.yaml charts/cunshe-operator/files/rbac/
	cp config/webhook/manifests.yaml charts/cunshe-operator/files/webhook/

.PHONY: generate
generate: ## Generate DeepCopy methods.
	$(CONTROLLER_GEN) object:headerFile="hack/boilerplate.go.txt" paths="./api/..."

.PHONY: fmt
fmt: ## Run go fmt.
	go fmt ./...

.PHONY: vet
vet: ## Run go vet.
	go vet ./...

.PHONY: lint
lint: golangci-lint ## Run golangci-lint (pinned in bin/).
	$(LOCALBIN)/golangci-lint run ./...

.PHONY: chart-docs
chart-docs: helm-docs ## Generate the chart README's values table from values.yaml's `# --` comments (helm-docs).
	$(LOCALBIN)/helm-docs --chart-search-root=charts --sort-values-order=file --skip-version-footer --log-level=warning

.PHONY: verify
verify: manifests generate chart-docs ## Fail when generated files (CRDs, RBAC, webhooks, DeepCopy, the chart README) are stale.
	@if [ -n "$$(git status --porcelain -- api config charts)" ]; then \
		echo "generated files are stale; run 'make manifests generate chart-docs' and commit:"; \
		git status --porcelain -- api config charts; git --no-pager diff --stat -- api config charts; exit 1; fi
	hack/check-chart-rbac.sh
	go run ./hack/tour -check

.PHONY: docs
docs: controlplane build ## Run the README's tour (hack/tour/tour.txt) against a fresh local operator and write every command's output into README.md. Stop make run first (same ports).
	go run ./hack/tour

.PHONY: controlplane
controlplane: ## Build etcd, kube-apiserver and kube-controller-manager from Go modules into bin/k8s (once).
	K8S_VERSION=$(K8S_VERSION) ETCD_VERSION=$(ETCD_VERSION) bash hack/build-controlplane.sh

.PHONY: unit
unit: ## Run the tests that start no control plane (hack/unit-packages.sh picks them): seconds to a few minutes, no bin/k8s needed.
	pkgs=$$(bash hack/unit-packages.sh) && go test $$pkgs -count=1

.PHONY: test
test: controlplane helm chromium ## Run all tests: unit tests, envtest integration tests against a real apiserver, the chart through bin/helm, the portal in headless Chromium.
	go test ./... -count=1 -timeout 30m

.PHONY: faults
faults: controlplane build ## Fault suite on the local control plane (kill loop, failover, apiserver/etcd restarts, webhook down, slow apiserver), then make fuzz (FAULTS_FUZZ=0: not); one line per scenario.
	bash hack/faults.sh

.PHONY: fuzz
fuzz: ## Run every fuzz target for a fixed budget each (FUZZTIME, default 45s: 18 targets and their cached builds in under 15 minutes on 2 cores); ends with `fuzz targets=N execs=... crashes=0 flakes=... build_seconds=...` (flakes: Go's coordinator deadline race, no finding).
	bash hack/fuzz.sh

.PHONY: bench
bench: controlplane ## Run every benchmark (admission, validate, task webhook latency, provisioning, rollouts); each ends with a machine-readable line.
	bash hack/bench.sh

##@ Build

.PHONY: build
build: ## Build the manager and kubectl-cunshe into bin/.
	go build -ldflags "$(LDFLAGS)" -o $(LOCALBIN)/manager ./cmd/manager
	go build -ldflags "$(LDFLAGS)" -o $(LOCALBIN)/kubectl-cunshe ./cmd/kubectl-cunshe
	install -m 0755 hack/kubectl_complete-cunshe $(LOCALBIN)/kubectl_complete-cunshe

.PHONY: docker-build
docker-build: container-tool ## Build the manager's image $(IMG) from the Dockerfile (without the local mode) with docker or podman (CONTAINER_TOOL).
	$(CONTAINER_TOOL) build --build-arg VERSION=$(VERSION) -t $(IMG) .

.PHONY: docker-push
docker-push: container-tool ## Push the manager's image $(IMG).
	$(CONTAINER_TOOL) push $(IMG)

.PHONY: container-tool
container-tool:
	@if [ -z "$(CONTAINER_TOOL)" ]; then \
		echo "no container engine: neither docker nor podman is installed (or set CONTAINER_TOOL)" >&2; exit 1; fi
	@if ! $(CONTAINER_TOOL) info >/dev/null 2>&1; then \
		echo "$(CONTAINER_TOOL) is installed but its engine does not answer ($(CONTAINER_TOOL) info fails): start it first" >&2; exit 1; fi

.PHONY: dist
dist: ## Build the kubectl plugin archives for krew (linux/darwin/windows x amd64/arm64) into dist/ with their sha256, and plugins/cunshe.yaml.
	VERSION=$(VERSION) bash hack/dist.sh

.PHONY: run
run: controlplane build ## Run the operator: its own local control plane (or $$KUBECONFIG's cluster), CRDs, webhooks, samples.
	$(LOCALBIN)/manager --local-dir=$(LOCALBIN)/local $(ARGS)

##@ Deployment

.PHONY: install
install: ## Install the CRDs into the cluster of $$KUBECONFIG.
	kubectl apply --server-side -k config/crd

.PHONY: deploy
deploy: ## Deploy the operator to the cluster of $$KUBECONFIG.
	kubectl apply --server-side -k config/default

.PHONY: helm-lint
helm-lint: helm ## Lint the Helm chart.
	$(LOCALBIN)/helm lint charts/cunshe-operator

##@ Tools

.PHONY: golangci-lint
golangci-lint:
	@$(LOCALBIN)/golangci-lint version 2>/dev/null | grep -q "version $(GOLANGCI_LINT_VERSION:v%=%) " || \
		GOBIN=$(LOCALBIN) go install github.com/golangci/golangci-lint/v2/cmd/golangci-lint@$(GOLANGCI_LINT_VERSION)

.PHONY: chromium
chromium: ## Debian's Chromium and CJK fonts for the portal's browser test (apt-get, once).
	@command -v chromium >/dev/null || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium fonts-noto-cjk >/dev/null; }

.PHONY: helm
helm:
	@test -x $(LOCALBIN)/helm || GOBIN=$(LOCALBIN) go install helm.sh/helm/v3/cmd/helm@$(HELM_VERSION)

.PHONY: helm-docs
helm-docs:
	@test -x $(LOCALBIN)/helm-docs || GOBIN=$(LOCALBIN) go install github.com/norwoodj/helm-docs/cmd/helm-docs@$(HELM_DOCS_VERSION)
