#!/usr/bin/env bash
# Fails when the Helm chart's hand-written copies of generated manifests
# differ from them: the ClusterRole's rules (config/rbac/role.yaml) and the
# webhook configurations (config/webhook/manifests.yaml). Needs only Go: it
# reads the chart's templates as text (hack/tools/chartrbac).
#
# Fix the ClusterRole with: go run ./hack/tools/chartrbac -write
set -euo pipefail
cd "$(dirname "$0")/.."
GOWORK=off exec go run ./hack/tools/chartrbac "$@"
