#!/usr/bin/env bash
# Fails when the generated RBAC and webhook manifests break the deployment
# rules (no wildcards; webhooks only for governance.cunshe.io and never in
# system namespaces) or when the Helm chart's copies of them (files/, made by
# `make manifests`) are stale. Needs only Go: see hack/tools/chartrbac.
set -euo pipefail
cd "$(dirname "$0")/.."
GOWORK=off exec go run ./hack/tools/chartrbac "$@"
