// Package bench holds the benchmarks `make bench` runs against one real local
// control plane (etcd, kube-apiserver, kube-controller-manager), shared by
// the package; each starts the operator's manager itself when its
// measurement needs it:
//
//	go test ./test/bench/ -run '^$' -bench . -benchtime 1x -count=1 -v
//
// BenchmarkProvision needs a cluster without the sample villages, so it runs
// first. It provisions the 3,685 Wenzhou villages of the sample registry,
// compares the time with a floor measured in the same run and prints one
// machine-readable line:
//
//	provision villages=3685 seconds=… floor_seconds=… ratio=… writes_per_village=… children_per_village=… resync_writes=… floor_concurrency=…
//
// Environment variables of BenchmarkProvision, for investigations:
//
//	BENCH_CONCURRENCY        the operator's reconcile concurrency (default: operator.DefaultConcurrency)
//	BENCH_FLOOR_CONCURRENCY  the floor's rounds, e.g. "64,256,512" (the default); a round like
//	                         "512+events+watch" also writes the operator's Events and runs its
//	                         informers, and is reported beside the floor, not taken as it
//	BENCH_VILLAGES           provision only the first N villages (a quick smoke run)
//	BENCH_CPUPROFILE         write a CPU profile of this process (the manager) during the measured run to this file
//
// BenchmarkRollout: BENCH_ROLLOUT_VILLAGES sets the large rollout's size
// (default 25,000); BENCH_ROLLOUT_ROUNDS the rounds of the 3,685-village
// rollout whose median counts (default 3); BENCH_HEAPPROFILE writes a heap profile (sampled every
// 4 KiB) of this process when the manager's heap is measured, to this file;
// BENCH_ROLLOUT_CPUPROFILE=PREFIX writes a CPU profile of each measured
// rollout to PREFIX.<villages>.
//
// BenchmarkTaskAudit (taskaudit_test.go) needs a control plane whose
// villages are only the city's, so `make bench` runs it in a go test
// process of its own (BENCH_ONLY=audit); it prints
//
//	audit tasks=… villages=… items=… affected=… seconds=… floor_seconds=… ratio=… acked_seconds=… acked_ratio=… status_writes=… unaffected_writes=… cpu_core_seconds=… settle_seconds=… floor_concurrency=…
//
// BENCH_AUDIT_TASKS (default 10,000), BENCH_AUDIT_ITEMS (default 50) and
// BENCH_VILLAGES scale it down; BENCH_CPUPROFILE profiles this process from
// the retirement until every affected task reads NonCompliant, and
// BENCH_APISERVER_PROFILE the kube-apiserver for the 1 s after it (inside
// the window: the villages' inboxes are written from 2 s after the first
// task turns).
package bench
