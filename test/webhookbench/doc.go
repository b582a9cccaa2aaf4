// Package webhookbench measures the task admission webhooks under load
// against a real local control plane, beside a no-op webhook served by the
// same server in the same run:
//
//	go test ./test/webhookbench/ -run '^$' -bench . -benchtime 1x -count=1 -v
//
// The cluster holds Wenzhou's 3,685 villages (each holding revision 1), 1,000
// approved items all published in revision 1, and two namespaces of one
// department. In namespace dept-bench-rules the operator's validating task
// webhook decides; in dept-bench-noop a webhook that always allows stands in
// its place. The mutating task webhook (the department label) runs in both:
// the validating webhook refuses a task whose label admission did not set,
// so it cannot be left out of the rules arm, and keeping it in the no-op arm
// too gives both arms the same hops and the same patched object, so the ratio
// isolates the decision. Each request is a server-side dry-run create
// (dryRun=All: every webhook runs, nothing is stored). Arms alternate round
// by round after a warm-up, and each concurrency prints one line:
//
//	webhook clients=50 p50_ms=… p99_ms=… noop_p50_ms=… noop_p99_ms=… p99_ratio=… paired_p99_ratio=… requests=… cpu_us=… noop_cpu_us=… cpu_ratio=…
//
// p99_ratio compares the p99s of all requests; paired_p99_ratio is the
// median over rounds of the two arms' p99s in the same round, which a burst
// of other work moves less. requests counts each arm's measured requests.
// cpu_us is the CPU time per request of this process (clients and webhook
// server) and the control plane together, and cpu_ratio the arms' ratio: on
// a shared machine other work inflates latencies, not this.
//
// Environment variables, for investigations:
//
//	BENCH_WEBHOOK_ROUNDS    rounds per arm and concurrency (default 12)
//	BENCH_WEBHOOK_REQUESTS  requests per arm and round (default: 5 per client, at least 500)
//	BENCH_WEBHOOK_CLIENTS   concurrencies, e.g. "50,200" (the default)
//	BENCH_CPUPROFILE        write a CPU profile of this process (the webhook server) during the measured rounds
package webhookbench
