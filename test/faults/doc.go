// Package faults is the fault suite (issue 14): the operator's manager,
// built from ./cmd/manager and run as a real process, on one local control
// plane (etcd, kube-apiserver, kube-controller-manager; internal/localcp)
// whose data folder survives restarts. Each scenario breaks something in
// the middle of real work, checks what a platform team would check
// afterwards and prints one machine-readable line:
//
//	faults scenario=kill kills=20 converged=20 mixed_revisions=0 lost_objects=0 max_converge_seconds=… resync_writes=0 …
//	faults scenario=failover takeover_seconds=… webhook_errors=… …
//	faults scenario=apiserver-restart manager_exits=0 converged=true converge_seconds=… …
//	faults scenario=etcd-restart manager_exits=0 converged=true converge_seconds=… …
//	faults scenario=webhook-down own_kinds_refused=… others_blocked=0 …
//	faults scenario=slow-apiserver latency_ms=200 converged=true duplicate_writes=0 idle_cpu_percent=… …
//
// `go test ./test/faults/` (part of `make test`) runs every scenario at a
// reduced scale — 50 villages of the Wenzhou registry, 4 kills — and
// asserts the invariants, never a time. `make faults` (hack/faults.sh) runs
// them on the whole city, 3,685 villages and 20 kills:
//
//	FAULTS_FULL=1 go test ./test/faults/ -run TestFaults -count=1 -v -timeout 60m
//
// Environment:
//
//	FAULTS_FULL     the full scale (3,685 villages, 20 kills, 30 s of idle CPU)
//	FAULTS_SEED     the seed of the random kill points (default: the time; the run prints it)
//	FAULTS_MANAGER  a manager binary to run instead of building ./cmd/manager
//	FAULTS_KEEP     keep the control plane's folder and the managers' logs (the run prints where)
package faults
