#!/usr/bin/env bash
# make faults (and BENCH_ONLY=faults make bench): the fault suite of
# test/faults on the whole Wenzhou city (3,685 villages): 20 SIGKILLs of the
# manager at random points of real work, a leader killed under two
# replicas, kube-apiserver and etcd restarted mid-rollout, the webhook
# server down, a slow API server. Each scenario prints one line
#   faults scenario=… …
# and then hostile input: every fuzz target for its budget (hack/fuzz.sh,
# make fuzz), ending with
#   fuzz targets=… execs=… crashes=0 …
# The lines are collected again at the end, with the time the run took.
#   FAULTS_SEED=N   replay the random kill points of an earlier run (it prints its seed)
#   FAULTS_KEEP=1   keep the control plane's folder and every manager's log
#   FAULTS_FUZZ=0   leave the fuzz targets out
set -euo pipefail
cd "$(dirname "$0")/.."
export GOWORK=off
export KUBEBUILDER_ASSETS=${KUBEBUILDER_ASSETS:-$PWD/bin/k8s/1.37.2-linux-amd64}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
# The suite runs bin/manager, rebuilt here so that BENCH_ONLY=faults make
# bench never runs a stale one (FAULTS_MANAGER names another binary).
if [[ -z ${FAULTS_MANAGER:-} ]]; then
  go build -o bin/manager ./cmd/manager
fi
manager=$(realpath -m "${FAULTS_MANAGER:-bin/manager}") # go test runs in test/faults
start=$(date +%s)
status=0
FAULTS_FULL=1 FAULTS_MANAGER=$manager go test ./test/faults/ -run '^TestFaults$' -count=1 -v -timeout 90m |
  tee "$tmp/faults.txt" || status=$?
if [[ ${FAULTS_FUZZ:-1} != 0 ]]; then
  bash hack/fuzz.sh | tee "$tmp/fuzz.txt" || status=1
fi
echo "== fault suite: $(( $(date +%s) - start )) s on $(nproc) CPUs"
grep -E '^faults ' "$tmp/faults.txt" || { echo "no scenario finished" >&2; status=1; }
[[ ${FAULTS_FUZZ:-1} == 0 ]] || grep -E '^fuzz targets=' "$tmp/fuzz.txt" || { echo "the fuzz targets did not finish" >&2; status=1; }
exit "$status"
